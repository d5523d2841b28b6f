"""Bulk writers: rows (tuples) into the real tables, without building model objects.

The generator hands a writer rows in the column order of :class:`Table`; SQLite
gets ``executemany`` inside one transaction with ``synchronous=OFF`` and foreign
key checks off during the load, PostgreSQL gets ``COPY ... FROM STDIN``.
Ids are precomputed by the generator, so sequences are moved past them at the end.
"""
from __future__ import annotations

import datetime as dt
import io
from typing import Iterable

import peewee as pw


class Table:
    """A model's table and the fields the generator fills, checked against the model.

    Peewee's defaults live in Python, not in the database, so every other field is
    filled here: with its default when it has one (computed once: the same value for
    every row), NULL when nullable; a non-null field without a default stops the
    generator with a message naming it (the model changed: update ``bench/rows.py``).
    """

    def __init__(self, model: type[pw.Model], fields: list[str]) -> None:
        meta = model._meta
        unknown = [f for f in fields if f not in meta.fields]
        if unknown:
            raise RuntimeError(f"{meta.table_name}: the model has no field(s) {', '.join(unknown)}")
        extra_fields, extra = [], []
        for n, f in meta.fields.items():
            if n in fields or isinstance(f, pw.AutoField):
                continue
            if f.default is not None:
                extra_fields.append(n)
                extra.append(_plain(f.default() if callable(f.default) else f.default))
            elif not f.null:
                raise RuntimeError(f"{meta.table_name}: the generator does not fill {n!r}, which has no default; "
                                   "update bench/rows.py for the changed model")
        self.model = model
        self.name = meta.table_name
        self.fields = fields + extra_fields
        self.columns = [meta.fields[f].column_name for f in self.fields]
        self.extra = tuple(extra)

    def rows(self, rows: Iterable[tuple]) -> Iterable[tuple]:
        if not self.extra:
            return rows
        extra = self.extra
        return (r + extra for r in rows)


def _plain(v):
    """A default as the generator writes values: dates and times as ISO strings, booleans as 0/1."""
    if isinstance(v, dt.datetime):
        return v.isoformat(" ", timespec="seconds")
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, bool):
        return int(v)
    return v


class SqliteWriter:
    """executemany in one transaction; fast pragmas while loading."""

    def __init__(self, database: pw.SqliteDatabase) -> None:
        self.db = database
        self.conn = database.connection()
        self.counts: dict[str, int] = {}

    def begin(self) -> None:
        c = self.conn
        c.execute("PRAGMA foreign_keys=OFF")
        c.execute("PRAGMA journal_mode=WAL")
        c.execute("PRAGMA synchronous=OFF")
        c.execute("PRAGMA cache_size=-400000")
        c.execute("PRAGMA temp_store=MEMORY")
        c.execute("BEGIN")

    def insert(self, table: Table, rows: Iterable[tuple]) -> int:
        cols = ", ".join(f'"{c}"' for c in table.columns)
        sql = f'INSERT INTO "{table.name}" ({cols}) VALUES ({", ".join("?" * len(table.columns))})'
        cur = self.conn.executemany(sql, table.rows(rows))
        n = cur.rowcount
        self.counts[table.name] = self.counts.get(table.name, 0) + n
        return n

    def commit(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        # planner statistics, as `zhurnal init` and the nightly job keep them in a real deployment
        self.conn.execute("ANALYZE")
        # fold the WAL into the main file: the cached database is then one self-contained file
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _pg_text(v) -> str:
    """One value in COPY's text format."""
    if v is None:
        return r"\N"
    if v is True:
        return "t"
    if v is False:
        return "f"
    s = str(v)
    if "\\" in s or "\t" in s or "\n" in s or "\r" in s:
        s = s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return s


class PostgresWriter:
    """COPY FROM STDIN in chunks, foreign key triggers off for the session while loading."""

    CHUNK = 200_000

    def __init__(self, database: pw.PostgresqlDatabase) -> None:
        self.db = database
        self.conn = database.connection()
        self.counts: dict[str, int] = {}
        self.tables: list[str] = []

    def begin(self) -> None:
        # peewee keeps psycopg2 in autocommit mode and opens transactions with BEGIN itself
        with self.conn.cursor() as cur:
            try:
                cur.execute("SET session_replication_role = replica")  # superuser only; skips FK triggers
            except Exception:  # noqa: BLE001 - not allowed: keep the checks, only slower
                pass
            cur.execute("BEGIN")

    def insert(self, table: Table, rows: Iterable[tuple]) -> int:
        cols = ", ".join(f'"{c}"' for c in table.columns)
        sql = f'COPY "{table.name}" ({cols}) FROM STDIN'
        n = pending = 0
        buf = io.StringIO()
        with self.conn.cursor() as cur:
            for row in table.rows(rows):
                buf.write("\t".join(map(_pg_text, row)))
                buf.write("\n")
                pending += 1
                if pending >= self.CHUNK:
                    buf.seek(0)
                    cur.copy_expert(sql, buf)
                    n += pending
                    buf, pending = io.StringIO(), 0
            if pending:
                buf.seek(0)
                cur.copy_expert(sql, buf)
                n += pending
        self.counts[table.name] = self.counts.get(table.name, 0) + n
        if table.name not in self.tables:
            self.tables.append(table.name)
        return n

    def commit(self) -> None:
        with self.conn.cursor() as cur:
            cur.execute("COMMIT")
            cur.execute("SET session_replication_role = DEFAULT")
            for name in self.tables:
                cur.execute(f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                            f"(SELECT COALESCE(MAX(id), 1) FROM \"{name}\"))")
            cur.execute("ANALYZE")
