"""The bot's webhook: Telegram posts each update here instead of the worker polling ``getUpdates``.

Enabled by ``[plugins.notify_telegram] webhook_secret``; Telegram sends that secret in the
``X-Telegram-Bot-Api-Secret-Token`` header of every call (set with ``zhurnal telegram webhook``),
so a stranger cannot post updates. Without a secret the endpoint does not exist (404).
"""
from __future__ import annotations

import hmac

from flask import Blueprint, request
from marshmallow import INCLUDE, Schema, validate

from zhurnal.core import fields
from zhurnal.core.api import endpoint, forbidden, not_found

from . import service
from .models import BotState

bp = Blueprint("notify_telegram_api", __name__, url_prefix="/api/v1")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class UpdateIn(Schema):
    """A Telegram ``Update``; only messages are acted on, other fields are ignored."""
    class Meta:
        unknown = INCLUDE

    update_id = fields.Int(required=True, strict=True, validate=validate.Range(min=0))
    message = fields.Dict(load_default=None, allow_none=True)


@endpoint(bp, "/telegram/webhook", ["POST"], body=UpdateIn, public=True,
          summary="Telegram Bot API webhook (only with webhook_secret; authenticated by Telegram's secret header)")
def webhook(body):
    s = service.settings()
    secret = s.get("webhook_secret") or ""
    if not secret or not s.get("token"):
        raise not_found()
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode("utf-8"), secret.encode("utf-8")):
        raise forbidden("Wrong or missing secret token.")
    update_id = body["update_id"]
    done = BotState.get_or_none(BotState.key == "update_offset")
    if done is not None and update_id < int(done.value):
        return {"ok": True, "duplicate": True}  # Telegram sent it again: acted on once already
    service.handle_update({"update_id": update_id, "message": body["message"]}, service.bot())
    service.remember_offset(update_id + 1)
    return {"ok": True}
