"""Journal tables: timetable, lessons, marks, attendance, term marks, remarks.

Public: plugins that declare ``depends = (..., "journal")`` may read these
models and call :mod:`zhurnal.plugins.journal.service`; only the service writes.
"""
from __future__ import annotations

import peewee as pw

from zhurnal.core.db import BaseModel, IdNeverReused, utcnow
from zhurnal.core.identity.models import School, User
from zhurnal.plugins.roster.models import AcademicYear, Period, SchoolClass, Student, StudyGroup, Subject


class BellTime(BaseModel):
    """When lesson ``number`` starts and ends in a school."""
    school = pw.ForeignKeyField(School, on_delete="CASCADE")
    number = pw.SmallIntegerField()
    start = pw.TimeField()
    end = pw.TimeField()

    class Meta:
        table_name = "journal_bell"
        indexes = ((("school", "number"), True),)


class TimetableEntry(BaseModel):
    """A weekly slot: on ``weekday`` (1 = Monday) lesson ``number`` of ``subject``
    for a class or a study group, by ``teacher``, in ``room``."""
    school = pw.ForeignKeyField(School, on_delete="CASCADE")
    year = pw.ForeignKeyField(AcademicYear, on_delete="CASCADE")
    weekday = pw.SmallIntegerField()
    number = pw.SmallIntegerField()
    subject = pw.ForeignKeyField(Subject, on_delete="CASCADE")
    teacher = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    school_class = pw.ForeignKeyField(SchoolClass, null=True, on_delete="CASCADE", column_name="class_id",
                                      object_id_name="school_class_id")
    group = pw.ForeignKeyField(StudyGroup, null=True, on_delete="CASCADE")
    room = pw.CharField(max_length=20, default="")
    valid_from = pw.DateField(null=True)
    valid_to = pw.DateField(null=True)

    class Meta:
        table_name = "journal_timetable"
        indexes = ((("year", "weekday", "number"), False),)


CHANGE_KINDS = ("substitution", "cancelled", "room")


class TimetableChange(BaseModel):
    """A change for one day: another teacher (substitution), a cancelled lesson, another room."""
    entry = pw.ForeignKeyField(TimetableEntry, on_delete="CASCADE", backref="changes")
    date = pw.DateField()
    kind = pw.CharField(max_length=16)
    teacher = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    room = pw.CharField(max_length=20, default="")
    note = pw.CharField(max_length=200, default="")

    class Meta:
        table_name = "journal_timetable_change"
        indexes = ((("entry", "date"), True),)


class Lesson(BaseModel):
    """One lesson held (or to be held) on ``date`` for a class or a study group
    (a split of a class, a stream, or an individual-plan group)."""
    id = IdNeverReused()
    school = pw.ForeignKeyField(School, on_delete="CASCADE")
    period = pw.ForeignKeyField(Period, on_delete="CASCADE")
    date = pw.DateField()
    number = pw.SmallIntegerField(default=0)
    subject = pw.ForeignKeyField(Subject, on_delete="CASCADE")
    teacher = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    school_class = pw.ForeignKeyField(SchoolClass, null=True, on_delete="CASCADE", column_name="class_id",
                                      object_id_name="school_class_id")
    group = pw.ForeignKeyField(StudyGroup, null=True, on_delete="CASCADE")
    topic = pw.CharField(max_length=300, default="")
    homework = pw.TextField(default="")
    #: JSON list of {"title", "url"}
    homework_links = pw.TextField(default="[]")
    homework_due = pw.DateField(null=True)
    #: a control / test work is planned for this lesson; ``control_title`` names it
    is_control = pw.BooleanField(default=False)
    control_title = pw.CharField(max_length=200, default="")
    cancelled = pw.BooleanField(default=False)
    timetable_entry = pw.ForeignKeyField(TimetableEntry, null=True, on_delete="SET NULL")
    version = pw.IntegerField(default=1)
    updated_at = pw.DateTimeField(default=utcnow)
    #: when the teacher said attendance was taken (everyone not marked absent or late was there)
    attendance_taken_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "journal_lesson"
        indexes = (
            (("school_class", "subject", "date"), False),
            (("group", "date"), False),
            (("teacher", "date"), False),
            (("school", "date"), False),
        )


class MarkScale(BaseModel):
    """A marking scale of a school: ``values`` is a JSON list of allowed marks,
    ``numeric`` a JSON map mark -> number for averages (absent: not averaged)."""
    school = pw.ForeignKeyField(School, on_delete="CASCADE")
    code = pw.CharField(max_length=20)
    name = pw.CharField(max_length=60)
    values = pw.TextField()
    numeric = pw.TextField(default="{}")
    is_default = pw.BooleanField(default=False)

    class Meta:
        table_name = "journal_scale"
        indexes = ((("school", "code"), True),)


class SubjectScale(BaseModel):
    """A subject marked on a scale other than the school's default."""
    subject = pw.ForeignKeyField(Subject, on_delete="CASCADE", unique=True)
    scale = pw.ForeignKeyField(MarkScale, on_delete="CASCADE")

    class Meta:
        table_name = "journal_subject_scale"


class WorkKind(BaseModel):
    """A kind of work marked (answer in class, homework, control work, ...) and its weight."""
    school = pw.ForeignKeyField(School, on_delete="CASCADE")
    code = pw.CharField(max_length=20)
    name = pw.CharField(max_length=60)
    weight = pw.FloatField(default=1.0)

    class Meta:
        table_name = "journal_work_kind"
        indexes = ((("school", "code"), True),)


class Mark(BaseModel):
    id = IdNeverReused()
    lesson = pw.ForeignKeyField(Lesson, on_delete="CASCADE", backref="marks")
    student = pw.ForeignKeyField(Student, on_delete="CASCADE")
    value = pw.CharField(max_length=8)
    #: the value as a number for averages (None for marks that are not averaged, e.g. "зач")
    numeric = pw.FloatField(null=True)
    kind = pw.ForeignKeyField(WorkKind, on_delete="RESTRICT")
    weight = pw.FloatField(default=1.0)
    comment = pw.CharField(max_length=300, default="")
    teacher = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)
    version = pw.IntegerField(default=1)

    class Meta:
        table_name = "journal_mark"
        indexes = ((("student", "lesson"), False), (("lesson",), False), (("student", "updated_at"), False))


ATTENDANCE = ("absent", "late", "valid", "ill")


class Attendance(BaseModel):
    """A student missed or was late to a lesson. No row: present."""
    id = IdNeverReused()
    lesson = pw.ForeignKeyField(Lesson, on_delete="CASCADE", backref="attendance")
    student = pw.ForeignKeyField(Student, on_delete="CASCADE")
    status = pw.CharField(max_length=8)
    reason = pw.CharField(max_length=200, default="")
    #: what justified it, e.g. "health_sheet:certificate:12" (set by a certificate)
    justified_by = pw.CharField(max_length=64, null=True)
    #: the status before a justification turned it into "valid" (restored if it is withdrawn)
    status_before = pw.CharField(max_length=8, null=True)
    updated_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    updated_at = pw.DateTimeField(default=utcnow)
    version = pw.IntegerField(default=1)

    class Meta:
        table_name = "journal_attendance"
        indexes = ((("lesson", "student"), True), (("student",), False))


class History(BaseModel):
    """Every change of a mark, attendance or term mark: who, when, old, new."""
    object_type = pw.CharField(max_length=16)  # mark | attendance | term_mark
    object_id = pw.IntegerField()
    student = pw.ForeignKeyField(Student, on_delete="CASCADE")
    lesson = pw.ForeignKeyField(Lesson, null=True, on_delete="CASCADE")
    action = pw.CharField(max_length=16)  # created | updated | deleted | justified
    old = pw.CharField(max_length=64, null=True)
    new = pw.CharField(max_length=64, null=True)
    by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "journal_history"
        indexes = ((("object_type", "object_id"), False), (("student",), False))


class TermMark(BaseModel):
    """A period (quarter/trimester) mark or, with ``period`` None, the year mark."""
    id = IdNeverReused()
    student = pw.ForeignKeyField(Student, on_delete="CASCADE")
    subject = pw.ForeignKeyField(Subject, on_delete="CASCADE")
    year = pw.ForeignKeyField(AcademicYear, on_delete="CASCADE")
    period = pw.ForeignKeyField(Period, null=True, on_delete="CASCADE")
    value = pw.CharField(max_length=8)
    #: the weighted average when the mark was set, for the record
    average = pw.FloatField(null=True)
    set_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    set_at = pw.DateTimeField(default=utcnow)
    version = pw.IntegerField(default=1)

    class Meta:
        table_name = "journal_term_mark"
        indexes = ((("student", "subject", "year", "period"), True),)


REMARK_KINDS = ("remark", "recommendation", "praise")


class Remark(BaseModel):
    """A teacher's remark, recommendation or praise to a student (shown in the diary)."""
    student = pw.ForeignKeyField(Student, on_delete="CASCADE")
    teacher = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    lesson = pw.ForeignKeyField(Lesson, null=True, on_delete="SET NULL")
    subject = pw.ForeignKeyField(Subject, null=True, on_delete="SET NULL")
    date = pw.DateField()
    kind = pw.CharField(max_length=16, default="remark")
    text = pw.TextField()
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "journal_remark"
        indexes = ((("student", "date"), False),)


MODELS = [BellTime, TimetableEntry, TimetableChange, Lesson, MarkScale, SubjectScale, WorkKind, Mark,
          Attendance, History, TermMark, Remark]
