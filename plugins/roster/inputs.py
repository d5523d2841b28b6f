"""The roster API's request schemas (bodies and query strings) and the field types they use, also
used to check the pages' forms. The output schemas are public, in :mod:`.schemas`.

Error messages are English msgids marked with ``N_``: the API returns them as
they are, pages translate them with ``gettext`` (see :func:`form_errors`).
"""
from __future__ import annotations

import datetime as dt
import re

from marshmallow import Schema, ValidationError, validate, validates_schema
from zhurnal.core import fields

from zhurnal.core import clock
from zhurnal.core.api import PageArgs
from zhurnal.core.i18n import N_

from .models import GENDERS, GROUP_KINDS, PERIOD_KINDS, RELATIONS

REQUIRED = N_("This field is required.")
TOO_LONG = N_("This is too long.")
BAD_NAME = N_("Use letters, spaces, hyphens and apostrophes only.")
BAD_PHONE = N_("Enter a phone number: digits, spaces, +, brackets and hyphens.")
BAD_EMAIL = N_("Enter a valid email address.")
BAD_DATE = N_("Enter a valid date.")
BAD_BIRTH_DATE = N_("The birth date must be in the past, at most 30 years ago.")
BAD_CHOICE = N_("Choose one of the offered values.")
BAD_NUMBER = N_("Enter a whole number.")
BAD_SNILS = N_("Enter a СНИЛС: 11 digits with a correct check number, like 123-456-789 01.")

_NAME = re.compile(r"[^\W\d_]+(?:[ '’\-][^\W\d_]+)*")
_PHONE = re.compile(r"[0-9+()\-\s]*")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_LETTER = re.compile(r"[^\W\d_]{1,4}")


def _messages(**extra) -> dict:
    return {"required": REQUIRED, "null": REQUIRED, **extra}


class Text(fields.Str):
    """A string with surrounding whitespace removed; ``max_length`` checked after stripping.

    An optional field loads as ``""`` when absent, unless ``blank=False`` (PATCH: absent
    means "leave as it is").
    """

    def __init__(self, max_length: int = 200, *, required: bool = False, blank: bool = True, **kwargs) -> None:
        self.max_length = max_length
        self.required_text = required
        kwargs.setdefault("error_messages", _messages(invalid=REQUIRED))
        if not required and blank:
            kwargs.setdefault("load_default", "")
        super().__init__(required=required, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs).strip()
        if self.required_text and not value:
            raise ValidationError(REQUIRED)
        if len(value) > self.max_length:
            raise ValidationError(TOO_LONG)
        return value


def name_field(required: bool = False, **kw) -> Text:
    return Text(100, required=required, validate=_pattern(_NAME, BAD_NAME), **kw)


def _pattern(rx: re.Pattern, message: str, *, blank: bool = True):
    def check(value: str) -> None:
        if (value or not blank) and not rx.fullmatch(value):
            raise ValidationError(message)
    return check


def _phone(value: str) -> None:
    digits = sum(c.isdigit() for c in value)
    if value and (not _PHONE.fullmatch(value) or not 6 <= digits <= 15):
        raise ValidationError(BAD_PHONE)


class Snils(fields.Str):
    """СНИЛС in any spelling (123-456-789 01, 11 digits, spaces), loaded as ``XXX-XXX-XXX YY``;
    an empty string clears it; a wrong check number is refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        from .import_values import BadValue, snils_value
        value = super()._deserialize(value, attr, data, **kwargs)
        if len(value) > 40:
            raise ValidationError(TOO_LONG)
        try:
            return snils_value(value)
        except BadValue:
            raise ValidationError(BAD_SNILS) from None


def _birth_date(value: dt.date | None) -> None:
    if value is None:
        return
    today = clock.today()
    if value >= today or value < today.replace(year=today.year - 30):
        raise ValidationError(BAD_BIRTH_DATE)


def date_field(**kw) -> fields.Date:
    return fields.Date(error_messages=_messages(invalid=BAD_DATE, format=BAD_DATE), **kw)


def int_field(**kw) -> fields.Int:
    return fields.Int(strict=False, error_messages=_messages(invalid=BAD_NUMBER), **kw)


def choice(values, **kw) -> fields.Str:
    return fields.Str(validate=validate.OneOf(values, error=BAD_CHOICE), error_messages=_messages(), **kw)


def form_errors(err: ValidationError) -> dict[str, str]:
    """Field -> translated message, for re-rendering a page's form."""
    from flask_babel import gettext
    from zhurnal.core.field_messages import field_messages
    return {k: gettext(v) for k, v in field_messages(err.messages).items()}


class Args(PageArgs):
    """Paging with bounds that are really checked (marshmallow 4 ignores validators returning False)."""
    page = int_field(load_default=1, validate=validate.Range(min=1, max=100000, error=BAD_NUMBER))
    per_page = int_field(load_default=50, validate=validate.Range(min=1, max=500, error=BAD_NUMBER))


# --- schools, years, subjects --------------------------------------------------------------

def _timezone(value: str) -> None:
    from .setup import timezone_problem
    problem = timezone_problem(value)
    if problem:
        raise ValidationError(problem)


class SchoolIn(Schema):
    name = Text(300, required=True)
    short_name = Text(100, required=True)
    address = Text(300)
    timezone = Text(64, load_default="Europe/Moscow", validate=_timezone)


class SchoolPatch(Schema):
    name = Text(300, blank=False)
    short_name = Text(100, blank=False)

    @validates_schema(skip_on_field_errors=False)
    def _not_blank(self, data, **kwargs):
        errors = {k: REQUIRED for k in ("name", "short_name") if k in data and not data[k]}
        if errors:
            raise ValidationError(errors)


class PeriodIn(Schema):
    start = date_field(required=True)
    end = date_field(required=True)


class YearIn(Schema):
    """A new school year: its dates, the kind of reporting periods and the dates of each period."""
    school_id = int_field(load_default=None)
    name = Text(20)  # default "2027/2028" from the start
    start = date_field(required=True)
    end = date_field(required=True)
    period_kind = choice(PERIOD_KINDS, load_default="quarters")
    periods = fields.List(fields.Nested(PeriodIn), required=True, error_messages=_messages())

    @validates_schema
    def _calendar(self, data, **kwargs):
        from .service import calendar_problems
        problems = calendar_problems(data["start"], data["end"], data["period_kind"],
                                     [(p["start"], p["end"]) for p in data["periods"]])
        if problems:
            raise ValidationError(problems)


class HolidayIn(Schema):
    name = Text(100, required=True)
    start = date_field(required=True)
    end = date_field(load_default=None, allow_none=True)  # default: one day


class SubjectIn(Schema):
    school_id = int_field(load_default=None)
    name = Text(100, required=True)
    short_name = Text(30)


class YearArgs(Args):
    school_id = int_field(load_default=None)


class SubjectArgs(Args):
    school_id = int_field(load_default=None)


# --- classes -----------------------------------------------------------------------------------

class ClassIn(Schema):
    year_id = int_field(load_default=None)
    parallel = int_field(required=True, validate=validate.Range(min=1, max=11, error=BAD_CHOICE))
    letter = Text(4, required=True, validate=_pattern(_LETTER, BAD_NAME))
    room = Text(20)
    class_teacher_id = int_field(load_default=None, allow_none=True)


class ClassPatch(Schema):
    version = int_field(required=True)
    letter = Text(4, blank=False, validate=_pattern(_LETTER, BAD_NAME, blank=False))
    room = Text(20, blank=False)
    class_teacher_id = int_field(allow_none=True)


class ClassArgs(Args):
    year_id = int_field(load_default=None)
    school_id = int_field(load_default=None)


# --- students and guardians --------------------------------------------------------------------

class _StudentData(Schema):
    last_name = name_field(required=True)
    first_name = name_field(required=True)
    middle_name = name_field()
    birth_date = date_field(load_default=None, allow_none=True, validate=_birth_date)
    gender = choice(GENDERS, load_default=None, allow_none=True)
    address = Text(300)
    phone = Text(32, validate=_phone)
    email = Text(200, validate=_pattern(_EMAIL, BAD_EMAIL))
    snils = Snils(load_default="", error_messages=_messages())
    individual_plan = fields.Bool(load_default=False)


class StudentIn(_StudentData):
    class_id = int_field(required=True)


class StudentPatch(Schema):
    """Only what changes; ``version`` is the one the editor loaded (409 when stale)."""
    version = int_field(required=True)
    class_id = int_field()
    last_name = name_field(blank=False)
    first_name = name_field(blank=False)
    middle_name = name_field(blank=False)
    birth_date = date_field(allow_none=True, validate=_birth_date)
    gender = choice(GENDERS, allow_none=True)
    address = Text(300, blank=False)
    phone = Text(32, blank=False, validate=_phone)
    email = Text(200, blank=False, validate=_pattern(_EMAIL, BAD_EMAIL))
    snils = Snils(error_messages=_messages())
    individual_plan = fields.Bool()
    left_at = date_field(allow_none=True)

    @validates_schema(skip_on_field_errors=False)
    def _names_not_blank(self, data, **kwargs):
        errors = {k: REQUIRED for k in ("last_name", "first_name") if k in data and not data[k]}
        if errors:
            raise ValidationError(errors)


class StudentArgs(Args):
    class_id = int_field(load_default=None)
    q = fields.Str(load_default="")
    include_left = fields.Bool(load_default=False)
    school_id = int_field(load_default=None)


class GuardianIn(Schema):
    last_name = name_field(required=True)
    first_name = name_field(required=True)
    middle_name = name_field()
    phone = Text(32, validate=_phone)
    email = Text(200, validate=_pattern(_EMAIL, BAD_EMAIL))
    student_id = int_field(load_default=None)
    relation = choice(RELATIONS, load_default="guardian")


class GuardianPatch(Schema):
    version = int_field(required=True)
    last_name = name_field(blank=False)
    first_name = name_field(blank=False)
    middle_name = name_field(blank=False)
    phone = Text(32, blank=False, validate=_phone)
    email = Text(200, blank=False, validate=_pattern(_EMAIL, BAD_EMAIL))

    @validates_schema(skip_on_field_errors=False)
    def _names_not_blank(self, data, **kwargs):
        errors = {k: REQUIRED for k in ("last_name", "first_name") if k in data and not data[k]}
        if errors:
            raise ValidationError(errors)


class GuardianArgs(Args):
    q = fields.Str(load_default="")
    student_id = int_field(load_default=None)
    school_id = int_field(load_default=None)


class LinkIn(Schema):
    relation = choice(RELATIONS, load_default="guardian")


# --- groups and teaching -----------------------------------------------------------------------

class GroupIn(Schema):
    name = Text(100, required=True)
    kind = choice(GROUP_KINDS, load_default="split")
    subject_id = int_field(load_default=None, allow_none=True)
    class_id = int_field(load_default=None, allow_none=True)
    parallel = int_field(load_default=None, allow_none=True,
                         validate=validate.Range(min=1, max=11, error=BAD_CHOICE))
    student_ids = fields.List(int_field(), load_default=list)


class GroupPatch(Schema):
    version = int_field(required=True)
    name = Text(100, blank=False)
    subject_id = int_field(allow_none=True)


class MembersIn(Schema):
    version = int_field(required=True)
    student_ids = fields.List(int_field(), required=True, error_messages=_messages())


class GroupArgs(Args):
    class_id = int_field(load_default=None)
    year_id = int_field(load_default=None)
    kind = choice(GROUP_KINDS, load_default=None)
    school_id = int_field(load_default=None)


class TeachingIn(Schema):
    teacher_id = int_field(required=True)
    subject_id = int_field(required=True)
    class_id = int_field(load_default=None, allow_none=True)
    group_id = int_field(load_default=None, allow_none=True)

    @validates_schema
    def _class_or_group(self, data, **kwargs):
        if (data.get("class_id") is None) == (data.get("group_id") is None):
            raise ValidationError({"class_id": N_("Give either a class or a group.")})


class TeachingArgs(Args):
    year_id = int_field(load_default=None)
    teacher_id = int_field(load_default=None)
    class_id = int_field(load_default=None)
    school_id = int_field(load_default=None)


class ImportArgs(Schema):
    dry_run = fields.Bool(load_default=False)
