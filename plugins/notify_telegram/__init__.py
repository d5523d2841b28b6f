"""Telegram: notifications in a Telegram chat through a bot, linked with a one-time code.

A user links their chat on their Telegram page: the page shows a one-time code,
they send it to the school's bot, the worker reads the bot's updates
(``getUpdates``, every minute) and links the chat. ``[plugins.notify_telegram]``
names the Bot API (``api_url``, ``token``); without a token (the demo) messages
go into the local outbox page.
"""
from __future__ import annotations

from marshmallow import RAISE, Schema, validate

from zhurnal.core import fields
from zhurnal.core.hookspecs import hookimpl

name = "notify_telegram"
title = "Telegram"
version = "1.0"
depends: tuple[str, ...] = ()
schema_version = 1


class TelegramSettings(Schema):
    """``[plugins.notify_telegram]``; every key can also be ``ZHURNAL_NOTIFY_TELEGRAM__<KEY>``."""
    class Meta:
        unknown = RAISE

    #: the Bot API server
    api_url = fields.Url(load_default="https://api.telegram.org", require_tld=False, schemes={"http", "https"})
    #: the bot's token from @BotFather; empty: no bot (messages go into the local outbox)
    token = fields.Str(load_default="", validate=validate.Regexp(r"^([0-9]+:[A-Za-z0-9_\-]{20,}|)$",
                                                                 error="not a bot token (digits:letters)"))
    #: the bot's @username without the @, for the link on the profile page
    bot_username = fields.Str(load_default="", validate=validate.Regexp(r"^([A-Za-z][A-Za-z0-9_]{3,31}|)$"))
    #: how long a link code stays valid
    code_minutes = fields.Int(load_default=15, validate=validate.Range(min=1, max=1440))
    #: seconds to wait for the Bot API
    timeout = fields.Float(load_default=10.0, validate=validate.Range(min=0.5, max=120))
    #: receive updates at ``/api/v1/telegram/webhook`` instead of polling; Telegram sends this secret
    #: with each call (``zhurnal telegram webhook`` registers it). Empty: the worker polls.
    webhook_secret = fields.Str(load_default="", validate=validate.Regexp(
        r"^([A-Za-z0-9_\-]{16,256}|)$", error="16 to 256 letters, digits, _ or -"))


settings_schema = TelegramSettings


@hookimpl
def zhurnal_models():
    from .models import MODELS
    return MODELS


@hookimpl
def zhurnal_permissions():
    from zhurnal.core.access import Permission
    from zhurnal.core.identity.models import ROLES
    return [Permission("notify_telegram.chat.link", "Link a Telegram chat to one's own account", roles=ROLES)]


@hookimpl
def zhurnal_blueprints():
    from .api import bp as api_bp
    from .views import bp
    return [bp, api_bp]


@hookimpl
def zhurnal_nav_items(user, school):
    from .views import nav_items
    return nav_items(user, school)


@hookimpl
def zhurnal_notification_channels():
    from .channel import TelegramChannel
    return [TelegramChannel]


@hookimpl
def zhurnal_personal_data(user_id):
    from .personal import personal_data
    return personal_data(user_id)


@hookimpl
def zhurnal_cli_commands():
    from .jobs import telegram
    return [telegram]


@hookimpl
def zhurnal_app_ready(app):
    from . import jobs  # noqa: F401  (declares the worker's polling job)
