"""E-mail notifications: an SMTP channel for the kernel's notification outbox.

Settings ``[plugins.notify_email]``: ``host``, ``port``, ``sender``, ``security``
(``none`` | ``starttls`` | ``tls``), ``username``, ``password``, ``timeout``, ``cafile``.
With no ``host`` (the demo), messages are delivered into the local outbox,
which the recipient (and the administrator) can open as the "Outbox" page.
"""
from __future__ import annotations

from marshmallow import Schema, ValidationError, validate, validates_schema

from zhurnal.core import fields
from zhurnal.core.hookspecs import hookimpl

name = "notify_email"
title = "Уведомления по электронной почте"
version = "1.0"
depends: tuple[str, ...] = ()
schema_version = 0


class EmailSettings(Schema):
    """``[plugins.notify_email]``."""
    host = fields.Str(load_default="")
    port = fields.Int(load_default=None, allow_none=True, validate=validate.Range(min=1, max=65535))
    sender = fields.Str(load_default="journal@school.example", validate=validate.Regexp(
        r"^[^@\s]+@[^@\s]+$", error="must be an e-mail address"))
    security = fields.Str(load_default="starttls", validate=validate.OneOf(["none", "starttls", "tls"]))
    username = fields.Str(load_default="")
    password = fields.Str(load_default="")
    #: seconds to wait for the server
    timeout = fields.Float(load_default=30.0, validate=validate.Range(min=0.1, max=600))
    #: a CA bundle to trust besides the system's (a school's own mail server certificate)
    cafile = fields.Str(load_default="")

    @validates_schema
    def _login_pair(self, data, **kwargs):
        if bool(data.get("username")) != bool(data.get("password")):
            raise ValidationError("username and password go together", "password")


settings_schema = EmailSettings


@hookimpl
def zhurnal_notification_channels():
    from .channel import EmailChannel
    return [EmailChannel]
