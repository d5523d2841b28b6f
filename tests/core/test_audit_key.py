"""The audit chain is keyed by a secret outside the database: the probe's attack (rewrite an
entry, recompute every following hash) is found; so is rewriting with plain hashes."""
from __future__ import annotations

import hashlib
import json

import pytest

from zhurnal.core import audit
from zhurnal.core.db import database


def _rows(app):
    with app.app_context():
        return list(audit.AuditEntry.select().order_by(audit.AuditEntry.id))


def _rewrite_from(app, victim_id: int, forge) -> None:
    """What someone with write access to the database does: alter one entry, then recompute
    the hash of it and of every entry after it (and the head) so the chain links up."""
    with app.app_context(), database.atomic():
        rows = list(audit.AuditEntry.select().where(audit.AuditEntry.id >= victim_id).order_by(audit.AuditEntry.id))
        prev = rows[0].prev_hash
        for e in rows:
            if e.id == victim_id:
                e.data = json.dumps({"forged": True})
            key_id, h = forge(prev, e)
            audit.AuditEntry.update(data=e.data, prev_hash=prev, hash=h, key_id=key_id).where(
                audit.AuditEntry.id == e.id).execute()
            prev = h
        audit.AuditHead.update(last_hash=prev).where(audit.AuditHead.id == 1).execute()


def _plain(prev, e):
    return None, audit._digest(prev, e.at, e.user_id, e.login, e.ip, e.action, e.object_type, e.object_id,
                               e.school_id, e.data)


def _guessed_key(prev, e):
    return e.key_id, audit._digest(prev, e.at, e.user_id, e.login, e.ip, e.action, e.object_type, e.object_id,
                                   e.school_id, e.data, e.key_id, hashlib.sha256(b"a guess").digest())


def test_entries_are_signed(demo_app):
    rows = _rows(demo_app)
    assert rows and all(r.key_id and r.key_id.startswith("sk") for r in rows)
    with demo_app.app_context():
        assert audit.verify() == []


@pytest.mark.parametrize("forge", [_plain, _guessed_key], ids=["plain-sha256", "guessed-key"])
def test_rewritten_entry_with_recomputed_hashes_is_found(demo_app, cli, forge):
    rows = _rows(demo_app)
    victim = rows[len(rows) // 2].id
    _rewrite_from(demo_app, victim, forge)
    r = cli(demo_app, "audit", "verify")
    assert r.exit_code == 1, r.output
    assert f"TAMPERED entry {victim}:" in r.stderr


def test_rewriting_only_the_last_entry_with_a_plain_hash_is_found(demo_app):
    rows = _rows(demo_app)
    _rewrite_from(demo_app, rows[-1].id, _plain)
    with demo_app.app_context():
        problems = [str(p) for p in audit.verify()]
    assert any("unsigned" in p for p in problems), problems


def test_rotation_old_entries_verify_with_the_old_key(make_app, databases):
    url = databases.new_url()
    old = "k1:" + "a" * 40
    app = make_app(url=url, security={"audit_keys": old, "argon2_time_cost": 1, "argon2_memory_cost": 8,
                                      "argon2_parallelism": 1})
    with app.app_context():
        audit.record("test.before", object_type="t", ip="test")
    rotated = make_app(url=url, migrate=False, security={"audit_keys": "k2:" + "b" * 40 + "," + old,
                                                         "argon2_time_cost": 1, "argon2_memory_cost": 8,
                                                         "argon2_parallelism": 1})
    with rotated.app_context():
        audit.record("test.after", object_type="t", ip="test")
        assert [e.key_id for e in audit.AuditEntry.select().order_by(audit.AuditEntry.id)][-2:] == ["k1", "k2"]
        assert audit.verify() == []
    forgot = make_app(url=url, migrate=False, security={"audit_keys": "k2:" + "b" * 40, "argon2_time_cost": 1,
                                                        "argon2_memory_cost": 8, "argon2_parallelism": 1})
    with forgot.app_context():
        problems = [str(p) for p in audit.verify()]
    assert problems and all("key 'k1', which is not configured" in p for p in problems)


def test_a_database_of_before_the_key_is_upgraded_to_a_keyed_segment(make_app, databases):
    """Entries of before schema 4 keep their plain hashes; the upgrade signs one entry that covers
    them, and from then on a rewrite of an old entry is found too."""
    from zhurnal.core.migrations import SchemaVersion
    url = databases.new_url()
    app = make_app(url=url)
    with app.app_context():
        for i in range(3):
            audit.record("test.legacy", object_type="t", object_id=i, ip="test")
        # make it look like a database written by schema 3: plain hashes, no key column values
        prev = audit.GENESIS
        for e in audit.AuditEntry.select().order_by(audit.AuditEntry.id):
            _k, h = _plain(prev, e)
            audit.AuditEntry.update(prev_hash=prev, hash=h, key_id=None).where(audit.AuditEntry.id == e.id).execute()
            prev = h
        audit.AuditHead.update(last_hash=prev).where(audit.AuditHead.id == 1).execute()
        database.execute_sql("ALTER TABLE core_audit DROP COLUMN key_id")
        for col in ("deadline_at", "overdue_flagged_at", "reverted_at"):
            database.execute_sql(f"ALTER TABLE core_compromise_report DROP COLUMN {col}")
        database.execute_sql("DROP TABLE core_school_plugin")
        SchemaVersion.update(version=3).where(SchemaVersion.plugin == "core").execute()
        from zhurnal.core.cli import migrate_all
        migrate_all(app, echo=lambda *a: None)
        rows = list(audit.AuditEntry.select().order_by(audit.AuditEntry.id))
        assert [r.key_id is None for r in rows] == [True, True, True, False]
        assert rows[-1].action == "core.audit.keyed"
        assert audit.verify() == []
    _rewrite_from(app, rows[0].id, lambda prev, e: _plain(prev, e) if e.key_id is None else _guessed_key(prev, e))
    with app.app_context():
        assert audit.verify()


def test_a_saved_digest_finds_truncation_even_when_the_rest_is_consistent(demo_app, cli, tmp_path):
    r = cli(demo_app, "audit", "digest")
    assert r.exit_code == 0
    saved = tmp_path / "digest.json"
    saved.write_text(r.output)
    assert json.loads(r.output)["mac"]
    assert cli(demo_app, "audit", "verify", "--anchor", str(saved)).exit_code == 0
    # drop the newest entries and point the head at the one before: the chain itself stays consistent
    rows = _rows(demo_app)
    with demo_app.app_context():
        keep = rows[-3]
        audit.AuditEntry.delete().where(audit.AuditEntry.id > keep.id).execute()
        audit.AuditHead.update(last_id=keep.id, last_hash=keep.hash, count=len(rows) - 2).where(
            audit.AuditHead.id == 1).execute()
        assert audit.verify() == []
    r = cli(demo_app, "audit", "verify", "--anchor", str(saved))
    assert r.exit_code == 1 and f"TAMPERED entry {rows[-1].id}: is missing" in r.stderr
    forged = json.loads(saved.read_text())
    forged["entry_id"] = keep.id
    forged["hash"] = keep.hash
    saved.write_text(json.dumps(forged))
    r = cli(demo_app, "audit", "verify", "--anchor", str(saved))
    assert r.exit_code == 1 and "signature is wrong" in r.stderr


def test_the_daily_digest_is_recorded_and_offered_to_the_channels(demo_app):
    from zhurnal.core import incidents
    from zhurnal.core.hookspecs import hookimpl
    seen = []

    class Channel:
        @hookimpl
        def zhurnal_security_alert(self, alert):
            seen.append(alert)
            return "test-channel"

    demo_app.extensions["zhurnal"].plugins.pm.register(Channel(), name="test-channel")
    try:
        with demo_app.test_request_context():
            d = incidents.audit_digest_job.call_local()
            assert audit.check_anchor(d) == []
            e = audit.AuditEntry.select().where(audit.AuditEntry.action == "core.audit.digest").get()
    finally:
        demo_app.extensions["zhurnal"].plugins.pm.unregister(name="test-channel")
    assert seen and seen[0].kind == "audit_digest" and seen[0].data["mac"] == d["mac"]
    assert {u.login for u in seen[0].recipients} >= {"director", "support"}
    assert e.payload["channels"] == ["test-channel"]


def test_moving_from_the_derived_key_to_explicit_keys(demo_app, make_app):
    """Entries signed with the default key (from secret_key) still verify when explicit keys are
    configured with the word secret_key after them."""
    url = demo_app.config["DATABASE_URL"]
    from tests.conftest import BUILTIN_PLUGINS
    sec = {"argon2_time_cost": 1, "argon2_memory_cost": 8, "argon2_parallelism": 1}
    from zhurnal.core import db
    if db.is_postgres():
        db.database.obj.close_all()
    moved = make_app(plugins=BUILTIN_PLUGINS, url=url, migrate=False,
                     security={**sec, "audit_keys": "k1:" + "n" * 40 + ",secret_key"})
    with moved.app_context():
        audit.record("test.after_move", object_type="t", ip="test")
        last = audit.AuditEntry.select().order_by(audit.AuditEntry.id.desc()).first()
        assert last.key_id == "k1"
        assert audit.verify() == []
