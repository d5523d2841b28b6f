"""The ``zhurnal`` command line: init, demo, serve, plugins, users, import, export, audit.

This module holds the command group and what every command shares; the commands live in
``run`` (init, demo, serve, worker, plugins), ``users``, ``transfer`` (import, export),
``audit`` and ``backup`` (backup, backup-check, restore, migrate-db); notification commands
in ``zhurnal.core.notify.cli``. Schema migrations are in ``zhurnal.core.migrations``.

Plugins add their own commands through ``zhurnal_cli_commands``. Every command
runs inside the application context. Errors are one line on stderr with a
non-zero exit status.
"""
from __future__ import annotations

from functools import update_wrapper

import click

from ..config import ConfigError


class ZhurnalGroup(click.Group):
    """Builds the app once, lazily, and adds the loaded plugins' commands."""

    def _app(self, ctx: click.Context):
        obj = ctx.ensure_object(dict)
        if "app" not in obj:
            from ..app import create_app
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
            obj = ctx.ensure_object(dict)
            if cmd is not None and not obj.get("app_context_pushed"):
                # a plugin's command runs inside the application context (zhurnal_cli_commands)
                ctx.with_resource(self._app(ctx).app_context())
                obj["app_context_pushed"] = True
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
            from .. import db
            db.database.connect(reuse_if_open=True)
            return fn(*args, **kwargs)
    return update_wrapper(wrapper, fn)


@click.group(cls=ZhurnalGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Zhurnal: electronic class journal and diary for schools.

    Settings come from ./zhurnal.toml (or $ZHURNAL_CONFIG) and ZHURNAL_* variables.
    """


def _the_school(school_id):
    """The school named by ``--school ID``, or the only one; one line when that cannot be told."""
    from ..identity.models import School
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


# the commands, one module per responsibility (each registers itself on ``main``)
from . import audit, backup, run, transfer, users  # noqa: E402,F401
from ..migrations import CORE_SCHEMA_VERSION, migrate_all, schema_behind  # noqa: E402,F401  (their old home)
from .run import _deliver_on_start  # noqa: E402,F401
