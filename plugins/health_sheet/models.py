"""Health sheet tables: the current sheet of each student, every version of it, medical certificates.

Health data is a special category of personal data (152-FZ): only
:mod:`zhurnal.plugins.health_sheet.service` writes these tables, and every read through
the pages and the API is recorded in the audit log.
"""
from __future__ import annotations

import peewee as pw

from zhurnal.core.db import BaseModel, IdNeverReused, utcnow
from zhurnal.core.i18n import N_
from zhurnal.core.identity.models import School, User
from zhurnal.plugins.roster.models import Student

#: health groups I-V (stored as 1-5)
HEALTH_GROUPS = (1, 2, 3, 4, 5)
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V"}

#: physical-education groups; labels are translated where shown
PE_GROUPS = ("main", "preparatory", "special", "exempt")
PE_GROUP_LABELS = {"main": N_("main"), "preparatory": N_("preparatory"), "special": N_("special"),
                   "exempt": N_("exempt")}

#: who entered the data: the nurse herself, or a class teacher from the nurse's data
SOURCE_LABELS = {"nurse": N_("nurse"), "nurse_data": N_("class teacher, from the nurse's data")}

#: how a version was written
CHANNELS = ("web", "api", "import", "demo")

#: why a certificate was issued: deliberately coarse, no diagnosis
REASONS = ("illness", "injury", "sanatorium", "other")
REASON_LABELS = {"illness": N_("illness"), "injury": N_("injury"), "sanatorium": N_("sanatorium treatment"),
                 "other": N_("other")}

#: the fields of a sheet that are versioned
SHEET_FIELDS = ("health_group", "pe_group", "pe_valid_from", "pe_valid_to", "pe_limits", "recommendations",
                "allergies", "notes")
#: the part a PE teacher may see
PE_FIELDS = ("pe_group", "pe_valid_from", "pe_valid_to", "pe_limits")


class HealthRecord(BaseModel):
    """The current health sheet of one student. Every save also appends a :class:`HealthVersion`."""
    id = IdNeverReused()
    school = pw.ForeignKeyField(School, on_delete="CASCADE")
    student = pw.ForeignKeyField(Student, unique=True, on_delete="CASCADE")
    health_group = pw.SmallIntegerField(null=True)
    pe_group = pw.CharField(max_length=16, null=True)
    #: the period the PE group is valid for (open ends allowed)
    pe_valid_from = pw.DateField(null=True)
    pe_valid_to = pw.DateField(null=True)
    #: limits on exercise in PE lessons (what the PE teacher sees)
    pe_limits = pw.TextField(default="")
    #: recommendations for lessons in general (e.g. a seat near the board)
    recommendations = pw.TextField(default="")
    allergies = pw.TextField(default="")
    notes = pw.TextField(default="")
    source = pw.CharField(max_length=16)
    entered_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    updated_at = pw.DateTimeField(default=utcnow)
    #: optimistic lock: bumped on every change; a stale edit is refused
    version = pw.IntegerField(default=1)

    class Meta:
        table_name = "health_sheet_record"


class HealthVersion(BaseModel):
    """One saved state of a student's sheet (append-only)."""
    id = IdNeverReused()
    record = pw.ForeignKeyField(HealthRecord, backref="versions", on_delete="CASCADE")
    student = pw.ForeignKeyField(Student, on_delete="CASCADE")
    version = pw.IntegerField()
    health_group = pw.SmallIntegerField(null=True)
    pe_group = pw.CharField(max_length=16, null=True)
    pe_valid_from = pw.DateField(null=True)
    pe_valid_to = pw.DateField(null=True)
    pe_limits = pw.TextField(default="")
    recommendations = pw.TextField(default="")
    allergies = pw.TextField(default="")
    notes = pw.TextField(default="")
    source = pw.CharField(max_length=16)
    via = pw.CharField(max_length=16, default="web")
    entered_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    entered_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "health_sheet_version"
        indexes = ((("record", "version"), True), (("student",), False))


class MedicalCertificate(BaseModel):
    """A medical certificate (справка) for days the student missed; removed ones are kept."""
    school = pw.ForeignKeyField(School, on_delete="CASCADE")
    student = pw.ForeignKeyField(Student, on_delete="CASCADE")
    date_from = pw.DateField()
    date_to = pw.DateField()
    issued_by = pw.CharField(max_length=200)
    number = pw.CharField(max_length=50, default="")
    reason = pw.CharField(max_length=16, default="illness")
    source = pw.CharField(max_length=16)
    created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = pw.DateTimeField(default=utcnow)
    removed_at = pw.DateTimeField(null=True)
    removed_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")

    class Meta:
        table_name = "health_sheet_certificate"
        indexes = ((("student", "date_from"), False), (("school", "date_to"), False))

    @property
    def active(self) -> bool:
        return self.removed_at is None



MODELS = [HealthRecord, HealthVersion, MedicalCertificate]
