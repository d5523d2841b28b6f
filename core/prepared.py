"""Hot-path queries whose SQL is built once: later calls only bind values.

On these machines building a peewee query costs several times more than
running an indexed SELECT, and turning rows into model objects costs again.
For queries on hot paths (the diary's week view runs on every family's
visit), write them with peewee as usual, but with named :func:`slot` placeholders; the
SQL is generated once per database type and every call binds the values and
returns plain tuples. Values in the SQL that are not slots (constants such as
``'individual'``) are kept as peewee produced them.

Rows are raw driver values: SQLite gives dates and times as ISO strings, so
read them with :func:`as_date`, :func:`as_time` and :func:`as_datetime`.
"""
from __future__ import annotations

import datetime as dt
from typing import Callable

import peewee as pw

from core.db import database


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
    """

    def __init__(self, build: Callable[[], pw.Query]) -> None:
        self._build = build
        self._compiled: dict[type, tuple[str, list, frozenset]] = {}

    def _sql(self) -> tuple[str, list, frozenset]:
        key = type(database.obj)
        got = self._compiled.get(key)
        if got is None:
            sql, params = self._build().sql()
            names = frozenset(p.name for p in params if isinstance(p, _Slot))
            got = self._compiled[key] = (sql, params, names)
        return got

    def rows(self, **values) -> list[tuple]:
        sql, params, names = self._sql()
        if names != set(values):
            raise TypeError(f"slots {sorted(names)} given {sorted(values)}")
        bound = [values[p.name] if isinstance(p, _Slot) else p for p in params]
        return database.execute_sql(sql, bound).fetchall()


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
