"""Running Zhurnal: ``zhurnal init``, ``demo``, ``serve``, ``worker`` and ``plugins``."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..config import ConfigError
from ..notify.cli import register as _register_notify
from ..personal_data_cli import register as _register_personal_data
from . import main, with_app


@main.command()
@click.option("--no-backup", is_flag=True, help="Upgrade without taking a backup first.")
@with_app
def init(no_backup):
    """Create or upgrade the tables of the kernel and every enabled plugin (idempotent).

    Says what it will change first; before upgrading a database that holds data it takes
    a backup into backup_dir (see `zhurnal backup`).
    """
    from flask import current_app
    from ..db import refresh_statistics
    from ..migrations import SchemaError, migrate_all, upgrade_plan
    plan = upgrade_plan(current_app)
    for line in plan["lines"]:
        click.echo(line)
    if plan["upgrades"] and not no_backup:
        from .. import backup
        try:
            info = backup.make_backup(current_app.extensions["zhurnal"].settings,
                                      current_app.extensions["zhurnal"].settings.backup_dir)
        except backup.BackupError as e:
            raise click.ClickException(f"no upgrade: the backup before it failed: {e}")
        click.echo(f"backup before the upgrade: {info.path}")
    try:
        migrate_all(current_app)
    except SchemaError as e:
        raise click.ClickException(str(e))
    refresh_statistics()


@main.command()
@click.option("--students", default=25, show_default=True, type=click.IntRange(5, 2000),
              help="Students in each class.")
@click.option("--reset", is_flag=True, help="Delete an existing demo database first (SQLite only).")
@click.option("--date", "today", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Build data up to this day (default: today).")
@click.pass_context
def demo(ctx, students, reset, today):
    """Create a demo school with data up to today and print the demo logins."""
    root = ctx.find_root()
    if reset:
        from ..config import load_settings
        url = load_settings().database_url
        if not url.startswith("sqlite:///"):
            raise click.ClickException("--reset works only with an SQLite database")
        p = Path(url[len("sqlite:///"):] or "zhurnal.db")
        for suffix in ("", "-wal", "-shm"):
            f = p.with_name(p.name + suffix)
            if f.exists():
                f.unlink()
    app = root.command._app(root)
    with app.app_context():
        from .. import demo as demo_mod
        from ..identity.models import School
        from ..migrations import migrate_all
        migrate_all(app, echo=lambda *_: None)
        if School.select().exists():
            raise click.ClickException("the database already holds a school; use --reset or another database")
        from ..clock import today as clock_today
        result = demo_mod.seed(students, today.date() if today else clock_today())
    click.echo(f"Demo school «{result.school.short_name}» is ready, data up to {result.today:%d.%m.%Y}.")
    for line in result.summary:
        click.echo(f"  {line}")
    click.echo(f"Logins (password {demo_mod.DEMO_PASSWORD} for all):")
    for login, desc in result.logins.items():
        click.echo(f"  {login:<10} {desc}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=0, type=int, help="Run under gunicorn with this many workers (0: built-in server).")
@click.pass_context
def serve(ctx, host, port, workers):
    """Serve the web UI and API."""
    from ..migrations import schema_behind
    root = ctx.find_root()
    app = root.command._app(root)
    problem = schema_behind(app)
    if problem:
        raise click.ClickException(problem)
    from ..ops import configure_logging
    configure_logging(app.extensions["zhurnal"].settings.log_format)
    click.echo(f"Zhurnal is at http://{host}:{port}/  (Ctrl+C to stop)")
    if workers:
        import os
        os.execvp(sys.executable, [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"{host}:{port}",
                                   "zhurnal.core.wsgi:app"])
    from werkzeug.serving import run_simple
    run_simple(host, port, app, threaded=True, use_reloader=False)


# --- plugins ------------------------------------------------------------------------------------

@main.command("plugins")
@click.pass_context
def plugins_cmd(ctx):
    """List installed plugins: enabled in this deployment or not, and what they depend on.

    Exits with an error (one line) when the enabled set cannot start.
    """
    from ..config import load_settings
    from ..plugins import _info_from, discover, resolve
    try:
        enabled = load_settings().enabled_plugins
    except ConfigError as e:
        raise click.ClickException(str(e))
    installed = discover()
    for name, eps in sorted(installed.items()):
        try:
            info = _info_from(name, eps[0])
            deps = ", ".join(info.depends) or "-"
            desc = f"{info.version:<8} depends: {deps:<20} ({info.distribution})"
        except ConfigError as e:
            desc = f"broken: {e}"
        state = "enabled " if name in enabled else "disabled"
        dup = "  (claimed by several distributions!)" if len(eps) > 1 else ""
        click.echo(f"{state} {name:<16} {desc}{dup}")
    try:
        resolve(enabled, installed)
    except ConfigError as e:
        raise click.ClickException(str(e))


# --- background jobs ----------------------------------------------------------------------------

def _deliver_on_start(app) -> None:
    """A worker that starts (or restarts after a crash) first delivers what waits in the outbox."""
    from ..notify.worker import deliver_job
    with app.app_context():
        try:
            deliver_job()
        except Exception as e:  # the queue is down: the periodic sweep delivers once it is back
            click.echo(f"zhurnal worker: could not queue the first delivery pass: {e}", err=True)


@main.command()
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="Worker threads.")
@click.option("--poll", default=1.0, show_default=True, type=click.FloatRange(0.05, 60),
              help="Longest pause between two looks at an empty queue, in seconds.")
@click.pass_context
def worker(ctx, workers, poll):
    """Run background jobs (the huey consumer) until stopped with Ctrl+C or SIGTERM."""
    import logging
    import re
    from huey.consumer import Consumer
    from ..queue import get_queue, storage_for
    root = ctx.find_root()
    app = root.command._app(root)
    queue = get_queue(app)
    kind, where = storage_for(app.extensions["zhurnal"].settings)
    if queue.immediate:
        raise click.ClickException("queue_url is 'memory': jobs run where they are queued; there is nothing to consume")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    shown = re.sub(r"//[^@/]*@", "//***@", where or "")  # no password in the log
    click.echo(f"zhurnal worker: {workers} thread(s) on the {kind} queue {shown} ({queue.name})", err=True)
    _deliver_on_start(app)
    Consumer(queue, workers=workers, worker_type="thread", periodic=True, initial_delay=min(0.1, poll),
             max_delay=poll, check_worker_health=True).run()


_register_notify(main, with_app)
_register_personal_data(main, with_app)
