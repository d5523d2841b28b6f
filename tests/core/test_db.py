"""The database by URL: SQLite in WAL mode with foreign keys enforced, or PostgreSQL."""
from __future__ import annotations

import peewee as pw
import pytest

from core import db
from tests.conftest import PG_URL


def test_sqlite_runs_in_wal_mode_with_foreign_keys(make_app):
    if PG_URL:
        pytest.skip("SQLite only")
    app = make_app()
    with app.app_context():
        assert db.is_sqlite()
        assert db.database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
        from plugins.roster.models import Holiday
        with pytest.raises(pw.IntegrityError):  # a holiday of a year that does not exist
            Holiday.create(year=424242, name="x", start="2026-11-26", end="2026-11-26")


def test_postgresql_by_url(make_app):
    if not PG_URL:
        pytest.skip("set ZHURNAL_TEST_DATABASE_URL to a PostgreSQL server")
    app = make_app()
    with app.app_context():
        assert db.is_postgres()
        from plugins.roster.models import Holiday
        with pytest.raises(pw.IntegrityError):
            with db.database.atomic():
                Holiday.create(year=424242, name="x", start="2026-11-26", end="2026-11-26")
