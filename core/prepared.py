"""Hot-path queries whose SQL is built once: later calls only bind values.

On these machines building a peewee query costs several times more than
running an indexed SELECT, and turning rows into model objects costs again.
For queries on hot paths (the diary's week view runs on every family's
visit), write them with peewee as usual, but with named :func:`slot` placeholders; the
SQL is generated once per database type and every call binds the values and
returns plain tuples. Values in the SQL that are not slots (constants such as
``'individual'``) are kept as peewee produced them.

On PostgreSQL each statement is also prepared on the server, once per connection
(``PREPARE``/``EXECUTE``, :meth:`zhurnal.core.db.PostgresqlDatabase.execute_prepared`): it is
parsed and planned once, not on every call.

Rows are raw driver values: SQLite gives dates and times as ISO strings, so
read them with :func:`as_date`, :func:`as_time` and :func:`as_datetime`.
"""
from __future__ import annotations

import datetime as dt
import itertools
from typing import Callable

import peewee as pw

from zhurnal.core.db import PostgresqlDatabase, converters, database, model_from_row


_names = itertools.count(1)
#: statements that begin so only read (see core.db: a request that has not written may be run again)
_READS = ("SELECT", "WITH")


class _Slot:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<slot {self.name}>"


def slot(name: str) -> pw.Value:
    """A named placeholder for a value bound at each call."""
    return pw.Value(_Slot(name), converter=False)


class Prepared:
    """A query built by ``build()`` (a peewee query using :func:`slot`), run as tuples.

    ``Prepared(build).rows(sid=5, date_from=...)`` binds every slot by name; a
    slot left without a value is an error, as is a value for no slot.

    With ``model``, the query selects that model's own columns
    (``model.select(*model._meta.sorted_fields)``) and :meth:`objects` returns
    instances of it, made as :func:`zhurnal.core.db.by_key` makes them (every column converted
    by its field, nothing dirty).
    """

    def __init__(self, build: Callable[[], pw.Query], model: type[pw.Model] | None = None) -> None:
        self._build = build
        self._model = model
        self._columns = None
        self._compiled: dict[type, tuple[str, list, frozenset]] = {}
        self._name: str | None = None

    def _sql(self) -> tuple[str, list, frozenset]:
        key = type(database.obj)
        got = self._compiled.get(key)
        if got is None:
            sql, params = self._build().sql()
            names = frozenset(p.name for p in params if isinstance(p, _Slot))
            got = self._compiled[key] = (sql, params, names)
        return got

    @property
    def name(self) -> str:
        """The statement's name on PostgreSQL connections (``zh_read_<n>`` for one that only reads)."""
        if self._name is None:
            sql = self._sql()[0]
            kind = "read" if sql.lstrip()[:6].upper().startswith(_READS) else "write"
            self._name = f"zh_{kind}_{next(_names)}"
        return self._name

    def execute(self, **values):
        """Run the statement (a SELECT, or an INSERT, UPDATE or DELETE); the driver's cursor."""
        sql, params, names = self._sql()
        if names != set(values):
            raise TypeError(f"slots {sorted(names)} given {sorted(values)}")
        bound = [values[p.name] if isinstance(p, _Slot) else p for p in params]
        db = database.obj
        if isinstance(db, PostgresqlDatabase):
            return db.execute_prepared(self.name, sql, bound)
        return db.execute_sql(sql, bound)

    def execute_many(self, rows: list[dict], convert: dict | None = None) -> None:
        """Run the statement once per dict of ``rows`` (the driver's ``executemany``).

        :param convert: ``{slot name: function}`` applied to that slot's values (e.g. a
            field's ``db_value``)
        """
        sql, params, names = self._sql()
        convert = convert or {}
        order = [(p.name, convert.get(p.name)) if isinstance(p, _Slot) else (None, p) for p in params]
        bound = [[(fn(r[name]) if fn else r[name]) if name is not None else fn for name, fn in order]
                 for r in rows]
        database.obj.cursor().executemany(sql, bound)

    def rows(self, **values) -> list[tuple]:
        return self.execute(**values).fetchall()

    def insert(self, **values) -> int:
        """Run an INSERT of one row; its new id (peewee adds ``RETURNING`` on PostgreSQL)."""
        cursor = self.execute(**values)
        return cursor.fetchone()[0] if isinstance(database.obj, pw.PostgresqlDatabase) else cursor.lastrowid

    def objects(self, **values) -> list[pw.Model]:
        """The rows as instances of the model given at construction."""
        model = self._model
        if model is None:
            raise TypeError("objects() needs Prepared(..., model=Model)")
        if self._columns is None:
            query = self._build()
            fields = model._meta.sorted_fields
            if [getattr(c, "name", None) for c in query._returning] != [f.name for f in fields] or \
                    any(getattr(c, "model", None) is not model for c in query._returning):
                raise TypeError(f"a Prepared query of {model.__name__} objects must select "
                                f"{model.__name__}._meta.sorted_fields")
            self._columns = converters(fields)
        columns = self._columns
        return [model_from_row(model, columns, row) for row in self.rows(**values)]


def as_date(v) -> dt.date | None:
    if v is None:
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v)[:10])


def as_datetime(v) -> dt.datetime | None:
    if v is None or isinstance(v, dt.datetime):
        return v
    return dt.datetime.fromisoformat(str(v))


def as_time(v) -> dt.time | None:
    if v is None or isinstance(v, dt.time):
        return v
    return dt.time.fromisoformat(str(v))
