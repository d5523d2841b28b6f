"""The database by URL: SQLite in WAL mode with foreign keys enforced, or PostgreSQL."""
from __future__ import annotations

import peewee as pw
import pytest

from zhurnal.core import db, migrations
from tests.conftest import PG_URL


def test_sqlite_runs_in_wal_mode_with_foreign_keys(make_app):
    if PG_URL:
        pytest.skip("SQLite only")
    app = make_app()
    with app.app_context():
        assert db.is_sqlite()
        assert db.database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
        from zhurnal.plugins.roster.models import Holiday
        with pytest.raises(pw.IntegrityError):  # a holiday of a year that does not exist
            Holiday.create(year=424242, name="x", start="2026-11-26", end="2026-11-26")


def test_postgresql_by_url(make_app):
    if not PG_URL:
        pytest.skip("set ZHURNAL_TEST_DATABASE_URL to a PostgreSQL server")
    app = make_app()
    with app.app_context():
        assert db.is_postgres()
        from zhurnal.plugins.roster.models import Holiday
        with pytest.raises(pw.IntegrityError):
            with db.database.atomic():
                Holiday.create(year=424242, name="x", start="2026-11-26", end="2026-11-26")


def test_by_key_builds_the_same_instances_as_peewee(demo_app):
    """The per-request look-ups (account, school, roles) skip peewee's row machinery:
    what they return must be what peewee itself returns, every column converted."""
    from zhurnal.core.identity.models import RoleAssignment, School, User
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


def test_sqlite_writers_queue_on_one_lock_and_readers_take_none(make_app):
    """Write transactions of every thread and process queue on <db>-writers.lock and begin
    IMMEDIATE (a waiting writer is let in when the previous one commits, none fails half-way);
    a DEFERRED transaction is a read snapshot that blocks no writer."""
    import threading
    import time
    if PG_URL:
        pytest.skip("SQLite only")
    app = make_app()
    from zhurnal.core.identity.models import School
    with app.app_context():
        path = db.database.obj.database
        sid = School.create(name="Школа", short_name="Ш").id
        errors, done = [], []

        def writer(n):
            try:
                for i in range(20):
                    with db.database.atomic():
                        name = School.get_by_id(sid).name          # read, then write: a lost update
                        time.sleep(0.001)                          # if two were let in at once
                        School.update(name=name + "x").where(School.id == sid).execute()
                done.append(n)
            except Exception as e:  # noqa: BLE001 - reported by the assertion
                errors.append(repr(e))
            finally:
                db.database.close()

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors and sorted(done) == [0, 1, 2, 3]
        assert School.get_by_id(sid).name == "Школа" + "x" * 80     # no update lost
        import os
        assert os.path.exists(f"{path}-writers.lock")

        # a reader's snapshot does not hold writers back
        with db.database.atomic("DEFERRED"):
            before = School.get_by_id(sid).name
            t = threading.Thread(target=writer, args=(9,))
            t.start()
            t.join(30)
            assert not t.is_alive() and 9 in done
            assert School.get_by_id(sid).name == before            # the snapshot stays as it was
        assert School.get_by_id(sid).name == before + "x" * 20


def test_sqlite_writers_lock_file_goes_with_its_thread(make_app):
    """`zhurnal serve` runs each request in a new thread: the lock file a thread opened is
    closed when it ends (no open file leaked per request), and a thread that ends inside a
    transaction does not keep every other writer waiting for ever."""
    import gc
    import os
    import threading
    if PG_URL:
        pytest.skip("SQLite only")
    app = make_app()
    from zhurnal.core.identity.models import School
    with app.app_context():
        lock = f"{db.database.obj.database}-writers.lock"

        def lock_files_open() -> int:
            n = 0
            for fd in os.listdir("/proc/self/fd"):
                try:
                    n += os.readlink(f"/proc/self/fd/{fd}") == lock
                except OSError:
                    pass
            return n

        def one_request(n):
            with db.database.atomic():
                School.create(name=f"Школа {n}", short_name=str(n))
            db.database.close()

        for n in range(30):
            t = threading.Thread(target=one_request, args=(n,))
            t.start()
            t.join(30)
        gc.collect()
        assert lock_files_open() <= 1

        def ends_inside_a_transaction():
            db.database.atomic().__enter__()
            School.create(name="Брошенная", short_name="Б")

        t = threading.Thread(target=ends_inside_a_transaction)
        t.start()
        t.join(30)
        gc.collect()
        done = threading.Event()

        def writer():
            one_request("после")
            done.set()

        threading.Thread(target=writer, daemon=True).start()
        assert done.wait(15), "a writer waits for the lock of a thread that no longer exists"
        assert not School.select().where(School.name == "Брошенная").exists()


def test_a_forked_worker_takes_the_writers_lock_on_its_own_file(make_app):
    """flock excludes open files, not processes: a worker forked from a process that already
    wrote (gunicorn --preload) must open the lock file again, or parent and child share one lock."""
    import os
    if PG_URL:
        pytest.skip("SQLite only")
    app = make_app()
    from zhurnal.core.identity.models import School
    with app.app_context():
        with db.database.atomic():
            School.create(name="Школа", short_name="Ш")
        parent_fd = db.database.obj._lock_fd()
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: another open file, and the parent's is left alone
            try:
                os.write(w, b"1" if db.database.obj._lock_fd() != parent_fd else b"0")
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        assert os.read(r, 1) == b"1"
        os.fstat(parent_fd)   # still open in the parent


def test_the_wal_is_checkpointed_after_the_writers_lock_is_let_go(make_app, monkeypatch):
    """A checkpoint syncs the files: done inside a commit it would keep every other writer
    waiting on the lock. After some write transactions (as many as fill CHECKPOINT_PAGES), one runs after the lock."""
    import fcntl
    import os
    if PG_URL:
        pytest.skip("SQLite only")
    app = make_app()
    from zhurnal.core.identity.models import School
    with app.app_context():
        sqlite = db.database.obj
        sqlite._checkpoint_every = 3
        seen = []
        original = sqlite.execute_sql

        def spy(sql, params=None, *args, **kwargs):
            if "wal_checkpoint" in sql:   # is the lock free for another writer right now?
                probe = os.open(sqlite._lock_path, os.O_RDWR)
                try:
                    fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    seen.append("free")
                except BlockingIOError:
                    seen.append("held")
                finally:
                    os.close(probe)
            return original(sql, params, *args, **kwargs)

        monkeypatch.setattr(sqlite, "execute_sql", spy)
        sqlite._commits = 0
        for i in range(2):
            with db.database.atomic():
                School.create(name=f"Школа {i}", short_name=str(i))
        with db.database.atomic("DEFERRED"):   # reads do not count
            School.select().count()
        assert seen == []
        with db.database.atomic():
            School.create(name="Школа 3", short_name="3")
        assert seen == ["free"]
        # the interval follows the pages the transactions wrote: few pages, rarer checkpoints
        sqlite._checkpoint_every, sqlite._commits = 20, 0
        monkeypatch.setattr(sqlite, "CHECKPOINT_PAGES", 4000)
        for i in range(20):
            with db.database.atomic():
                School.create(name=f"Гимназия {i}", short_name=str(i))
        assert seen == ["free", "free"] and sqlite._checkpoint_every > 20


def test_core_schema_5_indexes_the_audit_of_a_schema_4_database(make_app):
    """The upgrade step of core schema 5 adds the audit's ``(object_type, object_id)`` index, and
    ``zhurnal init`` on a schema-4 database ends with it, once."""
    from zhurnal.core.migrations import CORE_MIGRATIONS, migrate_all
    app = make_app(plugins=["roster"])

    def by_object():
        return [i.name for i in db.database.get_indexes("core_audit") if i.columns == ["object_type", "object_id"]]

    with app.app_context():
        assert by_object() == ["core_audit_object_type_object_id"]
        db.database.execute_sql("DROP INDEX core_audit_object_type_object_id")   # the table as schema 4 had it
        assert by_object() == []
        with db.database.atomic():
            CORE_MIGRATIONS[5](migrations.migrator())
        assert by_object() == ["core_audit_object_type_object_id"]

        db.database.execute_sql("DROP INDEX core_audit_object_type_object_id")
        migrations.SchemaVersion.update(version=4).where(migrations.SchemaVersion.plugin == "core").execute()
        lines = []
        migrate_all(app, echo=lines.append)
        assert "core: schema 4 -> 5" in lines
        assert by_object() == ["core_audit_object_type_object_id"]
