"""The worker reads the bot's updates every minute; ``zhurnal telegram poll`` does it once."""
from __future__ import annotations

import click

from core.cli import with_app
from core.queue import _crontab, task


@task(periodic=_crontab(minute="*"))
def poll_updates_job() -> int:
    """Read the bot's new messages (link codes, /stop) and act on them."""
    from flask import current_app
    if "notify_telegram" not in current_app.extensions["zhurnal"].plugins.infos:
        return 0
    from .service import poll
    return poll()


@click.group("telegram", help="The Telegram bot of notify_telegram.")
def telegram():
    pass


@telegram.command("poll", help="Read the bot's new messages once (link codes, /stop).")
@with_app
def poll_command():
    from .service import configured, poll
    if not configured():
        raise click.ClickException("no bot token: set [plugins.notify_telegram] token or ZHURNAL_NOTIFY_TELEGRAM__TOKEN")
    click.echo(f"{poll()} updates read")
