"""The worker reads the bot's updates every minute; ``zhurnal telegram poll`` does it once."""
from __future__ import annotations

import click

from zhurnal.core.cli import with_app
from zhurnal.core.queue import _crontab, task


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


@telegram.command("webhook", help="Ask Telegram to post the bot's updates to this deployment's base_url "
                                  "(needs webhook_secret); --remove goes back to polling.")
@click.option("--remove", is_flag=True, help="Delete the webhook (the worker polls again).")
@with_app
def webhook_command(remove):
    from flask import current_app
    from .service import bot, configured, settings
    if not configured():
        raise click.ClickException("no bot token: set [plugins.notify_telegram] token or ZHURNAL_NOTIFY_TELEGRAM__TOKEN")
    s = settings()
    if remove:
        answer = bot().call("deleteWebhook", {"drop_pending_updates": False})
    else:
        if not s.get("webhook_secret"):
            raise click.ClickException("no webhook secret: set ZHURNAL_NOTIFY_TELEGRAM__WEBHOOK_SECRET")
        url = current_app.extensions["zhurnal"].settings.base_url + "/api/v1/telegram/webhook"
        if not url.startswith("https://"):
            raise click.ClickException(f"Telegram posts only to https:// addresses, base_url gives {url}")
        answer = bot().call("setWebhook", {"url": url, "secret_token": s["webhook_secret"],
                                           "allowed_updates": ["message"]})
    if not answer.ok:
        raise click.ClickException(f"Telegram refused: {answer.description}")
    click.echo("webhook removed: the worker polls" if remove else f"webhook set: {url}")
