"""The ``zhurnal`` command line: init, demo, serve, plugins, users, import, export, audit.

Plugins add their own commands through ``zhurnal_cli_commands``. Every command
runs inside the application context. Errors are one line on stderr with a
non-zero exit status.
"""
from __future__ import annotations

import sys
from functools import update_wrapper
from pathlib import Path

import click

from .config import ConfigError


class ZhurnalGroup(click.Group):
    """Builds the app once, lazily, and adds the loaded plugins' commands."""

    def _app(self, ctx: click.Context):
        obj = ctx.ensure_object(dict)
        if "app" not in obj:
            from .app import create_app
            try:
                obj["app"] = create_app()
            except ConfigError as e:
                raise click.ClickException(str(e))
        return obj["app"]

    def _plugin_commands(self, ctx, strict: bool = False) -> dict:
        """Commands of the loaded plugins. ``strict``: a start-up error is raised
        (running a command), not swallowed (listing commands for ``--help``)."""
        obj = ctx.ensure_object(dict)
        if "plugin_commands" not in obj:
            cmds = {}
            try:
                app = self._app(ctx)
            except click.ClickException:
                if strict:
                    raise
                return {}
            for name, result in app.extensions["zhurnal"].plugins.per_plugin("zhurnal_cli_commands").items():
                for cmd in result or []:
                    if cmd.name in self.commands or cmd.name in cmds:
                        raise click.ClickException(f"plugin {name!r} adds the command {cmd.name!r}, which exists")
                    cmds[cmd.name] = cmd
            obj["plugin_commands"] = cmds
        return obj["plugin_commands"]

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(self._plugin_commands(ctx)))

    def get_command(self, ctx, name):
        cmd = super().get_command(ctx, name)
        if cmd is None:
            # not a kernel command: if the plugin set cannot start, say why rather than "no such command"
            cmd = self._plugin_commands(ctx, strict=True).get(name)
        return cmd

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ConfigError as e:
            raise click.ClickException(str(e))


def with_app(fn):
    """Run the command inside the application context."""
    @click.pass_context
    def wrapper(ctx, *args, **kwargs):
        root = ctx.find_root()
        app = root.command._app(root)
        with app.app_context():
            from . import db
            db.database.connect(reuse_if_open=True)
            return fn(*args, **kwargs)
    return update_wrapper(wrapper, fn)


@click.group(cls=ZhurnalGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Zhurnal: electronic class journal and diary for schools.

    Settings come from ./zhurnal.toml (or $ZHURNAL_CONFIG) and ZHURNAL_* variables.
    """


# --- init / demo / serve ------------------------------------------------------------------

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


CORE_SCHEMA_VERSION = 4
CORE_MIGRATIONS = {2: _core_v2, 3: _core_v3, 4: _core_v4}


def migrate_all(app, echo=click.echo) -> None:
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
    host = app.extensions["zhurnal"].plugins
    models = host.per_plugin("zhurnal_models")
    wanted = {"core": CORE_SCHEMA_VERSION}
    for name in host.order:
        info = host.infos[name]
        if models.get(name) or info.schema_version:
            wanted[name] = info.schema_version or 1
    behind = sorted(name for name, version in wanted.items() if recorded.get(name, 0) < version)
    if behind:
        return f"the database schema is behind the code ({', '.join(behind)}): run `zhurnal init`"
    return None


@main.command()
@click.option("--no-backup", is_flag=True, help="Upgrade without taking a backup first.")
@with_app
def init(no_backup):
    """Create or upgrade the tables of the kernel and every enabled plugin (idempotent).

    Says what it will change first; before upgrading a database that holds data it takes
    a backup into backup_dir (see `zhurnal backup`).
    """
    from flask import current_app
    from .cli_ops import upgrade_plan
    from .db import SchemaError, refresh_statistics
    plan = upgrade_plan(current_app)
    for line in plan["lines"]:
        click.echo(line)
    if plan["upgrades"] and not no_backup:
        from . import backup
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
        from .config import load_settings
        url = load_settings().database_url
        if not url.startswith("sqlite:///"):
            raise click.ClickException("--reset works only with an SQLite database")
        from pathlib import Path
        p = Path(url[len("sqlite:///"):] or "zhurnal.db")
        for suffix in ("", "-wal", "-shm"):
            f = p.with_name(p.name + suffix)
            if f.exists():
                f.unlink()
    app = root.command._app(root)
    with app.app_context():
        from . import demo as demo_mod
        from .identity.models import School
        migrate_all(app, echo=lambda *_: None)
        if School.select().exists():
            raise click.ClickException("the database already holds a school; use --reset or another database")
        from .clock import today as clock_today
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
    root = ctx.find_root()
    app = root.command._app(root)
    problem = schema_behind(app)
    if problem:
        raise click.ClickException(problem)
    from .ops import configure_logging
    configure_logging(app.extensions["zhurnal"].settings.log_format)
    click.echo(f"Zhurnal is at http://{host}:{port}/  (Ctrl+C to stop)")
    if workers:
        import os
        os.execvp(sys.executable, [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"{host}:{port}",
                                   "core.wsgi:app"])
    from werkzeug.serving import run_simple
    run_simple(host, port, app, threaded=True, use_reloader=False)


# --- plugins ------------------------------------------------------------------------------------

@main.command("plugins")
@click.pass_context
def plugins_cmd(ctx):
    """List installed plugins: enabled in this deployment or not, and what they depend on.

    Exits with an error (one line) when the enabled set cannot start.
    """
    from .config import load_settings
    from .plugins import _info_from, discover, resolve
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
    from .notify.worker import deliver_job
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
    from .queue import get_queue, storage_for
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


from .notify.cli import register as _register_notify  # noqa: E402

_register_notify(main, with_app)

from .personal_data_cli import register as _register_personal_data  # noqa: E402

_register_personal_data(main, with_app)


# --- users ----------------------------------------------------------------------------------------

@main.group()
def users():
    """Create, list, lock and unlock accounts; reset passwords."""


def _the_school(school_id):
    """The school named by ``--school ID``, or the only one; one line when that cannot be told."""
    from .identity.models import School
    if school_id is not None:
        school = School.get_or_none(School.id == school_id)
        if school is None:
            raise click.ClickException(f"no school with id {school_id}")
        return school
    schools = list(School.select().order_by(School.id).limit(2))
    if not schools:
        raise click.ClickException("there is no school yet: create one with `zhurnal school create`")
    if len(schools) > 1:
        raise click.ClickException("there are several schools: name one with --school ID")
    return schools[0]


def _user_or_fail(login):
    from .identity.service import find_by_login
    user = find_by_login(login)
    if user is None:
        raise click.ClickException(f"no account with login {login!r}")
    return user


@users.command("create")
@click.argument("login")
@click.argument("display_name")
@click.option("--role", type=click.Choice(["admin", "director", "deputy", "teacher", "nurse", "support"]), required=True)
@click.option("--school", "school_id", type=int, default=None, help="School id (default: the only school).")
@click.option("--password", default=None, help="Set this password (default: issue one that must be changed).")
@with_app
def users_create(login, display_name, role, school_id, password):
    """Create a staff account; prints the issued password."""
    from . import access, db
    from .identity import service
    school = None
    if role not in ("admin", "support"):
        school = _the_school(school_id)
    if password is not None:
        from .identity.passwords import weakness
        problem = weakness(password, login, display_name)
        if problem:
            raise click.ClickException(problem)
    with db.database.atomic():
        try:
            user, pw = service.create_user(login, display_name, school=school, password=password)
        except ValueError as e:
            raise click.ClickException(str(e))
        if role in ("admin", "support"):
            access.grant(user, role, scope_type="deployment", scope_id=None)
        else:
            access.grant(user, role, school=school)
    click.echo(f"created {user.login} ({role}); password: {pw}" + ("" if password else " (must be changed at first login)"))


@users.command("list")
@with_app
def users_list():
    """List accounts."""
    from . import access
    from .identity.models import User
    for u in User.select().order_by(User.login):
        state = "active" if u.is_active else f"stopped:{u.blocked_reason}"
        click.echo(f"{u.id:>5} {u.login:<20} {state:<20} {','.join(sorted(access.roles(u)))}")


@users.command("lock")
@click.argument("login")
@with_app
def users_lock(login):
    """Stop an account and end its sessions and tokens now."""
    from .identity import service
    service.lock(_user_or_fail(login), reason="admin")
    click.echo(f"{login}: locked")


@users.command("unlock")
@click.argument("login")
@with_app
def users_unlock(login):
    """Allow a stopped or locked account to log in again."""
    from .identity import service
    service.unlock(_user_or_fail(login))
    click.echo(f"{login}: unlocked")


@users.command("reset-password")
@click.argument("login")
@with_app
def users_reset(login):
    """Issue a new password that must be changed at first login."""
    from .identity import service
    pw = service.reset_password(_user_or_fail(login))
    click.echo(f"{login}: new password {pw} (must be changed at first login)")


# --- import / export ---------------------------------------------------------------------------

def _importers(app) -> dict:
    out = {}
    for name, d in app.extensions["zhurnal"].plugins.per_plugin("zhurnal_importers").items():
        for kind, fn in (d or {}).items():
            if kind in out:
                raise click.ClickException(f"two plugins import {kind!r}")
            out[kind] = fn
    return out


@main.command("import")
@click.argument("kind")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--school", "school_id", type=int, default=None, help="School id (default: the only school).")
@click.option("--dry-run", is_flag=True, help="Check the file and report; write nothing.")
@with_app
def import_cmd(kind, path, school_id, dry_run):
    """Import a file (KIND: students, ...). Nothing is written unless every row is valid."""
    from flask import current_app
    importers = _importers(current_app)
    if kind not in importers:
        raise click.ClickException(f"unknown import kind {kind!r} (known: {', '.join(sorted(importers)) or 'none'})")
    school = _the_school(school_id)
    with open(path, "rb") as fh:
        report = importers[kind](fh, path, school, None, dry_run)
    for line in report.lines():
        click.echo(line, err=not report.ok)
    if not report.ok:
        sys.exit(1)


def _exporters(app) -> dict:
    out = {}
    for name, d in app.extensions["zhurnal"].plugins.per_plugin("zhurnal_exporters").items():
        for kind, fn in (d or {}).items():
            if kind in out:
                raise click.ClickException(f"two plugins export {kind!r}")
            out[kind] = fn
    return out


@main.command("export")
@click.argument("kind")
@click.argument("path", required=False, type=click.Path(dir_okay=False, writable=True))
@click.option("--school", "school_id", type=int, default=None, help="School id (default: the only school).")
@click.option("--class", "class_name", default=None, help="Only this class (e.g. 5А).")
@click.option("--from", "date_from", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="First day (kinds that cover dates, e.g. extracts).")
@click.option("--to", "date_to", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Last day.")
@with_app
def export_cmd(kind, path, school_id, class_name, date_from, date_to):
    """Export data to a file (KIND: students, extracts...); the format follows the extension (.csv, .xlsx, .pdf)."""
    from flask import current_app
    exporters = _exporters(current_app)
    if kind not in exporters:
        raise click.ClickException(f"unknown export kind {kind!r} (known: {', '.join(sorted(exporters)) or 'none'})")
    exporter = exporters[kind]
    school = _the_school(school_id)
    dates = {k: v.date() for k, v in (("date_from", date_from), ("date_to", date_to)) if v is not None}
    if dates and not getattr(exporter, "takes_dates", False):
        raise click.ClickException(f"--from/--to do not apply to {kind!r}")
    if path is None:
        if not hasattr(exporter, "default_path"):
            raise click.ClickException("name the file to write")
        path = exporter.default_path(class_name, dates.get("date_from"), dates.get("date_to"))
    extensions = getattr(exporter, "extensions", (".csv", ".xlsx"))
    if not path.lower().endswith(extensions):
        raise click.ClickException(f"the file name must end in {' or '.join(extensions)}")
    try:
        n = exporter(path, school, class_name, **dates)
    except LookupError as e:
        raise click.ClickException(str(e).strip("'\""))
    click.echo(f"exported {n} {getattr(exporter, 'unit', 'rows')} to {path}")


# --- audit ------------------------------------------------------------------------------------------

@main.group("audit")
def audit_cmd():
    """Check and read the audit log."""


@audit_cmd.command("verify")
@click.option("--anchor", "anchors", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="A digest saved by 'zhurnal audit digest' (repeatable): the chain must still hold it.")
@with_app
def audit_verify(anchors):
    """Check the hash chain; list every altered, deleted or inserted entry."""
    import json
    from . import audit
    problems = audit.verify()
    for path in anchors:
        try:
            saved = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise click.ClickException(f"{path}: not a digest ({e})")
        problems += audit.check_anchor(saved)
    n = audit.AuditEntry.select().count()
    if problems:
        for p in problems:
            click.echo(f"TAMPERED {p}", err=True)
        click.echo(f"audit log: {len(problems)} problem(s) in {n} entries", err=True)
        sys.exit(1)
    click.echo(f"audit log intact: {n} entries")


@audit_cmd.command("digest")
@with_app
def audit_digest():
    """Print a signed digest of the chain's head (JSON): keep it outside the database (mail it,
    print it) and pass it to 'zhurnal audit verify --anchor' later; truncating the chain or
    rewriting it from any earlier point is then found even by someone holding the key."""
    import json
    from . import audit
    click.echo(json.dumps(audit.digest(), ensure_ascii=False))


@audit_cmd.command("list")
@click.option("--limit", default=50, show_default=True, type=int)
@click.option("--action", default=None, help="Action prefix, e.g. roster.student")
@click.option("--login", default=None)
@with_app
def audit_list(limit, action, login):
    """Print the newest entries."""
    from . import audit
    from .identity.models import User
    uid = None
    if login:
        u = User.get_or_none(User.login == login)
        uid = u.id if u else -1
    for e in audit.query(user_id=uid, action=action).limit(limit):
        click.echo(f"{e.id:>7} {e.at:%Y-%m-%d %H:%M:%S} {e.login or '-':<12} {e.action:<32} "
                   f"{e.object_type or ''}:{e.object_id or ''} {e.data}")


# operator commands live in their own module
from . import cli_ops  # noqa: E402,F401  (registers backup, backup-check, restore)
