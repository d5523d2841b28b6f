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


def test_by_key_builds_the_same_instances_as_peewee(demo_app):
    """The per-request look-ups (account, school, roles) skip peewee's row machinery:
    what they return must be what peewee itself returns, every column converted."""
    from core.identity.models import RoleAssignment, School, User
    with demo_app.app_context():
        for model, field, value in ((User, User.id, User.get(User.login == "klass5a").id),
                                    (School, School.id, School.select().first().id),
                                    (RoleAssignment, RoleAssignment.user, User.get(User.login == "parent1").id)):
            fast = db.by_key(model, field, value)
            slow = list(model.select().where(field == value))
            assert fast and [o.__data__ for o in fast] == [o.__data__ for o in slow]
            assert all(not o._dirty for o in fast)
        user = db.by_key(User, User.id, User.get(User.login == "klass5a").id)[0]
        assert isinstance(user.created_at, __import__("datetime").datetime) and user.is_active is True
        user.display_name = user.display_name + "."
        assert user._dirty == {"display_name"}   # saves only what changed, like any instance
        assert db.by_key(User, User.id, -1) == []
