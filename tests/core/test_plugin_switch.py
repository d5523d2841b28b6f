"""The per-school plugin switch is one row per school and plugin: two admins switching two
plugins at the same moment lose neither change (file SQLite and PostgreSQL)."""
from __future__ import annotations

import threading

from zhurnal.core import db
from zhurnal.core.admin import set_plugin_enabled
from zhurnal.core.identity.models import School, User
from zhurnal.core.plugin_switch import SchoolPlugin


def _switch_concurrently(app, school_id, admin_id, changes, rounds=1):
    barrier = threading.Barrier(len(changes))
    errors = []

    def run(name, enabled):
        try:
            with app.app_context():
                db.database.connect(reuse_if_open=True)
                school, by = School.get_by_id(school_id), User.get_by_id(admin_id)
                barrier.wait()
                set_plugin_enabled(school, name, enabled, by=by)
                if db.is_postgres() or not db.database.is_closed():
                    db.database.close()
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    threads = [threading.Thread(target=run, args=c) for c in changes]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors


def test_two_concurrent_switches_lose_nothing(demo_app):
    with demo_app.app_context():
        school = School.select().first()
        admin = User.get(User.login == "admin")
        sid, aid = school.id, admin.id
    for _ in range(5):
        _switch_concurrently(demo_app, sid, aid, [("diary", False), ("health_sheet", False)])
        with demo_app.app_context():
            assert set(School.get_by_id(sid).disabled_plugin_names()) == {"diary", "health_sheet"}
            assert {r.plugin for r in SchoolPlugin.select().where(~SchoolPlugin.enabled)} == {"diary", "health_sheet"}
        _switch_concurrently(demo_app, sid, aid, [("diary", True), ("health_sheet", True)])
        with demo_app.app_context():
            assert School.get_by_id(sid).disabled_plugin_names() == []


def test_one_row_per_school_and_plugin(demo_app):
    c_admin = __import__("tests.conftest", fromlist=["login"]).login(demo_app, "admin")
    with demo_app.app_context():
        sid = School.select().first().id
    for enabled in (False, True, False):
        r = c_admin.put(f"/api/v1/schools/{sid}/plugins/diary", json={"enabled": enabled})
        assert r.status_code == 200 and r.get_json()["enabled"] is enabled
    with demo_app.app_context():
        rows = list(SchoolPlugin.select().where(SchoolPlugin.school == sid))
        assert [(r.plugin, r.enabled) for r in rows] == [("diary", False)]
