"""The messenger's data about an account for a 152-FZ access request: the linked chat and link codes
issued (their hashes are never shown)."""
from __future__ import annotations

from .models import ChatLink, LinkCode


def personal_data(user_id) -> dict | None:
    if user_id is None:
        return None
    link = ChatLink.get_or_none(ChatLink.user == user_id)
    codes = [{"created_at": c.created_at.isoformat(), "expires_at": c.expires_at.isoformat(),
              "used_at": c.used_at.isoformat() if c.used_at else None}
             for c in LinkCode.select().where(LinkCode.user == user_id).order_by(LinkCode.id)]
    if link is None and not codes:
        return None
    out: dict = {"link_codes": codes}
    if link is not None:
        out["chat"] = {"chat_id": link.chat_id, "chat_name": link.chat_name, "linked_at": link.linked_at.isoformat()}
    return out
