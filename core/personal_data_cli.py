"""``zhurnal personal-data export --login X [FILE]``: the access request from the command line."""
from __future__ import annotations

import click


def register(main, with_app) -> None:
    @main.group("personal-data")
    def personal_data_group():
        """Personal data of a person (152-FZ access request)."""

    @personal_data_group.command("export")
    @click.option("--login", required=True, help="The account whose data to export.")
    @click.argument("file", required=False, type=click.Path(dir_okay=False, writable=True, allow_dash=True))
    @with_app
    def export_cmd(login, file):
        """Write everything held about an account as JSON to FILE (default: standard output). Audited."""
        from . import personal_data
        from .db import database
        from .identity.models import User
        user = User.get_or_none(User.login == login)
        if user is None:
            raise click.ClickException(f"no account with login {login!r}")
        text = personal_data.as_json(personal_data.export(user, viewer=None))
        with database.atomic():
            personal_data.record_read(user, by=None, via="cli")
        if file and file != "-":
            with open(file, "w", encoding="utf-8") as f:
                f.write(text + "\n")
            click.echo(f"written {file}", err=True)
        else:
            click.echo(text)
