"""Request and response schemas of the diary API (also its OpenAPI description)."""
from __future__ import annotations

from marshmallow import Schema, validate

from zhurnal.core import fields
from zhurnal.plugins.roster import schemas as roster_schemas


# --- requests ----------------------------------------------------------------------------

class WeekArgs(Schema):
    #: any day of the week wanted (default: this week)
    week = fields.Date(load_default=None)


class AckIn(Schema):
    week = fields.Date(required=True, metadata={"description": "any day of the acknowledged week"})


class PeriodArgs(Schema):
    period_id = fields.Int(load_default=None)


class ThreadIn(Schema):
    student_id = fields.Int(required=True)
    subject = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    body = fields.Str(required=True, validate=validate.Length(min=1, max=5000))
    #: accounts to address; empty: the class teacher (from a family) or every guardian (from staff)
    recipient_ids = fields.List(fields.Int(), load_default=list)


class MessageIn(Schema):
    body = fields.Str(required=True, validate=validate.Length(min=1, max=5000))


class AnnouncementIn(Schema):
    subject = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    body = fields.Str(required=True, validate=validate.Length(min=1, max=5000))


# --- the week -------------------------------------------------------------------------------

class StudentOut(Schema):
    id = fields.Int()
    name = fields.Str(attribute="full_name")
    class_name = fields.Method("get_class", data_key="class")
    class_id = fields.Function(lambda st: st.school_class_id, allow_none=True)

    def get_class(self, st):
        return st.school_class.name if st.school_class_id else None


class MarkOut(Schema):
    id = fields.Int()
    value = fields.Str()
    kind = fields.Str()
    kind_code = fields.Str()
    weight = fields.Float()
    comment = fields.Str()
    at = fields.DateTime()


class LessonOut(Schema):
    lesson_id = fields.Int(allow_none=True)
    number = fields.Int()
    planned = fields.Bool(metadata={"description": "from the timetable: no lesson record yet"})
    start = fields.Time(allow_none=True)
    end = fields.Time(allow_none=True)
    subject = fields.Str()
    subject_id = fields.Int()
    teacher = fields.Str()
    room = fields.Str()
    topic = fields.Str()
    homework = fields.Str()
    homework_links = fields.List(fields.Dict())
    homework_due = fields.Date(allow_none=True)
    control = fields.Str(allow_none=True, metadata={"description": "title of a control work, or null"})
    cancelled = fields.Bool()
    change = fields.Dict(allow_none=True)
    marks = fields.List(fields.Nested(MarkOut))
    attendance = fields.Dict(allow_none=True)


class RemarkOut(Schema):
    id = fields.Int()
    kind = fields.Str()
    text = fields.Str()
    date = fields.Date()
    subject = fields.Str()
    teacher = fields.Str()
    lesson_id = fields.Int(allow_none=True)


class DayOut(Schema):
    date = fields.Date()
    weekday = fields.Int()
    is_today = fields.Bool()
    holiday = fields.Str(allow_none=True)
    lessons = fields.List(fields.Nested(LessonOut))
    remarks = fields.List(fields.Nested(RemarkOut))


class AckStateOut(Schema):
    user_id = fields.Int()
    guardian = fields.Str()
    at = fields.DateTime()
    current = fields.Bool(metadata={"description": "false: marks, absences or remarks changed since"})


class NewsMarkOut(Schema):
    id = fields.Int()
    value = fields.Str()
    subject = fields.Str()
    date = fields.Date()
    kind = fields.Str()
    comment = fields.Str()
    changed = fields.Bool()


class NewsAbsenceOut(Schema):
    id = fields.Int()
    status = fields.Str()
    reason = fields.Str()
    date = fields.Date()
    number = fields.Int()
    subject = fields.Str()


class NewsRemarkOut(Schema):
    id = fields.Int()
    kind = fields.Str()
    text = fields.Str()
    date = fields.Date()
    subject = fields.Str(allow_none=True)
    teacher = fields.Str(allow_none=True)


class NewsOut(Schema):
    since = fields.DateTime(allow_none=True)
    total = fields.Int()
    marks = fields.List(fields.Nested(NewsMarkOut))
    absences = fields.List(fields.Nested(NewsAbsenceOut))
    remarks = fields.List(fields.Nested(NewsRemarkOut))


class WeekOut(Schema):
    student = fields.Nested(StudentOut)
    week = fields.Date()
    prev_week = fields.Date()
    next_week = fields.Date()
    today = fields.Date()
    days = fields.List(fields.Nested(DayOut))
    counts = fields.Dict(keys=fields.Str(), values=fields.Int())
    acknowledgements = fields.List(fields.Nested(AckStateOut))
    can_acknowledge = fields.Bool()
    news = fields.Nested(NewsOut, allow_none=True)


class AckOut(Schema):
    id = fields.Int()
    student_id = fields.Int()
    guardian_id = fields.Int(allow_none=True)
    user_id = fields.Int()
    week = fields.Date()
    at = fields.DateTime()
    marks = fields.Int()
    absences = fields.Int()
    remarks = fields.Int()


# --- marks of a period -------------------------------------------------------------------------

class PeriodOut(roster_schemas.PeriodOut):
    """Roster's reporting period without ``closed`` (a family's diary does not show it)."""
    class Meta:
        exclude = ("closed",)


class PeriodMarkOut(Schema):
    id = fields.Int()
    value = fields.Str()
    date = fields.Date()
    kind = fields.Str()
    kind_code = fields.Str()
    weight = fields.Float()
    comment = fields.Str()


class SubjectMarksOut(Schema):
    subject_id = fields.Int()
    subject = fields.Str()
    marks = fields.List(fields.Nested(PeriodMarkOut))
    average = fields.Float(allow_none=True)
    term_mark = fields.Str(allow_none=True)
    year_mark = fields.Str(allow_none=True)


class PeriodMarksOut(Schema):
    student = fields.Nested(StudentOut)
    period = fields.Nested(PeriodOut)
    periods = fields.List(fields.Nested(PeriodOut))
    subjects = fields.List(fields.Nested(SubjectMarksOut))


# --- timetable, control works, holidays ------------------------------------------------------

class SlotOut(Schema):
    number = fields.Int()
    subject = fields.Str()
    room = fields.Str()
    teacher = fields.Str()
    group = fields.Str(metadata={"description": "the study group, empty for a whole-class lesson"})
    start = fields.Time(allow_none=True)
    end = fields.Time(allow_none=True)


class WeekdayOut(Schema):
    weekday = fields.Int(metadata={"description": "1 = Monday"})
    lessons = fields.List(fields.Nested(SlotOut))


class ControlWorkOut(Schema):
    lesson_id = fields.Int()
    date = fields.Date()
    number = fields.Int()
    subject = fields.Str()
    title = fields.Str()
    teacher = fields.Str()


class HolidayOut(roster_schemas.HolidayOut):
    """Roster's holiday as the pupil's calendar shows it: no id, and whether it is over."""
    past = fields.Bool()

    class Meta:
        exclude = ("id",)


class CalendarOut(Schema):
    student = fields.Nested(StudentOut)
    today = fields.Date()
    timetable = fields.List(fields.Nested(WeekdayOut))
    control_works = fields.List(fields.Nested(ControlWorkOut), metadata={"description": "from today on"})
    holidays = fields.List(fields.Nested(HolidayOut), metadata={"description": "of the whole school year"})


# --- the class teacher's control -----------------------------------------------------------------

class ControlRowOut(Schema):
    student_id = fields.Int()
    student = fields.Str()
    guardian_id = fields.Int()
    guardian = fields.Str()
    relation = fields.Str()
    user_id = fields.Int(allow_none=True)
    has_account = fields.Bool()
    status = fields.Str(metadata={"description": "acknowledged | paper (a handed-over paper extract covers the "
                                                 "week) | outdated | pending | no_account"})
    acknowledged_at = fields.DateTime(allow_none=True)
    paper_handed_on = fields.Date(allow_none=True)
    last_visit_at = fields.DateTime(allow_none=True)


class ControlOut(Schema):
    class_ = fields.Nested(roster_schemas.ClassBrief, attribute="class", data_key="class")
    week = fields.Date()
    summary = fields.Dict(keys=fields.Str(), values=fields.Int())
    rows = fields.List(fields.Nested(ControlRowOut))


# --- messages ----------------------------------------------------------------------------------------

class ThreadOut(Schema):
    id = fields.Int()
    kind = fields.Str()
    subject = fields.Str()
    student_id = fields.Int(allow_none=True)
    student = fields.Str(allow_none=True)
    class_id = fields.Int(allow_none=True)
    last_message_at = fields.DateTime()
    unread = fields.Int()
    with_ = fields.List(fields.Str(), data_key="with", attribute="with")
    recipients = fields.Int(allow_none=True)


class ThreadPageOut(Schema):
    items = fields.List(fields.Nested(ThreadOut))
    total = fields.Int()
    page = fields.Int()
    per_page = fields.Int()


class MessageOut(Schema):
    id = fields.Int()
    author_id = fields.Int(allow_none=True)
    author = fields.Str()
    body = fields.Str()
    created_at = fields.DateTime()


class MemberOut(Schema):
    user_id = fields.Int()
    name = fields.Str()
    side = fields.Str()


class ThreadDetailOut(Schema):
    id = fields.Int()
    kind = fields.Str()
    subject = fields.Str()
    student_id = fields.Int(allow_none=True)
    class_id = fields.Int(allow_none=True)
    can_reply = fields.Bool()
    members = fields.List(fields.Nested(MemberOut))
    messages = fields.List(fields.Nested(MessageOut))


class UnreadOut(Schema):
    total = fields.Int()
    threads = fields.Dict(keys=fields.Str(), values=fields.Int())
