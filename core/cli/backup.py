"""Operator commands: ``zhurnal backup``, ``backup-check``, ``restore`` and ``migrate-db``."""
from __future__ import annotations

import click

from . import main, with_app


@main.command("backup")
@click.argument("path", required=False, type=click.Path(dir_okay=True, writable=True))
@with_app
def backup_cmd(path):
    """Back up the database and the plugins' files into PATH (a folder or a .tar.gz file).

    Safe while the site is in use: the database is copied as one consistent snapshot.
    Without PATH the backup goes to the configured backup_dir.
    """
    from flask import current_app
    from .. import backup
    settings = current_app.extensions["zhurnal"].settings
    try:
        info = backup.make_backup(settings, path or settings.backup_dir)
    except backup.BackupError as e:
        raise click.ClickException(str(e))
    click.echo(f"backup written: {info.path} ({info.size / 1e6:.1f} MB, {info.database}, "
               + ", ".join(f"{k} {v}" for k, v in sorted(info.schema_versions.items())) + ")")


@main.command("backup-check")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def backup_check_cmd(path):
    """Check every checksum of a backup file without restoring it."""
    from .. import backup
    try:
        m = backup.check(path)
    except backup.BackupError as e:
        raise click.ClickException(str(e))
    click.echo(f"backup intact: {path} ({m['database']}, made {m['created_at']}, {len(m['members'])} files)")


@main.command("restore")
@click.argument("path", type=click.Path(dir_okay=False))
@click.pass_context
def restore_cmd(ctx, path):
    """Restore a backup into the configured, empty database and data folder.

    Refuses a damaged backup, one made by a newer Zhurnal, or a database that already holds data.
    Run `zhurnal init` afterwards if the backup was made by an older version.
    """
    from .. import backup
    from ..migrations import known_versions
    root = ctx.find_root()
    app = root.command._app(root)
    settings = app.extensions["zhurnal"].settings
    known = known_versions(app)
    try:
        m = backup.restore(settings, path, known)
    except backup.BackupError as e:
        raise click.ClickException(str(e))
    older = sorted(p for p, v in m["schema_versions"].items() if v < known.get(p, v))
    click.echo(f"restored {path} (made {m['created_at']})"
               + (f"; the schema of {', '.join(older)} is older: run `zhurnal init` to upgrade" if older else ""))


@main.command("migrate-db")
@click.option("--to", "target", required=True, metavar="URL",
              help="The empty database to move into: postgresql://... or sqlite:///FILE")
@with_app
def migrate_db_cmd(target):
    """Move every row into another (empty) database, e.g. from SQLite to PostgreSQL.

    Ids, history and the audit chain are kept. Stop the site while it runs, then point
    database_url at the new database. Files in data_dir are not in the database and stay where they are.
    """
    from flask import current_app
    from .. import dbmove
    try:
        counts = dbmove.move(current_app._get_current_object(), target)
    except dbmove.MoveError as e:
        raise click.ClickException(str(e))
    click.echo(f"moved {sum(counts.values())} rows in {len(counts)} tables to {target.split('@')[-1]}")
