"""The hooks the kernel calls at start-up, on pages, in the CLI and in its background work, each proved on
its own with a probe plugin: it is called with the documented arguments, and what it returns is used.

``zhurnal_roles`` and ``zhurnal_permissions`` (clashes) are proved in ``tests/core/test_roles.py`` and
``tests/core/test_plugins.py``; the contracts that stop start-up are in ``test_contracts.py``."""
from __future__ import annotations

import datetime as dt

import click
import peewee as pw
from click.testing import CliRunner
from flask import Blueprint

from zhurnal.core.access import Permission, Role, Scope
from zhurnal.core.db import BaseModel
from zhurnal.core.identity import service
from zhurnal.core.identity.models import School, User
from zhurnal.core.ui import NavItem, Widget, login_required
from tests.conftest import login
from tests.hooks.probe import calls_of, make_probe

PASSWORD = "Parol-dlya-testa-1"


class ProbeNote(BaseModel):
    text = pw.CharField()

    class Meta:
        table_name = "probe_note"


def _cli(app, *args):
    from zhurnal.core.cli import main
    return CliRunner().invoke(main, list(args), obj={"app": app}, catch_exceptions=False)


def _school_with(app, *accounts):
    with app.app_context():
        school = School.create(name="Школа № 3", short_name="Школа № 3")
        from zhurnal.core import access
        for login_name, role in accounts:
            u, _ = service.create_user(login_name, login_name.title(), password=PASSWORD, school=school,
                                       must_change=False)
            access.grant(u, role, school=school)
    return school


def test_zhurnal_models_tables_are_created_by_init(make_app):
    probe = make_probe(zhurnal_models=lambda: [ProbeNote])
    app = make_app(plugins=["probe"], extra_plugins=[probe])
    with app.app_context():
        ProbeNote.create(text="создана")
        assert ProbeNote.select().count() == 1
    assert calls_of(probe, "zhurnal_models")


def test_zhurnal_permissions_and_zhurnal_roles_are_registered(make_app):
    probe = make_probe(
        zhurnal_roles=lambda: [Role("psychologist", "School psychologist")],
        zhurnal_permissions=lambda: [Permission("probe.note.read", "Read notes", roles=("psychologist",))])
    app = make_app(plugins=["probe"], extra_plugins=[probe])
    _school_with(app, ("psy", "psychologist"), ("teacher", "teacher"))
    from zhurnal.core import access
    with app.app_context():
        assert access.can(User.get(User.login == "psy"), "probe.note.read")
        assert not access.can(User.get(User.login == "teacher"), "probe.note.read")


def test_zhurnal_object_scope_none_answers_are_skipped_first_answer_used(make_app):
    class Thing:
        id = 7
    asked = []
    silent = make_probe("silent", zhurnal_object_scope=lambda obj: asked.append(obj) and None)
    owner = make_probe("owner", zhurnal_object_scope=lambda obj: Scope.of(42) if isinstance(obj, Thing) else None)
    app = make_app(plugins=["silent", "owner"], extra_plugins=[silent, owner])
    from zhurnal.core.access import scope_of
    thing = Thing()
    with app.test_request_context("/"):
        assert scope_of(thing) == Scope.of(42)
    assert {"obj": thing} in calls_of(owner, "zhurnal_object_scope")


def test_zhurnal_blueprints_are_registered_and_guarded(make_app):
    pages = Blueprint("probe", __name__, url_prefix="/probe")

    @pages.get("/")
    @login_required
    def index():
        return "probe-page"
    probe = make_probe(zhurnal_blueprints=lambda: [pages])
    app = make_app(plugins=["probe"], extra_plugins=[probe])
    school = _school_with(app, ("teacher", "teacher"))
    client = login(app, "teacher", PASSWORD)
    assert client.get("/probe/").get_data(as_text=True) == "probe-page"
    with app.app_context():
        School.update(disabled_plugins="probe").where(School.id == school.id).execute()
    assert client.get("/probe/").status_code == 404


def test_zhurnal_nav_items_and_dashboard_widgets_merged_and_sorted_by_priority(make_app):
    a = make_probe("navA", zhurnal_nav_items=lambda user, school: [NavItem("Яблоко", url="/a", priority=300)],
                   zhurnal_dashboard_widgets=lambda user, school: [Widget("W-late", html="<p>w-late</p>", priority=80)])
    b = make_probe("navB", zhurnal_nav_items=lambda user, school: [NavItem("Арбуз", url="/b", priority=300),
                                                                      NavItem("Первый", url="/c", priority=20)],
                   zhurnal_dashboard_widgets=lambda user, school: [Widget("W-early", html="<p>w-early</p>",
                                                                          priority=10)])
    app = make_app(plugins=["navA", "navB"], extra_plugins=[a, b])
    school = _school_with(app, ("teacher", "teacher"))
    html = login(app, "teacher", PASSWORD).get("/").get_data(as_text=True)
    assert html.index("Первый") < html.index("Арбуз") < html.index("Яблоко")   # priority, then label
    assert html.index("w-early") < html.index("w-late")
    [call] = calls_of(a, "zhurnal_nav_items")
    assert call["user"].login == "teacher" and call["school"].id == school.id
    assert calls_of(b, "zhurnal_dashboard_widgets")[0]["school"].id == school.id


def test_zhurnal_cli_commands_run_inside_the_app(make_app):
    @click.command("probe-hello")
    def hello():
        from flask import current_app
        click.echo(f"hello from {current_app.name}")
    probe = make_probe(zhurnal_cli_commands=lambda: [hello])
    app = make_app(plugins=["probe"], extra_plugins=[probe])
    r = _cli(app, "probe-hello")
    assert r.exit_code == 0 and r.output.strip() == f"hello from {app.name}"


class _Report:
    ok = True

    def lines(self):
        return ["imported 2 rows"]


def test_zhurnal_importers_and_exporters_get_the_documented_arguments(make_app, tmp_path):
    seen = {}

    def importer(path_or_stream, filename, school, user, dry_run):
        seen["import"] = (path_or_stream.read(), filename, school.id, user, dry_run)
        return _Report()

    def exporter(path, school, class_name):
        seen["export"] = (path, school.id, class_name)
        return 3
    probe = make_probe(zhurnal_importers=lambda: {"notes": importer}, zhurnal_exporters=lambda: {"notes": exporter})
    app = make_app(plugins=["probe"], extra_plugins=[probe])
    school = _school_with(app)
    src = tmp_path / "notes.csv"
    src.write_text("a;b\n", encoding="utf-8")
    r = _cli(app, "import", "notes", str(src), "--dry-run")
    assert r.exit_code == 0 and "imported 2 rows" in r.output
    assert seen["import"] == (b"a;b\n", str(src), school.id, None, True)
    out = str(tmp_path / "out.csv")
    r = _cli(app, "export", "notes", out, "--class", "5А")
    assert r.exit_code == 0 and r.output.strip() == f"exported 3 rows to {out}"
    assert seen["export"] == (out, school.id, "5А")


def test_zhurnal_app_ready_is_called_once_with_the_app(make_app):
    probe = make_probe(zhurnal_app_ready=lambda app: app.add_template_filter(lambda s: f"«{s}»", "probe_quote"))
    app = make_app(plugins=["probe"], extra_plugins=[probe])
    assert calls_of(probe, "zhurnal_app_ready") == [{"app": app}]
    with app.app_context():
        assert app.jinja_env.from_string("{{ 'x' | probe_quote }}").render() == "«x»"


def test_zhurnal_audit_vocabulary_names_actions_and_resolves_objects_once_per_type(make_app):
    from zhurnal.core import audit, audit_view
    resolved = []

    def notes(ids):
        resolved.append(list(ids))
        return {i: (f"заметка {i}", f"/probe/{i}") for i in ids}
    probe = make_probe(zhurnal_audit_vocabulary=lambda: audit_view.AuditVocabulary(
        actions={"probe.note": "изменил(а) заметку"}, objects={"probe_note": notes}))
    app = make_app(plugins=["probe"], extra_plugins=[probe])
    with app.test_request_context("/"):
        from zhurnal.core.db import database
        with database.atomic():
            for i in (1, 2):
                audit.record("probe.note.update", object_type="probe_note", object_id=i)
        entries = list(audit.AuditEntry.select().where(audit.AuditEntry.action == "probe.note.update"))
        lines = audit_view.describe(entries, set())
    assert [(ln.what, ln.whom, ln.url) for ln in lines] == [
        ("изменил(а) заметку", "заметка 1", "/probe/1"), ("изменил(а) заметку", "заметка 2", "/probe/2")]
    assert resolved == [["1", "2"]]


def test_zhurnal_metrics_are_published_under_the_plugins_prefix(make_app):
    probe = make_probe(zhurnal_metrics=lambda: [("notes", "Notes kept", 5)])
    app = make_app(plugins=["probe"], extra_plugins=[probe], metrics_token="m" * 20)
    r = app.test_client().get("/metrics", headers={"Authorization": "Bearer " + "m" * 20})
    assert r.status_code == 200
    text = r.get_data(as_text=True)
    assert "# HELP zhurnal_probe_notes Notes kept" in text and "zhurnal_probe_notes 5.0" in text


def test_zhurnal_school_holidays_answers_are_united_for_the_deadline(make_app):
    from zhurnal.core import incidents
    monday = dt.date(2026, 11, 30)
    a = make_probe("holA", zhurnal_school_holidays=lambda school_id, date_from, date_to: [monday])
    b = make_probe("holB", zhurnal_school_holidays=lambda school_id, date_from, date_to: {monday + dt.timedelta(1)})
    app = make_app(plugins=["holA", "holB"], extra_plugins=[a, b])
    school = _school_with(app)
    with app.app_context():
        off = incidents.days_off(school.id, monday, monday + dt.timedelta(days=6))
    assert off == {monday, monday + dt.timedelta(1), monday + dt.timedelta(5), monday + dt.timedelta(6)}
    [call] = calls_of(a, "zhurnal_school_holidays")
    assert call == {"school_id": school.id, "date_from": monday, "date_to": monday + dt.timedelta(days=6)}


def test_zhurnal_demo_seed_runs_after_its_dependencies_in_one_transaction(make_app):
    seen = {}

    def seed(ctx):
        seen["roster"] = sorted(ctx.data.get("roster", {}))
        seen["school"] = ctx.school.id
        ctx.summary.append("probe: 1 note")
    probe = make_probe(depends=("roster",), zhurnal_demo_seed=seed)
    app = make_app(plugins=["roster", "probe"], extra_plugins=[probe])
    from zhurnal.core import demo
    with app.app_context():
        ctx = demo.seed(students_per_class=3)
    assert seen["roster"] and seen["school"] == ctx.school.id
    assert "probe: 1 note" in ctx.summary


def test_zhurnal_exporters_an_unknown_class_is_a_one_line_error(make_app, tmp_path):
    def exporter(path, school, class_name):
        raise LookupError(f"no class {class_name!r} in this school")
    probe = make_probe(zhurnal_exporters=lambda: {"notes": exporter})
    app = make_app(plugins=["probe"], extra_plugins=[probe])
    _school_with(app)
    from zhurnal.core.cli import main
    r = CliRunner().invoke(main, ["export", "notes", str(tmp_path / "x.csv"), "--class", "5Я"], obj={"app": app})
    assert r.exit_code == 1 and r.output.strip() == "Error: no class '5Я' in this school"


def test_zhurnal_models_is_never_called_while_serving_requests(make_app):
    probe = make_probe(zhurnal_models=lambda: [ProbeNote])
    app = make_app(plugins=["probe"], extra_plugins=[probe])
    _school_with(app, ("teacher", "teacher"))
    asked = len(calls_of(probe, "zhurnal_models"))
    client = login(app, "teacher", PASSWORD)
    for path in ("/", "/api/v1/me", "/api/v1/openapi.json"):
        client.get(path)
    assert len(calls_of(probe, "zhurnal_models")) == asked


def test_zhurnal_models_of_builtin_plugins_derive_from_basemodel_with_the_plugins_prefix():
    import importlib

    from zhurnal.core.plugins import discover
    bad = []
    for name, eps in discover().items():
        ep = next((e for e in eps if e.value.startswith("zhurnal.plugins.")), None)
        impl = getattr(importlib.import_module(ep.value), "zhurnal_models", None) if ep else None
        for model in (impl() if impl else []):
            if not (issubclass(model, BaseModel) and model._meta.table_name.startswith(f"{name}_")):
                bad.append(f"{name}: {model.__name__} ({model._meta.table_name})")
    assert not bad, bad
