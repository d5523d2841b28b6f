"""Request and response schemas of the journal API."""
from __future__ import annotations

import json

from marshmallow import Schema, ValidationError, validate, validates_schema
from zhurnal.core import fields
from zhurnal.plugins.roster import schemas as roster_schemas

from .models import ATTENDANCE, CHANGE_KINDS, REMARK_KINDS

STATUSES = ATTENDANCE + ("present",)


class Range(Schema):
    date_from = fields.Date(load_default=None, data_key="from")
    date_to = fields.Date(load_default=None, data_key="to")
    period_id = fields.Int(load_default=None)

    @validates_schema
    def _order(self, data, **kw):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError("Must not be before 'from'.", "to")


class LessonQuery(Range):
    class_id = fields.Int(load_default=None)
    group_id = fields.Int(load_default=None)
    subject_id = fields.Int(load_default=None)

    @validates_schema
    def _target(self, data, **kw):
        if data.get("class_id") is None and data.get("group_id") is None:
            raise ValidationError("Give class_id or group_id.", "class_id")


class JournalQuery(Range):
    subject_id = fields.Int(required=True)
    group_id = fields.Int(load_default=None)


class GroupJournalQuery(Range):
    subject_id = fields.Int(load_default=None)


class Link(Schema):
    title = fields.Str(load_default="", validate=validate.Length(max=200))
    url = fields.Url(required=True, schemes={"http", "https"})


class LessonIn(Schema):
    date = fields.Date(required=True)
    subject_id = fields.Int(required=True)
    class_id = fields.Int(load_default=None)
    group_id = fields.Int(load_default=None)
    #: a student on an individual plan: the lesson is for their individual group in that subject
    student_id = fields.Int(load_default=None)
    number = fields.Int(load_default=0, validate=validate.Range(0, 12))
    topic = fields.Str(load_default="", validate=validate.Length(max=300))
    homework = fields.Str(load_default="", validate=validate.Length(max=5000))
    homework_links = fields.List(fields.Nested(Link), load_default=list)
    is_control = fields.Bool(load_default=False)
    control_title = fields.Str(load_default="", validate=validate.Length(max=200))

    @validates_schema
    def _target(self, data, **kw):
        if sum(data.get(k) is not None for k in ("class_id", "group_id", "student_id")) != 1:
            raise ValidationError("Give exactly one of class_id, group_id, student_id.", "class_id")


class LessonPatch(Schema):
    version = fields.Int(required=True)
    topic = fields.Str(validate=validate.Length(max=300))
    homework = fields.Str(validate=validate.Length(max=5000))
    homework_links = fields.List(fields.Nested(Link))
    homework_due = fields.Date(allow_none=True)
    is_control = fields.Bool()
    control_title = fields.Str(validate=validate.Length(max=200))
    cancelled = fields.Bool()
    number = fields.Int(validate=validate.Range(0, 12))
    date = fields.Date()


class JournalLessonOut(Schema):
    id = fields.Int()
    date = fields.Date()
    number = fields.Int()
    period_id = fields.Int()
    subject_id = fields.Int()
    subject = fields.Function(lambda x: x.subject.name)
    teacher_id = fields.Int(allow_none=True)
    teacher = fields.Function(lambda x: x.teacher.display_name if x.teacher_id else None)
    class_id = fields.Function(lambda x: x.school_class_id)
    group_id = fields.Int(allow_none=True)
    topic = fields.Str()
    homework = fields.Str()
    homework_links = fields.Function(lambda x: json.loads(x.homework_links or "[]"))
    homework_due = fields.Date(allow_none=True)
    is_control = fields.Bool()
    control_title = fields.Str()
    cancelled = fields.Bool()
    version = fields.Int()
    attendance_taken_at = fields.DateTime(allow_none=True)


class MarkValue(fields.Str):
    """A mark as a string ("5", "4-", "зачёт") or, for numeric scales, a JSON number (5)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(int(value)) if float(value).is_integer() and abs(value) < 1e9 else str(value)
        return super()._deserialize(value, attr, data, **kwargs)


class MarkIn(Schema):
    student_id = fields.Int(required=True)
    lesson_id = fields.Int(required=True)
    value = MarkValue(required=True, validate=validate.Length(min=1, max=8))
    kind = fields.Str(load_default="answer", validate=validate.Length(max=20))
    comment = fields.Str(load_default="", validate=validate.Length(max=300))


class MarkPatch(Schema):
    version = fields.Int(required=True)
    value = MarkValue(validate=validate.Length(min=1, max=8))
    kind = fields.Str(validate=validate.Length(max=20))
    comment = fields.Str(validate=validate.Length(max=300))


class MarkDelete(Schema):
    version = fields.Int(load_default=None)


class JournalMarkOut(Schema):
    id = fields.Int()
    student_id = fields.Int()
    lesson_id = fields.Int()
    value = fields.Str()
    numeric = fields.Float(allow_none=True)
    #: the kind of work's code (the API sets ``kind_code`` on the row before dumping)
    kind = fields.Str(attribute="kind_code")
    weight = fields.Float()
    comment = fields.Str()
    teacher_id = fields.Int()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Int()


def mark_json(m) -> dict:
    """What :class:`JournalMarkOut` dumps (``kind_code`` set on the row), built directly: the
    endpoints that save a mark answer with it, and marshmallow would be a good part of their cost."""
    return {"id": m.id, "student_id": m.student_id, "lesson_id": m.lesson_id, "value": m.value,
            "numeric": None if m.numeric is None else float(m.numeric), "kind": m.kind_code,
            "weight": None if m.weight is None else float(m.weight), "comment": m.comment,
            "teacher_id": m.teacher_id, "created_at": _iso(m.created_at), "updated_at": _iso(m.updated_at),
            "version": m.version}


_iso = fields.iso


class AttendanceIn(Schema):
    student_id = fields.Int(required=True)
    lesson_id = fields.Int(required=True)
    status = fields.Str(required=True, allow_none=True, validate=validate.OneOf(STATUSES))
    reason = fields.Str(load_default="", validate=validate.Length(max=200))
    #: the version the editor saw (0: no record); omit to overwrite whatever is there
    version = fields.Int(load_default=None)


class HistoryOut(Schema):
    id = fields.Int()
    object_type = fields.Str()
    object_id = fields.Int()
    student_id = fields.Int()
    lesson_id = fields.Int()
    action = fields.Str()
    old = fields.Str(allow_none=True)
    new = fields.Str(allow_none=True)
    by_id = fields.Int()
    by = fields.Function(lambda h: h.by.display_name if h.by_id else None)
    at = fields.DateTime()


class TermMarkQuery(Schema):
    class_id = fields.Int(load_default=None)
    group_id = fields.Int(load_default=None)
    subject_id = fields.Int(required=True)
    #: omit for the year marks
    period_id = fields.Int(load_default=None)

    @validates_schema
    def _target(self, data, **kw):
        if data.get("class_id") is None and data.get("group_id") is None:
            raise ValidationError("Give class_id or group_id.", "class_id")


class TermMarkIn(Schema):
    student_id = fields.Int(required=True)
    subject_id = fields.Int(required=True)
    #: null: the year mark
    period_id = fields.Int(required=True, allow_none=True)
    #: null removes the mark
    value = MarkValue(required=True, allow_none=True, validate=validate.Length(min=1, max=8))
    version = fields.Int(load_default=None)


class RemarkIn(Schema):
    student_id = fields.Int(required=True)
    text = fields.Str(required=True, validate=validate.Length(min=1, max=2000))
    kind = fields.Str(load_default="remark", validate=validate.OneOf(REMARK_KINDS))
    subject_id = fields.Int(load_default=None)
    lesson_id = fields.Int(load_default=None)
    date = fields.Date(load_default=None)


class JournalRemarkOut(Schema):
    id = fields.Int()
    student_id = fields.Int()
    teacher_id = fields.Int(allow_none=True)
    subject_id = fields.Int(allow_none=True)
    lesson_id = fields.Int(allow_none=True)
    date = fields.Date()
    kind = fields.Str()
    text = fields.Str()


class RemarkQuery(Range):
    student_id = fields.Int(load_default=None)
    class_id = fields.Int(load_default=None)


class TimetableQuery(Schema):
    #: the week to show changes for (any day of it; default: this week)
    date = fields.Date(load_default=None)


class TimetableIn(Schema):
    weekday = fields.Int(required=True, validate=validate.Range(1, 7))
    number = fields.Int(required=True, validate=validate.Range(0, 12))
    subject_id = fields.Int(required=True)
    teacher_id = fields.Int(load_default=None)
    class_id = fields.Int(load_default=None)
    group_id = fields.Int(load_default=None)
    room = fields.Str(load_default="", validate=validate.Length(max=20))
    valid_from = fields.Date(load_default=None)
    valid_to = fields.Date(load_default=None)


class TimetableChangeIn(Schema):
    date = fields.Date(required=True)
    kind = fields.Str(required=True, validate=validate.OneOf(CHANGE_KINDS))
    teacher_id = fields.Int(load_default=None)
    room = fields.Str(load_default="", validate=validate.Length(max=20))
    note = fields.Str(load_default="", validate=validate.Length(max=200))


class GenerateIn(Schema):
    class_id = fields.Int(load_default=None)
    date_from = fields.Date(load_default=None, data_key="from")
    date_to = fields.Date(load_default=None, data_key="to")


class JournalPeriodOut(roster_schemas.PeriodOut):
    """Roster's reporting period with who closed it and when."""
    closed_at = fields.DateTime(allow_none=True)
    closed_by_id = fields.Int(allow_none=True)
