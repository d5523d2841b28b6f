"""Signed single-use links in notifications (e.g. the weekly summary's «Ознакомлен»).

A link carries a payload signed with the deployment's secret (itsdangerous, as
Flask's sessions), an expiry and a random id. :func:`use` checks the signature
and age and records the id in ``core_notify_used_link`` **inside the caller's
transaction**, so the action it authorises and "used" commit together; a second
use finds the id and is refused.
"""
from __future__ import annotations

import secrets

import peewee as pw
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from .models import UsedLink

DEFAULT_MAX_AGE = 14 * 24 * 3600


class LinkError(Exception):
    """The link is forged, expired or already used; ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"zhurnal.link.{purpose}")


def make(purpose: str, payload: dict) -> str:
    """A token for ``payload`` (JSON-serialisable) usable once for ``purpose``."""
    return _serializer(purpose).dumps({**payload, "jti": secrets.token_urlsafe(12)})


def peek(purpose: str, token: str, max_age: int = DEFAULT_MAX_AGE) -> dict:
    """The payload of a valid token, without using it. :raises LinkError:"""
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise LinkError("expired") from None
    except BadSignature:
        raise LinkError("invalid") from None
    if not isinstance(data, dict) or "jti" not in data:
        raise LinkError("invalid")
    if UsedLink.get_or_none(UsedLink.token_id == f"{purpose}:{data['jti']}"[:64]) is not None:
        raise LinkError("used")
    return data


def use(purpose: str, token: str, max_age: int = DEFAULT_MAX_AGE) -> dict:
    """Check ``token`` and mark it used (call inside the transaction of the action). :raises LinkError:"""
    data = peek(purpose, token, max_age)
    try:
        with UsedLink._meta.database.atomic():
            UsedLink.create(token_id=f"{purpose}:{data['jti']}"[:64])
    except pw.IntegrityError:
        raise LinkError("used") from None
    return data
