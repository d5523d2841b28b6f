"""The tamper-evident audit log: verify (CLI and job), tampering found by id, browsing by admins and the director."""
from __future__ import annotations

import threading

from zhurnal.core import audit
from zhurnal.core.db import database
from tests.conftest import login
from tests.core.conftest import run_zhurnal, stderr_lines


def _ids(app) -> list[int]:
    with app.app_context():
        return [r for (r,) in audit.AuditEntry.select(audit.AuditEntry.id).order_by(audit.AuditEntry.id).tuples()]


def _sql(app, sql, *params):
    with app.app_context():
        database.execute_sql(sql, params)


def test_verify_passes_on_a_fresh_demo(demo_app, cli):
    r = cli(demo_app, "audit", "verify")
    assert r.exit_code == 0
    n = len(_ids(demo_app))
    assert n > 50  # the demo's own writes are audited
    assert r.output.strip() == f"audit log intact: {n} entries"


def test_altered_row_reported_by_id(demo_app, cli):
    ids = _ids(demo_app)
    victim = ids[len(ids) // 3]
    _sql(demo_app, "UPDATE core_audit SET data = %s WHERE id = %s"
         if database.obj.param == "%s" else "UPDATE core_audit SET data = ? WHERE id = ?", '{"mark": "5"}', victim)
    r = cli(demo_app, "audit", "verify")
    assert r.exit_code == 1
    lines = stderr_lines(r)
    assert lines[0].startswith(f"TAMPERED entry {victim}: was altered (action ")
    assert lines[-1] == f"audit log: 1 problem(s) in {len(ids)} entries"


def test_deleted_middle_row_reported(demo_app, cli):
    ids = _ids(demo_app)
    victim = ids[len(ids) // 2]
    _sql(demo_app, f"DELETE FROM core_audit WHERE id = {victim}")
    r = cli(demo_app, "audit", "verify")
    assert r.exit_code == 1
    assert f"TAMPERED entry {victim + 1}: entries {victim}..{victim} are missing (deleted)" in r.stderr
    assert f"TAMPERED the head counts {len(ids)} entries, the log holds {len(ids) - 1}" in r.stderr


def test_deleted_last_row_reported(demo_app, cli):
    ids = _ids(demo_app)
    _sql(demo_app, f"DELETE FROM core_audit WHERE id = {ids[-1]}")
    r = cli(demo_app, "audit", "verify")
    assert r.exit_code == 1
    assert (f"TAMPERED entry {ids[-1]}: the log ends at entry {ids[-2]} but its head says {ids[-1]}"
            in r.stderr)


def test_forged_row_with_a_recomputed_hash_is_still_found(demo_app):
    """Re-hashing an altered row does not help: without the key its HMAC is wrong, and the
    next row no longer follows it."""
    ids = _ids(demo_app)
    victim = ids[10]
    with demo_app.app_context():
        e = audit.AuditEntry.get_by_id(victim)
        forged = audit._digest(e.prev_hash, e.at, e.user_id, e.login, e.ip, e.action, e.object_type,
                               e.object_id, e.school_id, '{"forged": true}')
        audit.AuditEntry.update(data='{"forged": true}', hash=forged).where(audit.AuditEntry.id == victim).execute()
        problems = audit.verify()
    assert [str(p) for p in problems][-1] == \
        f"entry {ids[11]}: does not follow the previous entry (inserted or reordered)"
    assert str(problems[0]).startswith(f"entry {victim}: was altered")


def test_verify_as_a_real_process_exits_1(demo_app, tmp_path):
    ids = _ids(demo_app)
    _sql(demo_app, f"DELETE FROM core_audit WHERE id = {ids[5]}")
    url = demo_app.config["DATABASE_URL"]
    env = {"ZHURNAL_DATABASE_URL": url, "ZHURNAL_SECRET_KEY": "s" * 32, "ZHURNAL_QUEUE_URL": "memory",
           "ZHURNAL_PLUGINS": ",".join(demo_app.extensions["zhurnal"].plugins.order)}
    from zhurnal.core import db
    if db.is_postgres():
        db.database.obj.close_all()  # let the child see committed data without our pooled connection in the way
    r = run_zhurnal(["audit", "verify"], cwd=tmp_path, env=env)
    assert r.returncode == 1, r.stderr
    assert f"TAMPERED entry {ids[6]}: entries {ids[5]}..{ids[5]} are missing (deleted)" in r.stderr


def test_concurrent_writers_keep_the_chain(make_app):
    app = make_app()
    errors = []

    def writer(n):
        try:
            with app.app_context():
                database.connect(reuse_if_open=True)
                for i in range(10):
                    audit.record("test.concurrent", object_type="t", object_id=f"{n}-{i}", ip="test")
                if not database.is_closed():
                    database.close()
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with app.app_context():
        assert audit.AuditEntry.select().count() == 40
        assert audit.verify() == []


def test_the_audit_listens_to_domain_signals(make_app):
    """A signal whose sender audited nothing is recorded by the listener; one that did is not twice."""
    from zhurnal.core import signals
    from zhurnal.plugins.diary import signals as diary_signals
    from zhurnal.plugins.journal import signals as journal_signals
    from zhurnal.core.identity import service
    app = make_app()
    with app.app_context():
        actor, _ = service.create_user("zavuch", "Завуч", password="long-enough-1")
    before = _ids(app)
    with app.test_request_context("/"):  # a fresh context: nothing audited in it yet
        signals.send(diary_signals.diary_acknowledged, student_id=8, guardian_user_id=7, week="2026-11-23", at=None, by=actor,
                     school_id=None)
        signals.send(journal_signals.lesson_changed, lesson_id=9, action="created", by=actor, school_id=None)
    with app.app_context():
        new = list(audit.AuditEntry.select().where(audit.AuditEntry.id.not_in(before)).order_by(audit.AuditEntry.id))
    assert [(e.action, e.login, e.payload) for e in new] == [
        ("core.event.diary-acknowledged", "zavuch",
         {"student_id": 8, "guardian_user_id": 7, "week": "2026-11-23", "at": None, "by": actor.id}),
        ("core.event.lesson-changed", "zavuch", {"lesson_id": 9, "action": "created", "by": actor.id}),
    ]
    before = _ids(app)
    with app.test_request_context("/"):
        service.change_password(actor, "another-long-one-2", by=actor)  # audits, then sends password_changed
    with app.app_context():
        actions = [e.action for e in audit.AuditEntry.select().where(audit.AuditEntry.id.not_in(before))]
        assert actions == ["core.password.change"]
        assert audit.verify() == []


# --- browsing --------------------------------------------------------------------------------------------------

def test_admin_and_director_browse_and_filter(demo_app):
    login(demo_app, "teacher")
    login(demo_app, "klass5a")
    admin = login(demo_app, "admin")
    r = admin.get("/api/v1/audit?action=core.login&login=teacher&per_page=10")
    assert r.status_code == 200
    body = r.get_json()
    assert body["total"] >= 1 and body["per_page"] == 10
    assert {e["action"] for e in body["items"]} == {"core.login"}
    assert {e["login"] for e in body["items"]} == {"teacher"}
    assert body["items"][0]["data"] == {"via": "api"}
    everything = admin.get("/api/v1/audit?per_page=5").get_json()
    assert len(everything["items"]) == 5 and everything["total"] > 50
    ids = [e["id"] for e in everything["items"]]
    assert ids == sorted(ids, reverse=True)  # newest first
    page2 = admin.get("/api/v1/audit?per_page=5&page=2").get_json()["items"]
    assert page2[0]["id"] < ids[-1]
    r = admin.get("/api/v1/audit?from=2000-01-01&to=2000-01-02")
    assert r.get_json()["total"] == 0
    r = admin.get("/api/v1/audit?from=yesterday")
    assert r.status_code == 422 and "from" in r.get_json()["error"]["fields"]
    html = admin.get("/admin/audit?action=core.login&login=klass5a").get_data(as_text=True)
    assert "klass5a" in html and "core.login" in html
    r = admin.get("/admin/audit?from=yesterday", headers={"Accept": "text/html"})
    assert r.status_code == 422 and r.content_type.startswith("text/html")

    director = login(demo_app, "director")
    mine = director.get("/api/v1/audit?per_page=500").get_json()
    school = mine["items"][0]["school_id"]
    assert school is not None and {e["school_id"] for e in mine["items"]} == {school}
    # the admin's own logins belong to no school: the director does not see them
    assert director.get("/api/v1/audit?login=admin").get_json()["total"] == 0
    assert admin.get("/api/v1/audit?login=admin").get_json()["total"] >= 1
    assert director.get("/admin/audit").status_code == 200


def test_others_may_not_browse(demo_app):
    for who in ("deputy", "teacher", "klass5a", "nurse", "parent1", "student1", "support"):
        c = login(demo_app, who)
        assert c.get("/api/v1/audit").status_code == 403, who
        assert c.get("/admin/audit").status_code == 403, who
    assert demo_app.test_client().get("/api/v1/audit").status_code == 401


def test_the_checks_are_their_own_module_and_still_answer_from_core_audit():
    """Writing the chain (core.audit) and checking it (core.audit_check) are two modules; the
    checks' names stay importable from core.audit for the code that uses them there."""
    from zhurnal.core import audit, audit_check
    from zhurnal.core.audit import Problem, check_anchor, digest, verify
    assert (verify, digest, check_anchor, Problem) == (audit_check.verify, audit_check.digest,
                                                       audit_check.check_anchor, audit_check.Problem)
    assert audit.verify is audit_check.verify
    import pytest
    with pytest.raises(AttributeError):
        audit.no_such_name
