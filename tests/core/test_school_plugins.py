"""Per-school enablement: switching a plugin off for one school takes effect at once, is audited,
keeps the data, and hides everything the plugin contributes there."""
from __future__ import annotations

import types

import peewee as pw
import pytest
from flask import Blueprint

from zhurnal.core import access, audit, signals
from zhurnal.core.api import endpoint
from zhurnal.core.db import BaseModel
from zhurnal.core.hookspecs import hookimpl
from zhurnal.core.identity import service
from zhurnal.core.identity.models import School
from zhurnal.core.ui import NavItem, Widget, login_required
from tests.conftest import login

PASSWORD = "Parol-dlya-testa-1"


class ProbeItem(BaseModel):
    text = pw.CharField()

    class Meta:
        table_name = "probe_item"


def make_probe():
    """A plugin that contributes one of everything and records when it is asked or told."""
    seen = {"nav": [], "widgets": [], "logins": []}
    m = types.ModuleType("probe")
    m.name, m.title, m.version, m.depends, m.schema_version = "probe", "Probe", "1", ("roster",), 1
    m.seen = seen
    pages = Blueprint("probe", __name__, url_prefix="/probe")
    api = Blueprint("probe_api", __name__, url_prefix="/api/v1")

    @pages.get("/")
    @login_required
    def index():
        return "probe page"

    @endpoint(api, "/probe/items", summary="Probe items")
    def items():
        return [i.text for i in ProbeItem.select().order_by(ProbeItem.id)]

    def on_login(sender, user, school_id, **kw):
        seen["logins"].append((user.login, school_id))

    m.zhurnal_models = hookimpl(lambda: [ProbeItem])
    m.zhurnal_blueprints = hookimpl(lambda: [pages, api])

    @hookimpl
    def zhurnal_nav_items(user, school):
        seen["nav"].append(school.id)
        return [NavItem("Probe-nav", "probe.index", priority=500)]

    @hookimpl
    def zhurnal_dashboard_widgets(user, school):
        seen["widgets"].append(school.id)
        return [Widget("Probe widget", html="<p>probe-widget</p>")]

    @hookimpl
    def zhurnal_app_ready(app):
        signals.connect(signals.user_logged_in, on_login, app=app, owner="probe")

    m.zhurnal_nav_items, m.zhurnal_dashboard_widgets, m.zhurnal_app_ready = (
        zhurnal_nav_items, zhurnal_dashboard_widgets, zhurnal_app_ready)
    return m


@pytest.fixture
def world(make_app):
    probe = make_probe()
    app = make_app(plugins=["roster", "probe"], extra_plugins=[probe])
    with app.app_context():
        a = School.create(name="Школа № 1", short_name="Школа № 1")
        b = School.create(name="Школа № 2", short_name="Школа № 2")
        admin, _ = service.create_user("admin", "Администратор", password=PASSWORD, must_change=False)
        access.grant(admin, "admin", scope_type="deployment", scope_id=None)
        for login_name, school in (("teacher_a", a), ("teacher_b", b)):
            u, _ = service.create_user(login_name, "Учитель", password=PASSWORD, school=school, must_change=False)
            access.grant(u, "teacher", school=school)
        ProbeItem.create(text="первая запись")
        ProbeItem.create(text="вторая запись")
    return types.SimpleNamespace(app=app, probe=probe, a=a.id, b=b.id)


def put(client, school_id, plugin, enabled):
    return client.put(f"/api/v1/schools/{school_id}/plugins/{plugin}", json={"enabled": enabled})


def test_switch_off_and_on_for_one_school(world):
    app, seen = world.app, world.probe.seen
    teacher = login(app, "teacher_a", PASSWORD)
    other = login(app, "teacher_b", PASSWORD)
    admin = login(app, "admin", PASSWORD)
    assert teacher.get("/probe/").status_code == 200
    assert teacher.get("/api/v1/probe/items").get_json() == ["первая запись", "вторая запись"]
    home = teacher.get("/").get_data(as_text=True)
    assert "probe-widget" in home and "Probe-nav" in home
    assert ("teacher_a", world.a) in seen["logins"]

    r = put(admin, world.a, "probe", False)
    assert r.status_code == 200
    assert r.get_json() == {"name": "probe", "title": "Probe", "version": "1", "depends": ["roster"],
                            "distribution": "(given)", "enabled": False, "off_by_dependency": False}
    # at once, in the teacher's existing session: routes 404, nav and widgets gone, hooks not asked
    nav_calls, widget_calls = len(seen["nav"]), len(seen["widgets"])
    assert teacher.get("/probe/").status_code == 404
    r = teacher.get("/api/v1/probe/items")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"
    home = teacher.get("/").get_data(as_text=True)
    assert "probe-widget" not in home and "Probe-nav" not in home
    assert len(seen["nav"]) == nav_calls and len(seen["widgets"]) == widget_calls
    # its signal receivers are skipped for that school
    login(app, "teacher_a", PASSWORD)
    assert seen["logins"].count(("teacher_a", world.a)) == 1
    # the other school is untouched
    assert other.get("/probe/").status_code == 200
    assert "probe-widget" in other.get("/").get_data(as_text=True)
    login(app, "teacher_b", PASSWORD)
    assert seen["logins"].count(("teacher_b", world.b)) == 2
    # audited
    with app.app_context():
        e = audit.AuditEntry.get(audit.AuditEntry.action == "core.plugin.disable")
        assert e.payload == {"plugin": "probe"} and e.login == "admin" and e.school_id == world.a
    rows = {p["name"]: p["enabled"] for p in admin.get(f"/api/v1/schools/{world.a}/plugins").get_json()}
    assert rows == {"roster": True, "probe": False}

    # on again: the data was kept
    assert put(admin, world.a, "probe", True).get_json()["enabled"] is True
    assert teacher.get("/api/v1/probe/items").get_json() == ["первая запись", "вторая запись"]
    assert "probe-widget" in teacher.get("/").get_data(as_text=True)
    with app.app_context():
        assert audit.AuditEntry.select().where(audit.AuditEntry.action == "core.plugin.enable").count() == 1


def test_dependency_off_takes_dependents_along(world):
    app = world.app
    admin = login(app, "admin", PASSWORD)
    teacher = login(app, "teacher_a", PASSWORD)
    assert put(admin, world.a, "roster", False).status_code == 200
    rows = {p["name"]: p for p in admin.get(f"/api/v1/schools/{world.a}/plugins").get_json()}
    assert rows["probe"]["enabled"] is False and rows["probe"]["off_by_dependency"] is True
    assert teacher.get("/probe/").status_code == 404
    # switching the dependent on while its dependency is off is refused
    assert put(admin, world.a, "probe", False).status_code == 200
    r = put(admin, world.a, "probe", True)
    assert r.status_code == 409
    assert r.get_json()["error"]["code"] == "conflict" and "roster" in r.get_json()["error"]["message"]
    assert put(admin, world.a, "roster", True).status_code == 200
    assert teacher.get("/probe/").status_code == 404  # still off by its own switch
    assert put(admin, world.a, "probe", True).status_code == 200
    assert teacher.get("/probe/").status_code == 200


def test_toggle_input_and_access(world):
    app = world.app
    admin = login(app, "admin", PASSWORD)
    assert put(admin, world.a, "nosuch", False).status_code == 404
    assert put(admin, 999999, "probe", False).status_code == 404
    r = admin.put(f"/api/v1/schools/{world.a}/plugins/probe", json={"enabled": "sometimes"})
    assert r.status_code == 422 and "enabled" in r.get_json()["error"]["fields"]
    r = admin.put(f"/api/v1/schools/{world.a}/plugins/probe", json={})
    assert r.status_code == 422
    r = admin.put(f"/api/v1/schools/{world.a}/plugins/probe", data="enabled=0",
                  content_type="application/x-www-form-urlencoded")
    assert r.status_code == 415
    teacher = login(app, "teacher_a", PASSWORD)
    assert put(teacher, world.a, "probe", False).status_code in (403, 404)
    assert teacher.get("/probe/").status_code == 200


def test_modules_page_switches_too(world):
    app = world.app
    app.config["WTF_CSRF_ENABLED"] = False
    admin = login(app, "admin", PASSWORD)
    html = admin.get("/admin/plugins").get_data(as_text=True)
    assert "probe" in html
    r = admin.post("/admin/plugins", data={"plugin": "probe", "enabled": "0"})
    assert r.status_code == 302
    # the admin works in the first school
    with app.app_context():
        assert "probe" in School.get_by_id(world.a).disabled_plugin_names()
    assert login(app, "teacher_a", PASSWORD).get("/probe/").status_code == 404
    assert admin.post("/admin/plugins", data={"plugin": "nosuch", "enabled": "0"}).status_code == 404
