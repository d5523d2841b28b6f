"""The local outbox: where channels without a server deliver (the demo), shown as a page."""
from __future__ import annotations

from ..db import database
from .models import LocalMessage


def store(message, short: bool = False) -> LocalMessage:
    """Keep ``message`` (a :class:`zhurnal.core.notify.channel.Message`) in the local outbox, once per key."""
    with database.atomic():
        found = LocalMessage.get_or_none(LocalMessage.idempotency_key == message.idempotency_key)
        if found is not None:
            return found
        return LocalMessage.create(
            idempotency_key=message.idempotency_key, channel=message.channel, address=message.address,
            user=message.recipient_user_id, school=message.school_id,
            subject="" if short else message.subject,
            text=(message.short_text or message.text) if short else message.text,
            html=None if short else message.html)
