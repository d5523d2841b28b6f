"""The kernel's schema versions and the one place that migrates every owner's tables.

``zhurnal init``, ``zhurnal demo``, moving a database and the tests create and upgrade tables
through :func:`migrate_all`. :func:`schema_behind` tells whether a database can be served by
this code; ``/readyz``, ``zhurnal serve`` and the WSGI entry point ask it.
"""
from __future__ import annotations

import click


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
    import peewee as pw
    table = pw.Table("core_audit")
    migrator.database.execute(pw.Index("core_audit_object_type_object_id", table,
                                       [table.c.object_type, table.c.object_id], safe=True))


CORE_SCHEMA_VERSION = 5
CORE_MIGRATIONS = {2: _core_v2, 3: _core_v3, 4: _core_v4, 5: _core_v5}


def migrate_all(app, echo=click.echo) -> None:
    """Create or upgrade the tables of the kernel, its outbox and every loaded plugin, in load order."""
    from . import audit, db, idempotency, plugin_switch
    from .identity.models import MODELS as ID_MODELS
    before, after = db.migrate("core", ID_MODELS + audit.MODELS + plugin_switch.MODELS + idempotency.MODELS,
                               CORE_SCHEMA_VERSION,
                               CORE_MIGRATIONS)
    echo(f"core: schema {before} -> {after}" if before != after else f"core: schema {after} (up to date)")
    from .notify.models import MODELS as NOTIFY_MODELS, SCHEMA_VERSION as NOTIFY_VERSION
    before, after = db.migrate("core.notify", NOTIFY_MODELS, NOTIFY_VERSION, {})
    echo(f"core.notify: schema {before} -> {after}" if before != after else f"core.notify: schema {after} (up to date)")
    host = app.extensions["zhurnal"].plugins
    models = host.per_plugin("zhurnal_models")
    for name in host.order:
        info = host.infos[name]
        ms = models.get(name) or []
        if not ms and not info.schema_version:
            continue
        steps = getattr(info.module, "migrations", None) or {}
        before, after = db.migrate(name, ms, info.schema_version or 1, steps)
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
    from . import db
    have = db.current_versions()
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
    from . import db
    try:
        with app.app_context():
            db.database.connect(reuse_if_open=True)
            try:
                recorded = db.current_versions()
            finally:
                db.database.close()
    except Exception as e:  # noqa: BLE001 - unreachable or unreadable database: one line all the same
        return f"the database cannot be opened ({type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''})"
    if not recorded:
        return "the database is not initialised: run `zhurnal init` (or `zhurnal demo` for a demo school)"
    behind = sorted(name for name, version in wanted_versions(app).items() if recorded.get(name, 0) < version)
    if behind:
        return f"the database schema is behind the code ({', '.join(behind)}): run `zhurnal init`"
    return None
