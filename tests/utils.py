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


def json_block(html: str, block_id: str) -> dict:
    """The JSON a page embeds for its script in ``<script type="application/json" id="...">``
    (``zhurnal.core.ui.json_island``): what the page draws in the browser is asserted on this."""
    import json
    import re
    found = re.search(rf'<script type="application/json" id="{re.escape(block_id)}">(.*?)</script>', html, re.S)
    assert found, f"the page has no {block_id} block"
    return json.loads(found.group(1))


def grid_page_data(html: str) -> dict:
    """The grid API's answer a journal grid page embeds (``jr-data``), from which
    ``static/grid_table.js`` draws the grid (tests/browser/test_journal.py sees it drawn)."""
    return json_block(html, "jr-data")
