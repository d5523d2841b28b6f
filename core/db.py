"""Database connection and the model base class.

Every model in Zhurnal derives from :class:`BaseModel`, bound to one
:data:`database` proxy that :func:`init_database` points at SQLite or PostgreSQL
(:class:`PostgresqlDatabase`: a pool that can prepare statements server-side;
:class:`SqliteDatabase`: writers queue on one lock). The tables' schema versions and
their upgrades live in :mod:`zhurnal.core.migrations`.
"""
from __future__ import annotations

import datetime as dt
import contextvars
import fcntl
import os
import threading
import weakref
from urllib.parse import urlparse

import peewee as pw
from playhouse.db_url import parseresult_to_dict
from playhouse.pool import PooledPostgresqlDatabase

#: The one database every model is bound to; pointed at a real database by init_database().
database = pw.DatabaseProxy()


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class BaseModel(pw.Model):
    class Meta:
        database = database
        legacy_table_names = False


class IdNeverReused(pw.AutoField):
    """The primary key of a table whose rows carry a version or a history: an id, once
    given, is never given again, even after its row is deleted (a stale ``PATCH`` of a
    deleted mark must find nothing rather than the next mark, and a history must never
    mix two rows). PostgreSQL sequences never reuse a value; on SQLite the column is
    ``INTEGER PRIMARY KEY AUTOINCREMENT`` (without it SQLite gives the newest row's id
    again once that row is deleted). Existing SQLite tables are rebuilt by
    :func:`zhurnal.core.migrations.migrate`.
    """

    def ddl(self, ctx):
        nodes = super().ddl(ctx)
        return pw.NodeList((nodes, pw.SQL("AUTOINCREMENT"))) if is_sqlite() else nodes


def init_database(url: str) -> pw.Database:
    """Open the database named by ``url`` and bind the models to it."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        params = parseresult_to_dict(parsed)
        db = SqliteDatabase(params.pop("database"), **params, pragmas={
            "journal_mode": "wal",
            "foreign_keys": 1,
            "busy_timeout": 10000,
            "synchronous": "normal",
            "cache_size": -32000,
            # the WAL is checkpointed by SqliteDatabase after the writers' lock is let go; the
            # commit that fills 10,000 pages (~40 MB) does it only if that falls behind
            "wal_autocheckpoint": 10000,
        })
    else:
        # a pool: connections are kept open and handed back at the end of each request
        params = parseresult_to_dict(parsed)
        db = PostgresqlDatabase(params.pop("database"), **params, max_connections=16, stale_timeout=300)
    database.initialize(db)
    return db


#: whether the current request (thread) has sent a statement that may change data; a request
#: whose connection is lost before it wrote anything may safely be run again (see core.app)
wrote: contextvars.ContextVar[bool] = contextvars.ContextVar("zhurnal_wrote", default=False)
_READS = ("SELECT", "WITH", "SET", "SHOW", "BEGIN", "START", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
#: how a server-side prepared statement that only reads is run (:meth:`PostgresqlDatabase.execute_prepared`)
_PREPARED_READ = "EXECUTE zh_read_"


#: names of the statements prepared on each PostgreSQL connection (:meth:`PostgresqlDatabase.execute_prepared`)
_prepared_on: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


class PostgresqlDatabase(PooledPostgresqlDatabase):
    """PostgreSQL through a pool of kept-open connections, which notes when a request writes
    and can drop a connection whose backend has gone (terminated, server restarted)."""

    def execute_sql(self, sql, params=None):
        if not wrote.get() and not sql[:12].lstrip().upper().startswith(_READS) and \
                not sql.startswith(_PREPARED_READ):
            wrote.set(True)
        return super().execute_sql(sql, params)

    def execute_prepared(self, name: str, sql: str, params: list):
        """Run ``sql`` (peewee's, ``%s`` placeholders) as the server-side prepared statement ``name``.

        The statement is prepared once per connection (``PREPARE``, kept for the connection's
        life: the pool keeps connections open, and a rolled-back transaction does not undo it)
        and then run with ``EXECUTE`` through :meth:`execute_sql`: PostgreSQL parses and plans
        it once instead of on every call. A name starting ``zh_read_`` promises a statement that
        only reads (the request may still be run again, see :data:`wrote`).
        """
        conn = self.connection()
        names = _prepared_on.get(conn)
        if names is None:
            names = _prepared_on[conn] = set()
        if name not in names:
            parts = sql.split("%s")
            text = parts[0] + "".join(f"${i}{part}" for i, part in enumerate(parts[1:], 1))
            with pw.__exception_wrapper__:  # errors as peewee's, like every statement's (see core.app)
                self.cursor().execute(f"PREPARE {name} AS {text.replace('%%', '%')}")  # no parameters: sent as is
            names.add(name)
        call = f"EXECUTE {name}({', '.join(['%s'] * len(params))})" if params else f"EXECUTE {name}"
        return self.execute_sql(call, params)

    def connection_lost(self) -> bool:
        conn = self._state.conn
        return conn is not None and bool(getattr(conn, "closed", 0))

    def discard_connection(self) -> None:
        """Forget this thread's (dead) connection, and the idle ones: a terminated backend
        rarely comes alone. The next ``connect()`` opens a fresh one."""
        conn = self._state.conn
        self._state.reset()
        if conn is not None:
            with self._pool_lock:
                self._in_use.pop(self.conn_key(conn), None)
            self._close_raw(conn)
        self.close_idle()


class SqliteDatabase(pw.SqliteDatabase):
    """SQLite whose write transactions queue for the database on an operating-system lock.

    SQLite lets one writer in at a time; a connection that finds the database locked
    sleeps and tries again (1, 2, 5, 10... ms), so under concurrent writers (teachers
    saving marks, several server workers or threads) most of a write's time is spent
    asleep after the lock was already free. Here a transaction (``database.atomic()``)
    first takes an exclusive ``flock`` on ``<database>-writers.lock``, shared by every
    process and thread using the file, and then ``BEGIN IMMEDIATE``: a waiting writer wakes
    the moment the previous one commits, and a transaction never fails half-way because
    another wrote first. ``database.atomic("DEFERRED")`` opens a read transaction (a
    consistent snapshot) that takes neither lock. Single statements outside a transaction
    are left to SQLite.
    """

    def __init__(self, database, *args, **kwargs) -> None:
        super().__init__(database, *args, **kwargs)
        self._lock_path = None if database in ("", ":memory:") else f"{database}-writers.lock"
        self._lock_fds = threading.local()   # one open file per thread: flock excludes open files
        self._commits, self._checkpoint_every = 0, 200   # write transactions since / between checkpoints

    def _lock_fd(self) -> int | None:
        if self._lock_path is None:
            return None
        held = getattr(self._lock_fds, "file", None)
        if held is None or held.pid != os.getpid():   # a forked worker opens its own (flock is per open file)
            held = self._lock_fds.file = _LockFile(self._lock_path)
        return held.fd

    def begin(self, lock_type=None):
        if (lock_type or "").upper() == "DEFERRED":
            return super().begin(lock_type)
        fd = self._lock_fd()
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._lock_fds.locked = True
        try:
            return super().begin(lock_type or "IMMEDIATE")
        except BaseException:
            self._unlock()
            raise

    #: pages of WAL a checkpoint aims to copy (~16 MB); how many write transactions that takes
    #: is learnt from each checkpoint (see _after_write)
    CHECKPOINT_PAGES = 4000

    def commit(self):
        wrote = getattr(self._lock_fds, "locked", False)
        try:
            return super().commit()
        finally:
            self._unlock()
            if wrote:
                self._after_write()

    def _after_write(self) -> None:
        # SQLite copies the WAL into the database (and syncs both) in the commit that fills it,
        # while this process still holds the writers' lock: every writer would wait for the sync.
        # A passive checkpoint after the lock is let go blocks no one; wal_autocheckpoint stays
        # as the net for writes that are not transactions.
        self._commits += 1
        every = self._checkpoint_every
        if self._commits < every:
            return
        self._commits = 0
        try:
            _busy, pages, _copied = self.execute_sql("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except pw.OperationalError:  # busy: a later one copies it
            return
        # the next one after as many transactions as wrote about CHECKPOINT_PAGES pages this time
        # (small writes: fewer checkpoints, each copying the pages every commit rewrites only once)
        if pages and pages > 0:
            self._checkpoint_every = max(20, min(5000, every * self.CHECKPOINT_PAGES // pages))

    def rollback(self):
        try:
            return super().rollback()
        finally:
            self._unlock()

    def _unlock(self) -> None:
        held = getattr(self._lock_fds, "file", None)
        if held is not None:
            fcntl.flock(held.fd, fcntl.LOCK_UN)
        self._lock_fds.locked = False


class _LockFile:
    """A thread's open ``<database>-writers.lock``. Closed when the thread's locals go (the
    thread ends): a server that runs each request in a new thread does not leak one open
    file per request, and a thread that ends inside a transaction does not keep the lock."""
    __slots__ = ("fd", "pid")

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        self.pid = os.getpid()

    def __del__(self) -> None:
        if self.pid == os.getpid():
            os.close(self.fd)


_BY_KEY: dict = {}


def by_key(model: type[pw.Model], field: pw.Field, value) -> list:
    """Rows of ``model`` whose ``field`` equals ``value``, with the SQL built once per process.

    For the few lookups every request makes (its user, school and roles): building a
    peewee query, and peewee's generic row-to-object machinery, cost more than running
    the query. The instances are the same as peewee's own (every column converted by
    its field, nothing dirty). For hot queries of any shape returning plain rows, see
    :mod:`zhurnal.core.prepared`.
    """
    key = (model, field.name)
    query = _BY_KEY.get(key)
    if query is None:
        from .prepared import Prepared, slot
        query = _BY_KEY[key] = Prepared(
            lambda: model.select(*model._meta.sorted_fields).where(field == slot("value")), model=model)
    return query.objects(value=value)


def converters(fields) -> tuple:
    """What :func:`model_from_row` needs to read a row of ``fields`` (in that order)."""
    return tuple((f.name, _reader(f)) for f in fields)


def _reader(field: pw.Field):
    """``field.python_value``, except that the text SQLite keeps a timestamp or a date in
    (``2026-09-01 08:30:00[.ffffff]``, ``2026-09-01``) is parsed by the standard library's
    ``fromisoformat`` instead of peewee's loop over ``strptime`` formats (about ten times
    slower, and every logged-in request reads a few). Anything else, a value of PostgreSQL
    included, goes to peewee unchanged."""
    if isinstance(field, pw.DateTimeField):
        slow = field.python_value

        def timestamp(value):
            if value.__class__ is str and (len(value) == 19 or (len(value) > 20 and value[19] == ".")) \
                    and value[10] == " ":
                try:
                    return dt.datetime.fromisoformat(value)
                except ValueError:
                    pass
            return slow(value)
        return timestamp
    if isinstance(field, pw.DateField):
        slow = field.python_value

        def date(value):
            if value.__class__ is str and len(value) == 10:
                try:
                    return dt.date.fromisoformat(value)
                except ValueError:
                    pass
            return slow(value)
        return date
    return field.python_value


#: the peewee versions whose instance layout :func:`model_from_row` was checked against
#: (``tests/core/test_prepared.py::test_instances_are_peewees_own`` fails loudly on another)
PEEWEE_CHECKED = ("3.17", "4.5")


def model_from_row(model: type[pw.Model], columns: tuple, row: tuple) -> pw.Model:
    """A model instance from a row, as peewee's ``ModelObjectCursorWrapper`` makes it.

    The one place that writes peewee's private instance attributes (``__data__``,
    ``_dirty``, ``__rel__``): a plain SELECT of the model's own columns is read here
    several times faster than through peewee's row machinery. The test named in
    :data:`PEEWEE_CHECKED` compares the result with peewee's own instance attribute by
    attribute, and saves, compares and follows foreign keys through it.
    """
    obj = model.__new__(model)
    obj.__data__ = {name: convert(value) for (name, convert), value in zip(columns, row)}
    obj._dirty = set()
    obj.__rel__ = {}
    return obj


def refresh_statistics() -> None:
    """Let the database's query planner know the tables' sizes (ANALYZE).

    Without statistics SQLite may pick a narrow index over a selective composite one
    (e.g. term marks by period instead of by student and subject: 20x slower on a large
    school). Run after ``zhurnal init`` and the demo, and nightly by the worker.
    """
    database.execute_sql("ANALYZE")


def is_sqlite() -> bool:
    return isinstance(database.obj, pw.SqliteDatabase)


def is_postgres() -> bool:
    return isinstance(database.obj, pw.PostgresqlDatabase)
