"""Consent registry tables: versioned consent texts and append-only consent records.

Public: other plugins listing ``consent`` in ``depends`` may import these models
and :mod:`zhurnal.plugins.consent.service`.

Consent is registered **per guardian and per child**: a guardian with two
children may consent for one and not for the other, and a child's data is
delivered to a guardian only under that guardian's consent for that child. A
record never changes: a withdrawal, a renewed consent or a correction is a new
record, and the current status of (guardian, child) is its latest record.
:class:`ConsentRecord` refuses updates and deletions through the ORM, and a
database trigger refuses any UPDATE of ``consent_record`` (rows go only when their
guardian, child or school is deleted); only :mod:`zhurnal.plugins.consent.service` inserts.
"""
from __future__ import annotations

import peewee as pw

from zhurnal.core.db import BaseModel, is_postgres, utcnow
from zhurnal.core.i18n import N_
from zhurnal.core.identity.models import School, User
from zhurnal.plugins.roster.models import Guardian, Student

#: the statuses a record may carry; "none" (nothing registered) is the absence of a record
STATUSES = ("granted", "refused", "withdrawn")
#: every status shown in lists and filters
ALL_STATUSES = STATUSES + ("none",)
STATUS_LABELS = {"granted": N_("consented"), "refused": N_("refused"), "withdrawn": N_("withdrawn"),
                 "none": N_("nothing registered"), "mixed": N_("differs between children")}

#: how a record was registered
CHANNELS = ("web", "api", "demo")


class ImmutableRecord(Exception):
    """Consent records are append-only: a change is a new record."""


class ConsentText(BaseModel):
    """One version of the consent form of a school (printed, signed by the guardian)."""
    school = pw.ForeignKeyField(School, on_delete="CASCADE")
    version = pw.IntegerField()
    title = pw.CharField(max_length=300)
    body = pw.TextField()
    valid_from = pw.DateField()
    created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "consent_text"
        indexes = ((("school", "version"), True),)


class ConsentRecord(BaseModel):
    """A guardian's consent, refusal or withdrawal for one child, as registered from a signed paper."""
    school = pw.ForeignKeyField(School, on_delete="CASCADE")
    guardian = pw.ForeignKeyField(Guardian, on_delete="CASCADE")
    student = pw.ForeignKeyField(Student, on_delete="CASCADE")
    status = pw.CharField(max_length=16)
    #: the date on the signed paper
    date = pw.DateField()
    #: the form's number and where the signed paper is kept
    document_number = pw.CharField(max_length=50)
    document_kept_at = pw.CharField(max_length=200, default="")
    text = pw.ForeignKeyField(ConsentText, on_delete="CASCADE")
    registered_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    registered_at = pw.DateTimeField(default=utcnow)
    via = pw.CharField(max_length=8, default="web")

    class Meta:
        table_name = "consent_record"
        # the current status of (guardian, child) is its latest record: one index seek
        indexes = ((("guardian", "student", "id"), False), (("student", "id"), False))

    def save(self, *args, **kwargs):
        if self._pk is not None and not kwargs.get("force_insert"):
            raise ImmutableRecord("a consent record is never changed; register a new one")
        return super().save(*args, **kwargs)

    def delete_instance(self, *args, **kwargs):
        raise ImmutableRecord("a consent record is never deleted; register a new one")

    @classmethod
    def create_table(cls, safe=True, **options):
        """The table, and a trigger refusing every UPDATE of it (whoever runs the SQL)."""
        super().create_table(safe=safe, **options)
        db = cls._meta.database
        if is_postgres():
            db.execute_sql(
                "CREATE OR REPLACE FUNCTION consent_record_frozen() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'consent records are append-only'; END; $$ LANGUAGE plpgsql")
            db.execute_sql("DROP TRIGGER IF EXISTS consent_record_no_update ON consent_record")
            db.execute_sql("CREATE TRIGGER consent_record_no_update BEFORE UPDATE ON consent_record "
                           "FOR EACH ROW EXECUTE FUNCTION consent_record_frozen()")
        else:
            db.execute_sql("CREATE TRIGGER IF NOT EXISTS consent_record_no_update BEFORE UPDATE ON consent_record "
                           "BEGIN SELECT RAISE(ABORT, 'consent records are append-only'); END")

    @classmethod
    def update(cls, *args, **kwargs):
        raise ImmutableRecord("a consent record is never changed; register a new one")

    @classmethod
    def delete(cls, *args, **kwargs):
        raise ImmutableRecord("a consent record is never deleted; register a new one")


MODELS = [ConsentText, ConsentRecord]
