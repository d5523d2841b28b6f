"""The messenger's own tables: which chat belongs to which account, the one-time link codes,
and how far the bot's updates have been read."""
from __future__ import annotations

import peewee as pw

from zhurnal.core.db import BaseModel, utcnow
from zhurnal.core.identity.models import User


class ChatLink(BaseModel):
    """An account's Telegram chat: notifications for the account go there."""
    user = pw.ForeignKeyField(User, unique=True, on_delete="CASCADE")
    chat_id = pw.BigIntegerField(index=True)
    #: the chat's @username or first name when linked (shown to the owner only)
    chat_name = pw.CharField(max_length=200, default="")
    linked_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "notify_telegram_link"


class LinkCode(BaseModel):
    """A one-time code shown on the profile page; kept only as a keyed hash."""
    user = pw.ForeignKeyField(User, on_delete="CASCADE")
    code_hash = pw.CharField(max_length=64, unique=True)
    created_at = pw.DateTimeField(default=utcnow)
    expires_at = pw.DateTimeField()
    used_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "notify_telegram_code"


class BotState(BaseModel):
    """Small persistent values of the bot (``update_offset``: the next getUpdates offset)."""
    key = pw.CharField(max_length=40, primary_key=True)
    value = pw.CharField(max_length=200)

    class Meta:
        table_name = "notify_telegram_state"


MODELS = [ChatLink, LinkCode, BotState]
