"""The pager channel: one JSON POST per message."""
from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request

from zhurnal.core.i18n import N_
from zhurnal.core.notify.address import normalise_phone
from zhurnal.core.notify.channel import Channel, DeliveryResult, Message, deliver_locally


class PagerChannel(Channel):
    code = "pager"
    #: shown on the preferences page, translated there (translations/ru/LC_MESSAGES/messages.po: «Пейджер»)
    title = N_("Pager")
    #: a pager is reached by the number the school keeps as the user's phone
    address_kind = "phone"
    #: pagers show short texts: the kernel hands over Message.short_text (as text too), uncut
    text_format = "short"
    #: a pager screen shows this many characters; longer texts are shortened here
    max_chars = 240

    def configured(self) -> bool:
        return bool(self.settings.get("url"))

    def send(self, message: Message) -> DeliveryResult:
        if not self.configured():
            return deliver_locally(message, short=True)
        number = normalise_phone(message.address)
        if number is None:
            return DeliveryResult.permanent(f"not a phone number: {message.address!r}")
        body = json.dumps({"to": number, "text": _fit(message.short_text or message.text, self.max_chars),
                           "key": message.idempotency_key}, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8",
                   "Idempotency-Key": message.idempotency_key}
        if self.settings.get("token"):
            headers["Authorization"] = f"Bearer {self.settings['token']}"
        request = urllib.request.Request(self.settings["url"], data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.settings.get("timeout") or 10) as response:
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as e:
            reason = e.read().decode("utf-8", "replace")[:200]
            e.close()
            if e.code in (400, 404, 410, 422):
                return DeliveryResult.permanent(f"pager gateway refused {number}: {e.code} {reason}")
            return DeliveryResult.temporary(f"pager gateway answered {e.code}",
                                            retry_after=_seconds(e.headers.get("Retry-After")))
        except (OSError, ValueError, http.client.HTTPException) as e:  # unreachable, timed out, garbled: later
            return DeliveryResult.temporary(f"pager gateway: {getattr(e, 'reason', e)}")
        return DeliveryResult.delivered(provider_id=str(answer.get("page_id") or "") or None)


def _seconds(value) -> int | None:
    try:
        return max(1, int(value)) if value else None
    except ValueError:
        return None


def _fit(text: str, limit: int) -> str:
    """The pager's own limit: cut at a word boundary with an ellipsis."""
    if len(text) <= limit:
        return text
    head = text[:limit - 1]
    head = head.rsplit(" ", 1)[0] if " " in head[limit // 2:] else head
    return head.rstrip(" ,.;:-") + "…"
