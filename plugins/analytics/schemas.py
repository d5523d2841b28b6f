"""Request schemas of the analytics API and the one rule for a report's dates."""
from __future__ import annotations

import datetime as dt

from marshmallow import Schema, ValidationError, validate, validates_schema

from zhurnal.core import clock, fields
from zhurnal.core.i18n import N_

#: ids are 32-bit in the database: anything larger names nothing
MAX_ID = 2**31 - 1
#: the earliest and latest dates a report may name, and its longest span
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
MAX_DAYS = 400


def check_range(a: dt.date | None, b: dt.date | None) -> dict:
    """Field messages for a bad ``from``/``to`` pair (empty: fine)."""
    errors = {}
    for key, d in (("from", a), ("to", b)):
        if d is not None and not (EARLIEST <= d <= LATEST):
            errors[key] = N_("The date must be between 01.01.2000 and 31.12.2100.")
    if (a is None) != (b is None):
        errors["from" if a is None else "to"] = N_("Give both dates of the period, or neither.")
    if not errors and a is not None:
        if a > b:
            errors["to"] = N_("The end of the period is before its start.")
        elif (b - a).days >= MAX_DAYS:
            errors["to"] = N_("A report covers at most 400 days.")
    return errors


class _Range(Schema):
    date_from = fields.Date(data_key="from", load_default=None)
    date_to = fields.Date(data_key="to", load_default=None)

    @validates_schema
    def _range(self, data, **_kw):
        errors = check_range(data.get("date_from"), data.get("date_to"))
        if errors:
            raise ValidationError(errors)


class ReportArgs(_Range):
    """``?from=YYYY-MM-DD&to=YYYY-MM-DD`` (both or neither; neither: the current reporting period)."""


class SendReport(_Range):
    """``{"class_id": n}`` or ``{"school": true}``, with ``from`` and ``to``."""
    class_id = fields.Int(load_default=None, validate=validate.Range(min=1, max=MAX_ID))
    school = fields.Bool(load_default=False)
    date_from = fields.Date(data_key="from", required=True)
    date_to = fields.Date(data_key="to", required=True)

    @validates_schema
    def _target(self, data, **_kw):
        if data.get("school") and data.get("class_id") is not None:
            raise ValidationError({"class_id": [N_("Give a class or the whole school, not both.")]})
        if not data.get("school") and data.get("class_id") is None:
            raise ValidationError({"class_id": [N_("Give a class, or \"school\": true for the whole school.")]})


def default_range(school_id: int) -> tuple[dt.date, dt.date]:
    """The current reporting period; between periods, the last 30 days."""
    from zhurnal.plugins.roster import service as roster
    today = clock.today()
    period = roster.period_for(school_id, today)
    if period is not None:
        return period.start, period.end
    return today - dt.timedelta(days=29), today


# --- responses (documented in the OpenAPI description) ---------------------------------------------

class ReportFigures(Schema):
    """A class or student report (see README «Analytics» for what each figure means)."""
    kind = fields.Str(metadata={"description": "class | student | school"})
    date_from = fields.Str(data_key="from", attribute="from")
    date_to = fields.Str(data_key="to", attribute="to")
    previous = fields.Dict(metadata={"description": "the period compared with: {from, to}"})
    generated_at = fields.Str()
    only_subjects = fields.List(fields.Int(), allow_none=True,
                                metadata={"description": "a subject teacher's report: only these subjects"})
    settings = fields.Dict(metadata={"description": "the school's thresholds used"})
    school_class = fields.Dict(data_key="class", attribute="class", metadata={"description": "{id, name, parallel}"})
    student = fields.Dict(metadata={"description": "{id, name, class_id}"})
    overall = fields.Dict(metadata={"description": "average, quality, success (per cent), marks, distribution, previous"})
    subjects = fields.List(fields.Dict(), metadata={"description": "per subject: average, quality, success, "
                                                                   "previous, marks, lessons, distribution"})
    attendance = fields.Dict(metadata={"description": "lessons, missed, ill, valid, absent, late, missed_pct"})
    students = fields.List(fields.Dict(), metadata={"description": "per student: average, previous_average, marks, "
                                                                   "subjects, few_marks, attendance"})
    few_marks = fields.List(fields.Dict())
    at_risk = fields.Raw(metadata={"description": "students at risk, each with reasons "
                                                  "(failing / drop / absences)"})
    months = fields.List(fields.Str(), metadata={"description": "student report: months of the trend"})


class Recipient(Schema):
    user_id = fields.Int()
    delivered_at = fields.DateTime()
    opened_at = fields.DateTime(allow_none=True)


class SentReportOut(Schema):
    id = fields.Int()
    kind = fields.Str(metadata={"description": "class | school"})
    class_id = fields.Int(allow_none=True)
    date_from = fields.Date(data_key="from")
    date_to = fields.Date(data_key="to")
    created_at = fields.DateTime()
    created_by = fields.Int(allow_none=True)
    batch = fields.Int(allow_none=True)
    recipients = fields.List(fields.Nested(Recipient))
    figures = fields.Dict(metadata={"description": "the report's figures as they were when it was sent"})


class SentReportsOut(Schema):
    reports = fields.List(fields.Nested(SentReportOut))
