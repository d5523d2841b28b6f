"""zhurnal migrate-db: the demo school moved SQLite -> PostgreSQL -> SQLite with every row and the audit
chain intact (on a PostgreSQL run: PostgreSQL -> SQLite -> PostgreSQL)."""
from __future__ import annotations

import pytest

from zhurnal.core import dbmove
from tests.conftest import BUILTIN_PLUGINS, PG_URL, _close_app, build_app, login, require_service

PG_ADMIN_URL = PG_URL or "postgresql://postgres@127.0.0.1:5432/test"


def _pg_new_db(created: list) -> str:
    import uuid
    import psycopg2
    name = f"zt_move_{uuid.uuid4().hex[:10]}"
    conn = psycopg2.connect(PG_ADMIN_URL)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    created.append(name)
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


@pytest.fixture
def pg_databases():
    def check():
        import psycopg2
        psycopg2.connect(PG_ADMIN_URL, connect_timeout=3).close()
    require_service("PostgreSQL", check)
    created: list[str] = []
    yield created
    import psycopg2
    conn = psycopg2.connect(PG_ADMIN_URL)
    conn.autocommit = True
    with conn.cursor() as cur:
        for name in created:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


def _table_counts(app) -> dict:
    from zhurnal.core import db, migrations
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        return {m._meta.table_name: m.select().count() for m in dbmove.all_models(app)
                if m is not migrations.SchemaVersion}


def _audit_digests(app) -> list:
    from zhurnal.core.audit import AuditEntry
    with app.app_context():
        return [(e.id, e.hash) for e in AuditEntry.select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id)]


def test_the_demo_school_moves_there_and_back_intact(demo_app, pg_databases, tmp_path, cli):
    other = f"sqlite:///{tmp_path / 'moved.db'}" if PG_URL else _pg_new_db(pg_databases)
    back = _pg_new_db(pg_databases) if PG_URL else f"sqlite:///{tmp_path / 'back.db'}"
    before = _table_counts(demo_app)
    digests = _audit_digests(demo_app)  # read now: building another app points the models at its database
    assert before["journal_mark"] > 100 and before["core_audit"] > 10
    r = cli(demo_app, "migrate-db", "--to", other)
    assert r.exit_code == 0 and "moved" in r.output, r.output

    moved = build_app(other, BUILTIN_PLUGINS, migrate=False)
    try:
        assert _table_counts(moved) == before
        assert _audit_digests(moved) == digests
        from zhurnal.core import audit
        with moved.app_context():
            assert audit.verify() == []
        parent = login(moved, "parent1")
        assert parent.get("/api/v1/me").status_code == 200
        # new rows get new ids (sequences moved past the copied ones)
        teacher = login(moved, "teacher")
        from tests.plugins.journal.helpers import journal_ids
        ids = journal_ids(moved)
        m = teacher.post("/api/v1/marks", json={"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a"],
                                                "value": "5", "kind": "homework"})
        assert m.status_code == 201, m.get_json()
        r = cli(moved, "migrate-db", "--to", back)
        assert r.exit_code == 0, r.output
        again = build_app(back, BUILTIN_PLUGINS, migrate=False)
        try:
            after = _table_counts(again)
            assert after["journal_mark"] == before["journal_mark"] + 1
            with again.app_context():
                assert audit.verify() == []
        finally:
            _close_app(again)
    finally:
        _close_app(moved)


def test_a_target_with_data_or_a_bad_url_is_refused(demo_app, cli, tmp_path):
    r = cli(demo_app, "migrate-db", "--to", demo_app.config.get("DATABASE_URL") or "sqlite:///x")
    assert r.exit_code != 0 and "not empty" in r.output
    r = cli(demo_app, "migrate-db", "--to", "mysql://nope")
    assert r.exit_code != 0 and len(r.output.strip().splitlines()) == 1
