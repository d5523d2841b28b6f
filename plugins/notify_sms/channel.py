"""The SMS channel: one message, one HTTP request to the configured gateway."""
from __future__ import annotations

import logging

from zhurnal.core.notify.channel import Channel, DeliveryResult, Message, deliver_locally
from zhurnal.core.notify.text import fit_sms

from . import phone, providers
from .http import HttpResponse, exchange

log = logging.getLogger("zhurnal.notify_sms")


def _retry_after(response: HttpResponse) -> int | None:
    value = response.header("Retry-After")
    try:
        return max(1, int(value)) if value else None
    except ValueError:  # an HTTP date: let the worker's backoff decide
        return None


class SmsChannel(Channel):
    """SMS through an HTTP gateway (``[plugins.notify_sms]``); into the local outbox without one."""
    code = "sms"
    title = "SMS"
    address_kind = "phone"
    text_format = "short"

    def __init__(self, settings: dict | None = None, app=None) -> None:
        super().__init__(settings, app)
        self.provider = providers.get(self.settings.get("provider") or "json")

    def configured(self) -> bool:
        return bool(self.settings.get("url"))

    def validate_address(self, address: str) -> str | None:
        return phone.problem(address)

    # addresses: the kernel's batch look-up of phones, normalised by the kernel's
    # normalise_phone (Channel.normalise_address for address_kind "phone")

    def text_of(self, message: Message) -> str:
        """The SMS text fitted to ``max_segments`` segments where possible (transliterated first
        if the deployment asks); the kernel hands over the full short text."""
        text = message.short_text or message.text
        return fit_sms(text, transliterate_text=bool(self.settings.get("transliterate")),
                       max_segments=int(self.settings.get("max_segments") or 1))

    def send(self, message: Message) -> DeliveryResult:
        number = phone.normalise(message.address)
        if number is None:
            return DeliveryResult.permanent(f"not a phone number: {message.address!r}")
        text = self.text_of(message)
        if not self.configured():
            return deliver_locally(_with(message, address=number, short_text=text), short=True)
        sms = providers.Sms(to=number, text=text, key=message.idempotency_key, settings=self.settings)
        try:
            req = self.provider.request(sms)
            response = exchange(req, timeout=float(self.settings.get("timeout") or 10))
        except OSError as e:  # refused, reset, timed out, DNS
            return DeliveryResult.temporary(f"gateway unreachable: {getattr(e, 'reason', e)}")
        if response.status >= 500 or response.status == 429:
            return DeliveryResult.temporary(f"gateway answered {response.status}: {response.text(120)}",
                                            retry_after=_retry_after(response))
        result = self.provider.result(response, sms)
        if result.status != "delivered":
            log.info("sms %s to %s: %s %s", message.idempotency_key, number, result.status, result.detail)
        return result


def _with(message: Message, **changes) -> Message:
    import dataclasses
    return dataclasses.replace(message, **changes)
