"""The kernel's notification tables: the outbox, deliveries, preferences, the local outbox."""
from __future__ import annotations

import peewee as pw

from ..db import BaseModel, utcnow
from ..identity.models import School, User

#: delivery states. queued -> sending (leased by a worker) -> sent | queued (temporary
#: failure, retried later) | failed (permanent, or out of tries) | cancelled (consent or
#: access gone, or the event was withdrawn before sending)
QUEUED, SENDING, SENT, FAILED, CANCELLED = "queued", "sending", "sent", "failed", "cancelled"


class Notification(BaseModel):
    """One event worth telling someone about, written in the event's own transaction."""
    #: unique: the same event is never queued twice (e.g. ``journal.mark:42:3``)
    key = pw.CharField(max_length=200, unique=True)
    event = pw.CharField(max_length=40)
    school = pw.ForeignKeyField(School, null=True, on_delete="CASCADE")
    #: the student whose data it carries (consent is checked for them); None: not personal data
    student_id = pw.IntegerField(null=True)
    #: JSON: what the templates need
    data = pw.TextField(default="{}")
    created_at = pw.DateTimeField(default=utcnow)
    #: when the worker expanded it into deliveries (None: not yet)
    fanned_at = pw.DateTimeField(null=True, index=True)

    class Meta:
        table_name = "core_notify_notification"


class Delivery(BaseModel):
    """One notification to one user through one channel."""
    notification = pw.ForeignKeyField(Notification, backref="deliveries", on_delete="CASCADE")
    user = pw.ForeignKeyField(User, null=True, on_delete="CASCADE")
    channel = pw.CharField(max_length=40)
    address = pw.CharField(max_length=300, default="")
    #: unique per message and channel: ``<notification key>:<channel>:<user id>``
    idempotency_key = pw.CharField(max_length=300, unique=True)
    status = pw.CharField(max_length=12, default=QUEUED)
    #: instant, or gathered into the daily digest
    digest = pw.BooleanField(default=False)
    attempts = pw.IntegerField(default=0)
    #: not before this time (quiet hours, the absence hour, retry backoff)
    due_at = pw.DateTimeField(default=utcnow)
    #: a worker holds the row until then (see core.notify.worker)
    lease_until = pw.DateTimeField(null=True)
    leased_by = pw.CharField(max_length=64, default="")
    last_error = pw.CharField(max_length=500, default="")
    provider_id = pw.CharField(max_length=200, default="")
    sent_at = pw.DateTimeField(null=True)
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "core_notify_delivery"
        indexes = ((("status", "due_at"), False), (("user", "created_at"), False))


class Preference(BaseModel):
    """A user's choice for one event and one channel: ``instant``, ``digest`` or ``off``."""
    user = pw.ForeignKeyField(User, on_delete="CASCADE")
    event = pw.CharField(max_length=40)
    channel = pw.CharField(max_length=40)
    mode = pw.CharField(max_length=8)

    class Meta:
        table_name = "core_notify_preference"
        indexes = ((("user", "event", "channel"), True),)


class QuietHours(BaseModel):
    """A user's quiet hours (local school time, minutes after midnight); may span midnight."""
    user = pw.ForeignKeyField(User, primary_key=True, on_delete="CASCADE")
    start_minute = pw.IntegerField(null=True)
    end_minute = pw.IntegerField(null=True)
    #: the hour (0-23) the daily digest goes out
    digest_hour = pw.IntegerField(default=18)

    class Meta:
        table_name = "core_notify_quiet"


class SchoolSettings(BaseModel):
    """A school's own notification settings (absent: the deployment's ``[notify]``)."""
    school = pw.ForeignKeyField(School, primary_key=True, on_delete="CASCADE")
    #: students (not only guardians) receive notifications
    students = pw.BooleanField(default=False)
    updated_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "core_notify_school"


class LocalMessage(BaseModel):
    """A message a channel without a server delivered here (the "Outbox" page)."""
    idempotency_key = pw.CharField(max_length=300, unique=True)
    channel = pw.CharField(max_length=40)
    address = pw.CharField(max_length=300, default="")
    user = pw.ForeignKeyField(User, null=True, on_delete="CASCADE")
    school = pw.ForeignKeyField(School, null=True, on_delete="CASCADE")
    subject = pw.CharField(max_length=300, default="")
    text = pw.TextField(default="")
    html = pw.TextField(null=True)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "core_notify_local"


class UsedLink(BaseModel):
    """A signed single-use link (e.g. the weekly summary's «Ознакомлен») that was used."""
    token_id = pw.CharField(max_length=64, primary_key=True)
    used_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "core_notify_used_link"


#: the version of the notify tables (recorded as ``core.notify`` in core_schema)
SCHEMA_VERSION = 1

MODELS = [Notification, Delivery, Preference, QuietHours, SchoolSettings, LocalMessage, UsedLink]
