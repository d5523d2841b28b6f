"""SMS gateway providers: how one SMS becomes one HTTP request, and the answer a delivery outcome.

Gateways differ in the shape of their API, not in what they do. A provider is a
class with a ``name``, :meth:`Provider.request` (an :class:`Sms` to an
:class:`~.http.HttpRequest`) and :meth:`Provider.result` (the gateway's
:class:`~.http.HttpResponse` to a :class:`zhurnal.core.notify.channel.DeliveryResult`).
The channel does the rest: the number, the text, the transport, and the answers
every gateway means alike (no answer, 5xx, 429: try again later).

Shipped: ``json`` (a generic JSON API) and ``smsru`` (the form-encoded shape of
sms.ru's ``/sms/send``, which many Russian gateways resemble). Another provider
comes from a package of its own, registered in the entry-point group
``zhurnal.notify_sms.providers``::

    [project.entry-points."zhurnal.notify_sms.providers"]
    mygateway = "my_package.sms:MyGatewayProvider"

and is chosen with ``[plugins.notify_sms] provider = "mygateway"``.
"""
from __future__ import annotations

import importlib.metadata as md
import json
import urllib.parse
from dataclasses import dataclass, field
from typing import ClassVar

from zhurnal.core.notify.channel import DeliveryResult

from .http import HttpRequest, HttpResponse

ENTRY_POINT_GROUP = "zhurnal.notify_sms.providers"


@dataclass(frozen=True)
class Sms:
    """One SMS ready for a gateway.

    :ivar to: the number, ``+7XXXXXXXXXX`` (see :mod:`.phone`)
    :ivar text: the text (already made to fit one segment where possible)
    :ivar key: the message's idempotency key (a gateway that de-duplicates should get it)
    :ivar settings: ``[plugins.notify_sms]`` (``url``, ``token``, ``sender``, ``params``...)
    """
    to: str
    text: str
    key: str
    settings: dict = field(default_factory=dict)

    @property
    def sender(self) -> str:
        return self.settings.get("sender") or ""

    @property
    def params(self) -> dict:
        return dict(self.settings.get("params") or {})


class Provider:
    """Base class of an SMS gateway provider."""
    #: the value of ``[plugins.notify_sms] provider`` that chooses it
    name: ClassVar[str] = ""

    def request(self, sms: Sms) -> HttpRequest:
        raise NotImplementedError

    def result(self, response: HttpResponse, sms: Sms) -> DeliveryResult:
        raise NotImplementedError


def _error_text(response: HttpResponse) -> str:
    body = response.json()
    if isinstance(body, dict):
        err = body.get("error") or body.get("message") or body.get("detail")
        if isinstance(err, dict):
            err = err.get("message") or err.get("code")
        if err:
            return str(err)[:200]
    return response.text()


class JsonProvider(Provider):
    """A generic JSON gateway.

    ``POST <url>`` with ``Authorization: Bearer <token>``, ``Idempotency-Key: <key>`` and
    ``{"to": "+79123456789", "text": "...", "sender": "...", "id": "<key>", **params}``.
    2xx: accepted (``id`` or ``message_id`` of the answer is the gateway's id); 409: the
    gateway already has this id (accepted before); 400/404/422: refused for good (a bad
    number, a text it will not send); 401/403: the gateway refused our token (the
    operator fixes it, messages wait).
    """
    name = "json"

    def request(self, sms: Sms) -> HttpRequest:
        body = {"to": sms.to, "text": sms.text, "sender": sms.sender, "id": sms.key, **sms.params}
        headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json",
                   "Idempotency-Key": sms.key}
        if sms.settings.get("token"):
            headers["Authorization"] = f"Bearer {sms.settings['token']}"
        return HttpRequest("POST", sms.settings["url"], headers, json.dumps(body, ensure_ascii=False).encode("utf-8"))

    def result(self, response: HttpResponse, sms: Sms) -> DeliveryResult:
        body = response.json()
        if 200 <= response.status < 300 or response.status == 409:
            pid = None
            if isinstance(body, dict):
                pid = body.get("id") or body.get("message_id")
            return DeliveryResult.delivered(provider_id=str(pid) if pid is not None else None,
                                            detail="already accepted" if response.status == 409 else "")
        if response.status in (401, 403):
            return DeliveryResult.temporary(f"gateway refused the token ({response.status}): {_error_text(response)}")
        return DeliveryResult.permanent(f"gateway refused the message ({response.status}): {_error_text(response)}")


class SmsRuProvider(Provider):
    """The form-encoded shape of sms.ru's ``/sms/send`` (``api_id``, ``to``, ``msg``, ``from``, ``json=1``).

    The gateway answers HTTP 200 with a JSON status: the request's ``status_code``
    (100: accepted; otherwise the account or request is wrong) and, per number,
    ``sms[<number>].status_code`` (100: accepted with ``sms_id``; 202/207/209:
    the number is wrong, unreachable or stopped — a permanent failure). Account and
    service codes (a wrong ``api_id``, no money, limits, the service down) and HTTP
    401/403 wait for a retry; other refusals are permanent.
    """
    name = "smsru"
    #: per-number codes meaning "this number will never get it"
    BAD_NUMBER = {202, 207, 209}
    #: codes meaning "not now": balance, limits, the service itself
    LATER = {200, 201, 220, 230, 231, 232, 300, 301, 302, 500}

    def request(self, sms: Sms) -> HttpRequest:
        form = {"api_id": sms.settings.get("token") or "", "to": sms.to.lstrip("+"), "msg": sms.text, "json": "1"}
        if sms.sender:
            form["from"] = sms.sender
        form.update(sms.params)
        return HttpRequest("POST", sms.settings["url"],
                           {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                            "Accept": "application/json"},
                           urllib.parse.urlencode(form).encode("ascii"))

    def result(self, response: HttpResponse, sms: Sms) -> DeliveryResult:
        body = response.json()
        if not 200 <= response.status < 300 or not isinstance(body, dict):
            if 400 <= response.status < 500 and response.status not in (401, 403):
                return DeliveryResult.permanent(f"gateway refused the request ({response.status}): {response.text()}")
            return DeliveryResult.temporary(f"unexpected answer ({response.status}): {response.text()}")
        one = (body.get("sms") or {}).get(sms.to.lstrip("+"))
        code = _int(one.get("status_code")) if isinstance(one, dict) else _int(body.get("status_code"))
        text = (one or {}).get("status_text") or body.get("status_text") or ""
        if body.get("status") == "OK" and code == 100:
            # accepted; an answer without the per-number part is taken at its word (a retry could send twice)
            return DeliveryResult.delivered(provider_id=(one or {}).get("sms_id"))
        detail = f"gateway code {code}" + (f": {text}" if text else "")
        if code in self.BAD_NUMBER:
            return DeliveryResult.permanent(detail)
        if code in self.LATER or code is None:
            return DeliveryResult.temporary(detail)
        return DeliveryResult.permanent(detail)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


BUILTIN: dict[str, type[Provider]] = {p.name: p for p in (JsonProvider, SmsRuProvider)}


def available() -> dict[str, type[Provider] | md.EntryPoint]:
    """Every provider by name: the built-in ones and those installed through entry points
    (not imported until chosen)."""
    found: dict[str, type[Provider] | md.EntryPoint] = {}
    for ep in md.entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(ep.name, ep)
    found.update(BUILTIN)
    return found


def get(name: str) -> Provider:
    """An instance of the provider named ``name``.

    :raises LookupError: no such provider, or it fails to import (the message names it)
    """
    found = available().get(name)
    if found is None:
        raise LookupError(f"unknown SMS provider {name!r} (available: {', '.join(sorted(available()))})")
    if isinstance(found, md.EntryPoint):
        try:
            found = found.load()
        except Exception as e:  # a broken provider must fail loudly at start-up
            raise LookupError(f"SMS provider {name!r} failed to import: {type(e).__name__}: {e}") from None
    return found()
