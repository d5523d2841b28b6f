"""SMS: notifications as text messages through an HTTP gateway, its provider pluggable.

``[plugins.notify_sms]`` names the gateway (``url``, ``token``, ``sender``) and the
``provider`` that speaks its API (see :mod:`.providers`). Without a ``url`` (the
demo) messages go into the local outbox page instead. The kernel's outbox and
worker decide who gets what and retry; this plugin only delivers.
"""
from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, validate

from zhurnal.core import fields
from zhurnal.core.hookspecs import hookimpl

name = "notify_sms"
title = "SMS"
version = "1.0"
depends: tuple[str, ...] = ()
schema_version = 0  # no tables of its own: the kernel's outbox keeps the messages


def _known_provider(value: str) -> None:
    from . import providers
    try:
        providers.get(value)
    except LookupError as e:
        raise ValidationError(str(e)) from None


class SmsSettings(Schema):
    """``[plugins.notify_sms]``; every key can also be ``ZHURNAL_NOTIFY_SMS__<KEY>``."""
    class Meta:
        unknown = RAISE

    #: the gateway's send URL; empty: deliver into the local outbox (demo)
    url = fields.Url(load_default=None, allow_none=True, require_tld=False, schemes={"http", "https"})
    #: the gateway's API token (Bearer for ``json``, ``api_id`` for ``smsru``)
    token = fields.Str(load_default="", validate=validate.Length(max=500))
    #: the sender name registered with the gateway (up to 11 Latin letters or digits), or empty
    sender = fields.Str(load_default="", validate=validate.Regexp(r"^([A-Za-z0-9 .\-]{1,11}|\+?[0-9]{3,15})?$",
                                                                 error="up to 11 Latin letters and digits, or a number"))
    #: how the gateway's API looks: ``json``, ``smsru`` or an installed provider's name
    provider = fields.Str(load_default="json", validate=_known_provider)
    #: extra parameters added to every request (e.g. a route or a test flag)
    params = fields.Dict(keys=fields.Str(), values=fields.Str(), load_default=dict)
    #: write Cyrillic in Latin letters: 160 characters a segment instead of 70
    transliterate = fields.Bool(load_default=False)
    #: how many segments one message may take (each is billed); longer texts are shortened
    max_segments = fields.Int(load_default=1, validate=validate.Range(min=1, max=10))
    #: seconds to wait for the gateway
    timeout = fields.Float(load_default=10.0, validate=validate.Range(min=0.5, max=120))


settings_schema = SmsSettings


@hookimpl
def zhurnal_notification_channels():
    from .channel import SmsChannel
    return [SmsChannel]
