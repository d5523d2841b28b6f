"""Request schemas of the analytics API and the one rule for a report's dates."""
from __future__ import annotations

import datetime as dt

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core import clock
from core.i18n import N_

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
    from plugins.roster import service as roster
    today = clock.today()
    period = roster.period_for(school_id, today)
    if period is not None:
        return period.start, period.end
    return today - dt.timedelta(days=29), today
