"""Tables of paper export: printed extracts and their handover, batches, schedules, login
slips issued, and archived journals."""
from __future__ import annotations

import peewee as pw

from zhurnal.core.db import BaseModel, utcnow
from zhurnal.core.identity.models import School, User
from zhurnal.plugins.roster.models import Guardian, SchoolClass, Student


class Batch(BaseModel):
    """A PDF made in the background: a class's extracts or its journal archive."""
    school = pw.ForeignKeyField(School, on_delete="CASCADE")
    school_class = pw.ForeignKeyField(SchoolClass, null=True, on_delete="CASCADE", column_name="class_id",
                                      object_id_name="school_class_id")
    kind = pw.CharField(max_length=16, default="extracts")  # extracts | archive
    date_from = pw.DateField()
    date_to = pw.DateField()
    #: student ids, comma-separated (empty: the whole class)
    student_ids = pw.TextField(default="")
    with_homework = pw.BooleanField(default=False)
    tear_off = pw.BooleanField(default=False)
    #: "paper" (the paper-delivery list), "chosen" (the class teacher's choice) or "class"
    selection = pw.CharField(max_length=8, default="class")
    status = pw.CharField(max_length=8, default="queued")  # queued | running | done | failed
    done = pw.IntegerField(default=0)
    total = pw.IntegerField(default=0)
    pages = pw.IntegerField(default=0)
    pdf = pw.BlobField(null=True)
    error = pw.CharField(max_length=300, default="")
    created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = pw.DateTimeField(default=utcnow)
    finished_at = pw.DateTimeField(null=True)
    #: made by a schedule (shown as a notice on the class teacher's page until opened)
    schedule = pw.IntegerField(null=True)
    seen_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "paper_export_batch"
        indexes = ((("school_class", "created_at"), False),)

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else (100 if self.status == "done" else 0)


class Handover(BaseModel):
    """One printed extract: who printed it for whom, when, and whether it was handed over («выдано»)."""
    school = pw.ForeignKeyField(School, on_delete="CASCADE")
    student = pw.ForeignKeyField(Student, on_delete="CASCADE")
    school_class = pw.ForeignKeyField(SchoolClass, null=True, on_delete="SET NULL", column_name="class_id",
                                      object_id_name="school_class_id")
    date_from = pw.DateField()
    date_to = pw.DateField()
    printed_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    printed_at = pw.DateTimeField(default=utcnow)
    batch = pw.ForeignKeyField(Batch, null=True, on_delete="SET NULL")
    #: api | cli | batch | schedule, or family (a guardian's own download: not in the handover register)
    via = pw.CharField(max_length=8, default="api")
    handed_on = pw.DateField(null=True)
    handed_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    #: who received it (the guardian), when known
    guardian = pw.ForeignKeyField(Guardian, null=True, on_delete="SET NULL")
    #: the tear-off slip with the parent's signature came back
    signed_slip = pw.BooleanField(default=False)

    class Meta:
        table_name = "paper_export_handover"
        indexes = ((("school_class", "printed_at"), False), (("student", "date_from"), False))


class Schedule(BaseModel):
    """"Every N days for the paper list": a batch made for the class teacher."""
    school = pw.ForeignKeyField(School, on_delete="CASCADE")
    school_class = pw.ForeignKeyField(SchoolClass, on_delete="CASCADE", column_name="class_id",
                                      object_id_name="school_class_id", unique=True)
    every_days = pw.SmallIntegerField(default=14)
    #: "paper" (the paper-delivery list) or "class"
    selection = pw.CharField(max_length=8, default="paper")
    next_on = pw.DateField()
    created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    active = pw.BooleanField(default=True)

    class Meta:
        table_name = "paper_export_schedule"


class SlipIssue(BaseModel):
    """A login slip issued: for whom, by whom, when; ticked when handed over."""
    school = pw.ForeignKeyField(School, on_delete="CASCADE")
    user = pw.ForeignKeyField(User, on_delete="CASCADE", backref="+")
    person_kind = pw.CharField(max_length=8)  # student | guardian
    person_id = pw.IntegerField()
    school_class = pw.ForeignKeyField(SchoolClass, null=True, on_delete="SET NULL", column_name="class_id",
                                      object_id_name="school_class_id")
    issued_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    issued_at = pw.DateTimeField(default=utcnow)
    expires_at = pw.DateTimeField()
    reissued = pw.BooleanField(default=False)
    handed_on = pw.DateField(null=True)
    handed_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")

    class Meta:
        table_name = "paper_export_slip"
        indexes = ((("school_class", "issued_at"), False), (("user",), False))


class Archive(BaseModel):
    """A printed journal of a class: the checksum of its data, to match a paper copy later."""
    uid = pw.CharField(max_length=32, unique=True)
    school = pw.ForeignKeyField(School, on_delete="CASCADE")
    school_class = pw.ForeignKeyField(SchoolClass, on_delete="CASCADE", column_name="class_id",
                                      object_id_name="school_class_id")
    date_from = pw.DateField()
    date_to = pw.DateField()
    checksum = pw.CharField(max_length=64)
    created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = pw.DateTimeField(default=utcnow)
    batch = pw.ForeignKeyField(Batch, null=True, on_delete="SET NULL")

    class Meta:
        table_name = "paper_export_archive"


MODELS = [Batch, Handover, Schedule, SlipIssue, Archive]
