"""The roster's output schemas: how the API shows schools, years, classes, students, guardians,
groups and teaching. A public module: other plugins dump roster objects with these instead of
defining their own (``only=``/``exclude=`` or a subclass for a narrower or wider answer).

The request schemas and the field types they check live in :mod:`.inputs`.
"""
from __future__ import annotations

from marshmallow import Schema

from zhurnal.core import fields

from .models import PERIOD_KINDS

__all__ = ["SchoolOut", "PeriodOut", "HolidayOut", "YearOut", "SubjectOut", "ClassBrief", "ClassOut", "StudentBrief",
           "RelativeOut", "GroupBrief", "StudentCard", "GuardianChild", "GuardianOut", "GroupOut", "TeachingOut",
           "AccountOut"]


# --- the school, its years and subjects --------------------------------------------------------------

class SchoolOut(Schema):
    id = fields.Int()
    name = fields.Str()
    short_name = fields.Str()


class PeriodOut(Schema):
    id = fields.Int()
    number = fields.Int()
    name = fields.Str()
    start = fields.Date()
    end = fields.Date()
    closed = fields.Function(lambda p: p.closed_at is not None)


class HolidayOut(Schema):
    id = fields.Int()
    name = fields.Str()
    start = fields.Date()
    end = fields.Date()


class YearOut(Schema):
    id = fields.Int()
    school_id = fields.Int()
    name = fields.Str()
    start = fields.Date()
    end = fields.Date()
    period_kind = fields.Str(metadata={"enum": list(PERIOD_KINDS)})
    current = fields.Bool()
    periods = fields.List(fields.Nested(PeriodOut))
    holidays = fields.List(fields.Nested(HolidayOut))


class SubjectOut(Schema):
    id = fields.Int()
    name = fields.Str()
    short_name = fields.Str()


# --- classes -----------------------------------------------------------------------------------------

class ClassBrief(Schema):
    """A reference to a class (dumps a ``SchoolClass``)."""
    id = fields.Int()
    name = fields.Str()


class ClassOut(Schema):
    id = fields.Int()
    name = fields.Str()
    parallel = fields.Int()
    letter = fields.Str()
    year_id = fields.Int()
    school_id = fields.Int()
    room = fields.Str()
    class_teacher_id = fields.Int(allow_none=True)
    class_teacher_name = fields.Function(lambda c: c.class_teacher.display_name if c.class_teacher_id else None)
    students = fields.Int(attribute="student_count")
    version = fields.Int()


# --- students and guardians --------------------------------------------------------------------------

class StudentBrief(Schema):
    id = fields.Int()
    last_name = fields.Str()
    first_name = fields.Str()
    middle_name = fields.Str()
    full_name = fields.Str()
    class_id = fields.Int(attribute="school_class_id", allow_none=True)
    class_name = fields.Function(lambda s: s.school_class.name if s.school_class_id else None)
    gender = fields.Str(allow_none=True)
    individual_plan = fields.Bool()
    has_account = fields.Function(lambda s: s.user_id is not None)
    left_at = fields.Date(allow_none=True)
    version = fields.Int()


class RelativeOut(Schema):
    id = fields.Int()
    full_name = fields.Str()
    relation = fields.Str()
    phone = fields.Str()
    email = fields.Str()
    has_account = fields.Bool()


class GroupBrief(Schema):
    id = fields.Int()
    name = fields.Str()
    kind = fields.Str()
    subject = fields.Str(allow_none=True)


class StudentCard(StudentBrief):
    """Dumped from :func:`service.student_card` (a dict)."""
    class_id = fields.Int(allow_none=True)
    class_name = fields.Str(allow_none=True)
    has_account = fields.Bool()
    school_id = fields.Int()
    birth_date = fields.Date(allow_none=True)
    address = fields.Str()
    phone = fields.Str()
    email = fields.Str()
    snils = fields.Str()
    login = fields.Str(allow_none=True)
    guardians = fields.List(fields.Nested(RelativeOut))
    groups = fields.List(fields.Nested(GroupBrief))


class GuardianChild(Schema):
    id = fields.Int()
    full_name = fields.Str()
    class_name = fields.Str(allow_none=True)
    relation = fields.Str()


class GuardianOut(Schema):
    id = fields.Int()
    school_id = fields.Int()
    last_name = fields.Str()
    first_name = fields.Str()
    middle_name = fields.Str()
    full_name = fields.Str()
    phone = fields.Str()
    email = fields.Str()
    has_account = fields.Function(lambda g: g.user_id is not None)
    version = fields.Int()
    children = fields.List(fields.Nested(GuardianChild))


# --- study groups and teaching -----------------------------------------------------------------------

class GroupOut(Schema):
    id = fields.Int()
    name = fields.Str()
    kind = fields.Str()
    year_id = fields.Int()
    subject_id = fields.Int(allow_none=True)
    subject_name = fields.Function(lambda g: g.subject.name if g.subject_id else None)
    class_id = fields.Int(attribute="school_class_id", allow_none=True)
    class_name = fields.Function(lambda g: g.school_class.name if g.school_class_id else None)
    parallel = fields.Int(allow_none=True)
    version = fields.Int()
    member_count = fields.Int()
    members = fields.List(fields.Nested(StudentBrief(only=("id", "full_name", "class_id", "class_name"))))


class TeachingOut(Schema):
    id = fields.Int()
    year_id = fields.Int()
    teacher_id = fields.Int()
    teacher_name = fields.Function(lambda t: t.teacher.display_name)
    subject_id = fields.Int()
    subject_name = fields.Function(lambda t: t.subject.name)
    class_id = fields.Int(attribute="school_class_id", allow_none=True)
    group_id = fields.Int(allow_none=True)


# --- accounts ----------------------------------------------------------------------------------------

class AccountOut(Schema):
    kind = fields.Str()
    person_id = fields.Function(lambda a: a.person.id)
    full_name = fields.Function(lambda a: a.person.full_name)
    login = fields.Str()
    #: one-time activation code for the first login (shown only in this answer)
    activation_code = fields.Str(attribute="code")
    expires_at = fields.DateTime()
    reissued = fields.Bool()
