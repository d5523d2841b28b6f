"""Period and year marks."""
from __future__ import annotations

from zhurnal.core import audit
from zhurnal.core.db import database, utcnow
from zhurnal.core.i18n import N_
from zhurnal.plugins.roster.models import AcademicYear, Period, Student, Subject

from .closed_periods import _audit_override, _check_open
from .common import Invalid, StaleEdit, _history, _id
from .models import TermMark
from .scales import scale_for
from . import signals


def set_term_mark(student: Student, subject: Subject, year: AcademicYear, period: Period | None, value: str | None, *,
                  version: int | None = None, average: float | None = None, by=None,
                  allow_closed: bool = False) -> TermMark | None:
    """Set (or with ``value`` None, remove) a student's period mark, or the year mark
    (``period`` None). Checked against the subject's scale; a stale ``version``
    (0: "there was none") raises :class:`StaleEdit`."""
    fields: dict = {}
    scale = scale_for(subject.id, subject.school_id)
    if value is not None:
        value = value.strip()
        if value not in scale.values and value not in ("н/а", "осв"):
            fields["value"] = f"Not a mark of the scale: {', '.join(scale.values)}."
    if student.school_id != subject.school_id:
        fields["student_id"] = N_("Unknown student.")
    if period is not None and period.year_id != year.id:
        fields["period_id"] = N_("The period is not of this school year.")
    if fields:
        raise Invalid(fields)
    check_period = period
    if check_period is None:  # the year mark: closed when the last period is
        check_period = Period.select().where(Period.year == year.id).order_by(Period.number.desc()).first()
    with database.atomic():
        override = _check_open(check_period, "period_id", allow_closed) if check_period else False
        cond = ((TermMark.student == student.id) & (TermMark.subject == subject.id) & (TermMark.year == year.id) &
                (TermMark.period.is_null() if period is None else (TermMark.period == period.id)))
        row = TermMark.get_or_none(cond)
        if version is not None and (row.version if row else 0) != version:
            raise StaleEdit(row)
        old = row.value if row else None
        if old == value:
            return row
        if value is None:
            TermMark.delete().where(TermMark.id == row.id).execute()
            result, oid, action = None, row.id, "deleted"
        elif row is None:
            result = TermMark.create(student=student.id, subject=subject.id, year=year.id, period=_id(period),
                                     value=value, average=average, set_by=_id(by), set_at=utcnow())
            oid, action = result.id, "created"
        else:
            n = (TermMark.update(value=value, average=average, set_by=_id(by), set_at=utcnow(),
                                 version=TermMark.version + 1)
                 .where((TermMark.id == row.id) & (TermMark.version == row.version)).execute())
            if n == 0:
                raise StaleEdit(TermMark.get_or_none(TermMark.id == row.id))
            result, oid, action = TermMark.get_by_id(row.id), row.id, "updated"
        _history("term_mark", oid, student.id, None, action, old, value, by)
        audit.record("journal.term_mark.set", object_type="journal_term_mark", object_id=oid, user=by,
                     school_id=subject.school_id,
                     data={"student": student.id, "subject": subject.id, "period": _id(period), "value": [old, value],
                           "average": average})
        if override:
            _audit_override(result or row, check_period, by, subject.school_id, "term_mark.set")
    signals.send(signals.term_mark_saved, student_id=student.id, subject_id=subject.id, period_id=_id(period),
                 value=value, old_value=old, by=by, school_id=subject.school_id)
    return result
