"""Schema versions and migrations: each owner's tables (the kernel's, ``core.notify``, every plugin's)
carry a version recorded in ``core_schema``; :func:`migrate` creates missing tables and runs the owner's
numbered upgrade steps, recording each step as it completes. It never drops.

``zhurnal init``, ``zhurnal demo``, moving a database and the tests create and upgrade tables
through :func:`migrate_all`. :func:`schema_behind` tells whether a database can be served by
this code; ``/readyz``, ``zhurnal serve`` and the WSGI entry point ask it.
"""
from __future__ import annotations

import logging

import click
import peewee as pw
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator

from .db import BaseModel, IdNeverReused, database, is_sqlite, utcnow

log = logging.getLogger("zhurnal.migrations")


class SchemaVersion(BaseModel):
    """Schema version of each plugin's tables (the kernel is the plugin ``core``)."""
    plugin = pw.CharField(primary_key=True, max_length=64)
    version = pw.IntegerField()
    updated_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "core_schema"


def migrator():
    return SqliteMigrator(database.obj) if is_sqlite() else PostgresqlMigrator(database.obj)


def current_versions() -> dict[str, int]:
    if not database.table_exists(SchemaVersion._meta.table_name):
        return {}
    return {r.plugin: r.version for r in SchemaVersion.select()}


class SchemaError(RuntimeError):
    """The database cannot be brought to the code's schema (one line)."""


def migrate(owner: str, models: list[type[pw.Model]], version: int,
            steps: dict[int, callable] | None = None) -> tuple[int, int]:
    """Bring one owner's tables to ``version``.

    Missing tables are created (with indexes). If a version is already recorded,
    each step ``n`` in ``steps`` with ``recorded < n <= version`` is run in order,
    in its own transaction, and recorded immediately; a step receives the
    migrator and must only add or alter, never drop data.

    :returns: (version before, version after); before is 0 for a new owner.
    """
    database.create_tables([SchemaVersion], safe=True)
    row = SchemaVersion.get_or_none(SchemaVersion.plugin == owner)
    before = row.version if row else 0
    if before > version:
        raise SchemaError(f"database schema of {owner!r} is version {before}, newer than the code's {version}: "
                          "upgrade the code, never downgrade the database")
    if row is not None:
        for n in sorted((steps or {})):
            if before < n <= version:
                with database.atomic():
                    steps[n](migrator())
                    SchemaVersion.update(version=n, updated_at=utcnow()).where(
                        SchemaVersion.plugin == owner).execute()
                log.info("%s: schema upgraded to %s", owner, n)
    with database.atomic():
        database.create_tables(models, safe=True)
        SchemaVersion.insert(plugin=owner, version=version, updated_at=utcnow()).on_conflict(
            conflict_target=[SchemaVersion.plugin],
            update={SchemaVersion.version: version, SchemaVersion.updated_at: utcnow()},
        ).execute()
    if is_sqlite():
        for model in models:
            if isinstance(model._meta.primary_key, IdNeverReused):
                _rebuild_with_autoincrement(model)
    return before, version


def _rebuild_with_autoincrement(model: type[pw.Model]) -> bool:
    """Rebuild an SQLite table made before its id became :class:`IdNeverReused`.

    SQLite cannot add AUTOINCREMENT to a column: the table is renamed, created anew (with
    its indexes), its rows copied with their ids, and the old one dropped, in one
    transaction with foreign keys off (dropping must not cascade to the rows referring
    to it; references to the table by name stay as they are) and checked before commit.
    ``sqlite_sequence`` starts from the largest id kept, or the one already recorded.

    :returns: whether the table was rebuilt
    """
    table = model._meta.table_name
    row = database.execute_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()
    if row is None or "AUTOINCREMENT" in row[0].upper():
        return False
    old = f"{table}__before_autoincrement"
    columns = ", ".join(f'"{c.name}"' for c in database.get_columns(table))
    database.execute_sql("PRAGMA foreign_keys = OFF")
    database.execute_sql("PRAGMA legacy_alter_table = ON")   # other tables keep referring to the name
    try:
        with database.atomic():
            seq = database.execute_sql("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)).fetchone() \
                if database.table_exists("sqlite_sequence") else None
            database.execute_sql(f'ALTER TABLE "{table}" RENAME TO "{old}"')
            for (name,) in database.execute_sql("SELECT name FROM sqlite_master WHERE type = 'index' AND "
                                                "tbl_name = ? AND sql IS NOT NULL", (old,)).fetchall():
                database.execute_sql(f'DROP INDEX "{name}"')
            model.create_table(safe=True)   # (a model may declare one index twice: IF NOT EXISTS)
            database.execute_sql(f'INSERT INTO "{table}" ({columns}) SELECT {columns} FROM "{old}"')
            database.execute_sql(f'DROP TABLE "{old}"')
            if seq is not None:
                database.execute_sql("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?", (seq[0], table))
            broken = database.execute_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise SchemaError(f"rebuilding {table} would break {len(broken)} references: {broken[:3]}")
    finally:
        database.execute_sql("PRAGMA legacy_alter_table = OFF")
        database.execute_sql("PRAGMA foreign_keys = ON")
    log.info("%s: ids are never reused (AUTOINCREMENT)", table)
    return True


def _core_v2(migrator) -> None:
    """core 2: compromise reports record since when the credentials were in other hands."""
    from playhouse.migrate import migrate
    from .identity.models import CompromiseReport
    migrate(migrator.add_column("core_compromise_report", "compromised_since",
                                CompromiseReport.compromised_since))


def _core_v3(migrator) -> None:
    """core 3: failed logins that name no account are counted (``core_login_failure``, created
    with the tables)."""


def _core_v4(migrator) -> None:
    """core 4: audit entries name the key that signed them (entries before it stay plain
    SHA-256, see docs/SECURITY.md); incidents keep their deadline, overdue flag and revert;
    the per-school plugin switch becomes one row per school and plugin."""
    from playhouse.migrate import migrate
    from . import audit
    from .identity.models import CompromiseReport
    from .plugin_switch import SchoolPlugin, migrate_legacy_column
    migrate(migrator.add_column("core_audit", "key_id", audit.AuditEntry.key_id),
            *(migrator.add_column("core_compromise_report", f.column_name, f) for f in (
                CompromiseReport.deadline_at, CompromiseReport.overdue_flagged_at, CompromiseReport.reverted_at)))
    SchoolPlugin.create_table(safe=True)
    migrate_legacy_column()
    # the first signed entry: it covers the hash of the last plain one, which anchors them all
    key_id = audit.keys()[0]
    audit.record("core.audit.keyed", object_type="core_audit", ip="cli", data={"key_id": key_id})


def _core_v5(migrator) -> None:
    """core 5: the audit is indexed by object (``object_type, object_id``): a personal-data export
    finds who read or exported a person's records without reading the whole log. ``IF NOT EXISTS``:
    a database given the index by hand (or by a test's copy of an older schema) upgrades too."""
    table = pw.Table("core_audit")
    migrator.database.execute(pw.Index("core_audit_object_type_object_id", table,
                                       [table.c.object_type, table.c.object_id], safe=True))


CORE_SCHEMA_VERSION = 5
CORE_MIGRATIONS = {2: _core_v2, 3: _core_v3, 4: _core_v4, 5: _core_v5}


def migrate_all(app, echo=click.echo) -> None:
    """Create or upgrade the tables of the kernel, its outbox and every loaded plugin, in load order."""
    from . import audit, idempotency, plugin_switch
    from .identity.models import MODELS as ID_MODELS
    before, after = migrate("core", ID_MODELS + audit.MODELS + plugin_switch.MODELS + idempotency.MODELS,
                               CORE_SCHEMA_VERSION,
                               CORE_MIGRATIONS)
    echo(f"core: schema {before} -> {after}" if before != after else f"core: schema {after} (up to date)")
    from .notify.models import MODELS as NOTIFY_MODELS, SCHEMA_VERSION as NOTIFY_VERSION
    before, after = migrate("core.notify", NOTIFY_MODELS, NOTIFY_VERSION, {})
    echo(f"core.notify: schema {before} -> {after}" if before != after else f"core.notify: schema {after} (up to date)")
    host = app.extensions["zhurnal"].plugins
    models = host.per_plugin("zhurnal_models")
    for name in host.order:
        info = host.infos[name]
        ms = models.get(name) or []
        if not ms and not info.schema_version:
            continue
        steps = getattr(info.module, "migrations", None) or {}
        before, after = migrate(name, ms, info.schema_version or 1, steps)
        echo(f"{name}: schema {before} -> {after}" if before != after else f"{name}: schema {after} (up to date)")


def wanted_versions(app) -> dict[str, int]:
    """The schema version this code needs of each owner that has tables: ``core`` and every loaded
    plugin with models or a declared version (1 when it declares none)."""
    host = app.extensions["zhurnal"].plugins
    models = host.per_plugin("zhurnal_models")
    wanted = {"core": CORE_SCHEMA_VERSION}
    for name in host.order:
        info = host.infos[name]
        if models.get(name) or info.schema_version:
            wanted[name] = info.schema_version or 1
    return wanted


def known_versions(app) -> dict[str, int]:
    """Every loaded plugin's declared schema version (0 when it declares none), and ``core``'s:
    what a backup records and a restore compares against."""
    host = app.extensions["zhurnal"].plugins
    versions = {"core": CORE_SCHEMA_VERSION}
    for name in host.order:
        versions[name] = host.infos[name].schema_version or 0
    return versions


def upgrade_plan(app) -> dict:
    """What ``zhurnal init`` will do: ``lines`` to print, ``upgrades`` (owners whose existing tables
    will be migrated: a backup is taken first)."""
    have = current_versions()
    lines, upgrades = [], []
    for owner, want in known_versions(app).items():
        got = have.get(owner)
        if got is None:
            if want or owner == "core":
                lines.append(f"{owner}: new tables (schema {want})")
        elif got < want:
            upgrades.append(owner)
            lines.append(f"{owner}: upgrade schema {got} -> {want}")
    if not lines:
        lines.append("every schema is up to date")
    return {"lines": lines, "upgrades": upgrades}


def schema_behind(app) -> str | None:
    """Why this database cannot be served by this code, as one line naming what to run; None when it can.

    Compares the schema versions recorded by ``zhurnal init`` with the kernel's and every loaded
    plugin's: a database nobody initialised, or one behind the code, is refused before it
    answers a request with a 500.
    """
    try:
        with app.app_context():
            database.connect(reuse_if_open=True)
            try:
                recorded = current_versions()
            finally:
                database.close()
    except Exception as e:  # noqa: BLE001 - unreachable or unreadable database: one line all the same
        return f"the database cannot be opened ({type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''})"
    if not recorded:
        return "the database is not initialised: run `zhurnal init` (or `zhurnal demo` for a demo school)"
    behind = sorted(name for name, version in wanted_versions(app).items() if recorded.get(name, 0) < version)
    if behind:
        return f"the database schema is behind the code ({', '.join(behind)}): run `zhurnal init`"
    return None
