"""Test helpers."""
from __future__ import annotations

import contextlib

from zhurnal.core import db


class QueryCounter:
    def __init__(self) -> None:
        self.queries: list[str] = []

    @property
    def count(self) -> int:
        return len(self.queries)


@contextlib.contextmanager
def count_queries():
    """Count SQL statements run through peewee inside the block::

        with count_queries() as q:
            client.get("/journal/...")
        assert q.count <= 12
    """
    counter = QueryCounter()
    database = db.database.obj
    original = database.execute_sql

    def counting(sql, params=None, *args, **kwargs):
        counter.queries.append(sql)
        return original(sql, params, *args, **kwargs)

    database.execute_sql = counting
    try:
        yield counter
    finally:
        del database.execute_sql
