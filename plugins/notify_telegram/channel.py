"""The Telegram channel: a message to the chat its recipient linked (``sendMessage``)."""
from __future__ import annotations

import dataclasses

from zhurnal.core.notify.channel import Channel, DeliveryResult, Message, deliver_locally

#: Telegram's limit for one message's text
MAX_TEXT = 4096
#: descriptions of 400/403 answers that mean "this chat will never get it"
_GONE = ("chat not found", "bot was blocked", "user is deactivated", "bot was kicked", "bot can't initiate",
         "chat_id is empty", "peer_id_invalid")


class TelegramChannel(Channel):
    """Telegram through the Bot API (``[plugins.notify_telegram]``); the address is a linked chat."""
    code = "telegram"
    title = "Telegram"
    address_kind = "telegram"
    text_format = "plain"  # subject and full text, no HTML: a chat has room for it
    #: users link their chat themselves, on this page (linked from the preferences page)
    address_page = "notify_telegram.index"

    def configured(self) -> bool:
        return bool(self.settings.get("token"))

    def addresses_for(self, users: list) -> dict[int, str | None]:
        """The linked chats of a whole fan-out in one query (``address_for`` asks this too)."""
        from .models import ChatLink
        ids = [u.id for u in users]
        found = dict(ChatLink.select(ChatLink.user, ChatLink.chat_id).where(ChatLink.user.in_(ids)).tuples()) if ids else {}
        return {u.id: str(found[u.id]) if u.id in found else None for u in users}

    def address_label(self, address: str) -> str:
        """The chat as its owner knows it (``@username``), not its number."""
        from .models import ChatLink
        try:
            link = ChatLink.get_or_none(ChatLink.chat_id == int(address))
        except ValueError:
            return address
        return link.chat_name if link is not None and link.chat_name else address

    def validate_address(self, address: str) -> str | None:
        try:
            int(address)
        except (TypeError, ValueError):
            return "not a Telegram chat id"
        return None

    def text_of(self, message: Message) -> str:
        """The subject on the first line, then the full text (a chat has room for it)."""
        body = message.text or message.short_text
        if message.subject and not body.startswith(message.subject):
            body = f"{message.subject}\n\n{body}"
        if message.link and message.link not in body:
            body = f"{body}\n\n{message.link}"
        return body if len(body) <= MAX_TEXT else body[:MAX_TEXT - 1] + "…"

    def send(self, message: Message) -> DeliveryResult:
        problem = self.validate_address(message.address)
        if problem:
            return DeliveryResult.permanent(f"{problem}: {message.address!r}")
        text = self.text_of(message)
        if not self.configured():
            return deliver_locally(dataclasses.replace(message, short_text=text), short=True)
        from .botapi import BotApi
        api = BotApi(self.settings["api_url"], self.settings["token"], timeout=self.settings.get("timeout") or 10)
        try:
            answer = api.send_message(int(message.address), text)
        except OSError as e:
            return DeliveryResult.temporary(f"Bot API unreachable: {getattr(e, 'reason', e)}")
        if answer.ok:
            mid = (answer.result or {}).get("message_id") if isinstance(answer.result, dict) else None
            return DeliveryResult.delivered(provider_id=str(mid) if mid is not None else None)
        detail = f"Bot API {answer.status}: {answer.description}"
        if answer.status == 429 or answer.status >= 500 or answer.status == 401:
            return DeliveryResult.temporary(detail, retry_after=answer.retry_after)
        if answer.status in (400, 403) and any(g in answer.description.lower() for g in _GONE):
            if answer.status == 403:  # blocked or deleted: the link is dead, stop queueing for it
                from .service import unlink_chat
                unlink_chat(int(message.address), via="blocked")
            return DeliveryResult.permanent(detail)
        if 400 <= answer.status < 500:
            return DeliveryResult.permanent(detail)
        return DeliveryResult.temporary(detail)
