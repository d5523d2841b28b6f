"""Pager: an example vendor channel that posts each notification as JSON to a paging gateway.

The whole plugin is its settings schema and one hook returning the channel class
(:mod:`zhurnal_pager.channel`). The kernel does the rest: who gets what, consent,
retries, idempotency, the delivery log.
"""
from __future__ import annotations

from zhurnal.core.hookspecs import hookimpl

name = "pager"
title = "Pager"
version = "1.0"
depends: tuple[str, ...] = ()
schema_version = 0  # no tables of its own


def _settings_schema():
    from marshmallow import RAISE, Schema, fields, validate

    class PagerSettings(Schema):
        """``[plugins.pager]`` in zhurnal.toml, or ``ZHURNAL_PAGER__URL`` / ``ZHURNAL_PAGER__TOKEN``."""
        class Meta:
            unknown = RAISE

        #: the paging gateway's URL; empty: messages go into the local outbox
        url = fields.Url(load_default=None, allow_none=True, require_tld=False, schemes={"http", "https"})
        #: sent as ``Authorization: Bearer <token>`` when set
        token = fields.Str(load_default="")
        #: seconds to wait for the gateway
        timeout = fields.Float(load_default=10.0, validate=validate.Range(min=0.5, max=60))

    return PagerSettings


settings_schema = _settings_schema()


@hookimpl
def zhurnal_notification_channels():
    from .channel import PagerChannel
    return [PagerChannel]
