"""Closed reporting periods: closing and reopening one, and the check every write makes
against the period it touches (refused with ``period_closed`` unless the role may edit
closed periods; such an edit is audited).
"""
from __future__ import annotations

from zhurnal.core import audit
from zhurnal.core.db import database
from zhurnal.core.i18n import N_
from zhurnal.plugins.roster import service as roster
from zhurnal.plugins.roster.models import AcademicYear, Period

from .common import Invalid, _id
from .models import Lesson


CLOSED_MESSAGE = N_("The period is closed for editing.")


def lesson_period(lesson: Lesson) -> Period:
    cache = getattr(lesson, "_period_cache", None)
    if cache is None:
        cache = Period.get_by_id(lesson.period_id)
        lesson._period_cache = cache
    return cache


def _check_open(period: Period, field_name: str, allow_closed: bool) -> bool:
    """Raise :class:`Invalid` if ``period`` is closed and no override; True if an override is used."""
    if period.closed_at is None:
        return False
    if not allow_closed:
        raise Invalid({field_name: CLOSED_MESSAGE}, code="period_closed")
    return True


def _audit_override(obj, period: Period | int, by, school_id: int, action: str) -> None:
    audit.record("journal.closed_period.edit", obj, user=by, school_id=school_id,
                 data={"period": _id(period), "action": action})


# --- closing periods ------------------------------------------------------------------------------

def close_period(period: Period, *, by=None) -> Period:
    """Close a reporting period for editing (the journal refuses changes in it afterwards).

    The roster records it (:func:`zhurnal.plugins.roster.service.set_period_closed`);
    the journal owns what it means and audits it.
    """
    year = AcademicYear.get_by_id(period.year_id)
    if period.closed_at is not None:
        return period
    with database.atomic():
        roster.set_period_closed(period, True, by=by)
        audit.record("journal.period.close", period, user=by, school_id=year.school_id, data={"name": period.name})
    return Period.get_by_id(period.id)


def reopen_period(period: Period, *, by=None) -> Period:
    year = AcademicYear.get_by_id(period.year_id)
    if period.closed_at is None:
        return period
    with database.atomic():
        roster.set_period_closed(period, False, by=by)
        audit.record("journal.period.reopen", period, user=by, school_id=year.school_id,
                     data={"name": period.name, "closed_at": period.closed_at.isoformat()})
    return Period.get_by_id(period.id)
