"""Move a deployment's data between database kinds (``zhurnal migrate-db --to URL``).

The target must be empty. Its tables are created by the same migrations as ``zhurnal init``, then
every row of every table the kernel and the loaded plugins own is copied in foreign-key order with
its id kept, values passing through the models' own conversions (SQLite keeps dates as text,
PostgreSQL as timestamps), so the audit chain's hashes stay valid. PostgreSQL sequences are moved
past the copied ids. The source is read in one snapshot; stop the site (or accept that writes made
meanwhile stay behind) while it runs. The files in ``data_dir`` and the job queue are not in the
database and are not moved.
"""
from __future__ import annotations

from typing import Callable

import peewee as pw

from . import db

BATCH = 1000


class MoveError(Exception):
    """The move cannot start or failed (one line); the target is left as it was or empty."""


def all_models(app) -> list[type[pw.Model]]:
    """Every model of the kernel and the loaded plugins, parents before children."""
    from . import audit
    from .identity.models import MODELS as ID_MODELS
    from .migrations import SchemaVersion
    models = [SchemaVersion, *ID_MODELS, *audit.MODELS]
    for ms in app.extensions["zhurnal"].plugins.per_plugin("zhurnal_models").values():
        models.extend(ms or [])
    return pw.sort_models(list(dict.fromkeys(models)))


def open_database(url: str) -> pw.Database:
    """A plain connection to ``url`` (no pool), of the same classes the app uses."""
    if url.startswith("sqlite:///"):
        target = db.SqliteDatabase(url[len("sqlite:///"):], pragmas={"foreign_keys": 1, "journal_mode": "wal"})
    elif url.startswith(("postgresql://", "postgres://")):
        from playhouse.db_url import connect
        target = connect(url.replace("postgres://", "postgresql://", 1))
    else:
        raise MoveError(f"not a database URL: {url} (sqlite:///FILE or postgresql://...)")
    try:
        target.connect()
    except pw.OperationalError as e:
        raise MoveError(f"cannot open {url}: {str(e).strip().splitlines()[0]}") from None
    return target


def _is_empty(database: pw.Database) -> bool:
    return not database.get_tables()


def move(app, target_url: str, echo: Callable[[str], None] = lambda s: None) -> dict[str, int]:
    """Copy everything from the app's database into the empty database at ``target_url``.

    :returns: rows copied per table.
    """
    from .migrations import migrate_all
    from .ops import schema_behind
    source = db.database.obj
    behind = schema_behind(app)
    if behind:
        raise MoveError("the source database is behind the code (" + ", ".join(behind) + "): run zhurnal init first")
    target = open_database(target_url)
    try:
        if not _is_empty(target):
            raise MoveError("the target database is not empty: move only into an empty database")
        # the target gets the current schema through the ordinary migrations
        db.database.initialize(target)
        try:
            migrate_all(app, echo=lambda *a: None)
        finally:
            db.database.initialize(source)
        counts = _copy(app, source, target, echo)
    except BaseException:
        target.close()
        raise
    target.close()
    return counts


def _copy(app, source: pw.Database, target: pw.Database, echo) -> dict[str, int]:
    counts: dict[str, int] = {}
    from .migrations import SchemaVersion
    models = [m for m in all_models(app) if m is not SchemaVersion]
    read_snapshot = source.atomic("DEFERRED") if isinstance(source, pw.SqliteDatabase) else source.atomic()
    with read_snapshot, target.atomic():
        if isinstance(source, pw.PostgresqlDatabase):
            source.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        if isinstance(target, pw.SqliteDatabase):
            target.execute_sql("PRAGMA defer_foreign_keys = ON")
        for model in models:
            counts[model._meta.table_name] = _copy_table(model, source, target)
            echo(f"{model._meta.table_name}: {counts[model._meta.table_name]} rows")
        if isinstance(target, pw.PostgresqlDatabase):
            for model in models:
                pk = model._meta.primary_key
                if isinstance(pk, pw.AutoField):
                    t = model._meta.table_name
                    target.execute_sql(
                        f"SELECT setval(pg_get_serial_sequence('\"{t}\"', '{pk.column_name}'), "
                        f"COALESCE(MAX(\"{pk.column_name}\"), 1), MAX(\"{pk.column_name}\") IS NOT NULL) FROM \"{t}\"")
    return counts


def _copy_table(model, source: pw.Database, target: pw.Database) -> int:
    fields = model._meta.sorted_fields
    table = model._meta.table_name
    cols = ", ".join(f'"{f.column_name}"' for f in fields)
    order = ", ".join(f'"{f.column_name}"' for f in (model._meta.get_primary_keys() or fields[:1]))
    marks = ", ".join([target.param] * len(fields))
    insert = f'INSERT INTO "{table}" ({cols}) VALUES ({marks})'
    n = 0
    cur = source.cursor()
    cur.execute(f'SELECT {cols} FROM "{table}" ORDER BY {order}')
    while True:
        rows = cur.fetchmany(BATCH)
        if not rows:
            break
        out = [tuple(f.db_value(f.python_value(v)) for f, v in zip(fields, row)) for row in rows]
        target.cursor().executemany(insert, out)
        n += len(out)
    return n
