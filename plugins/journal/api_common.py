"""The journal API's blueprint and what its route modules share: finding an object of the
user's school (else 404) or a body reference to one (else 422), the access check (403),
running a service write (refusals 422, stale edits 409 with the current state) and the
answers for marks and attendance.

Access: an object of another school (or none at all) answers 404; an object of
the user's school that the user may not read or change answers 403. Body
references to unknown objects (``lesson_id``, ``student_id``...) are 422 with the
field named. Writes go through :mod:`zhurnal.plugins.journal.service`.
"""
from __future__ import annotations


from flask import Blueprint, g

from zhurnal.core import access
from zhurnal.core.db import by_key
from zhurnal.core.i18n import N_
from zhurnal.core.api import ApiError, forbidden, invalid, not_found, stale_state
from zhurnal.plugins.roster.models import AcademicYear, Period, SchoolClass, StudyGroup

from . import service
from .common import _lesson_query
from .models import Lesson, Mark, TermMark, WorkKind
from .schemas import JournalLessonOut, JournalMarkOut


bp = Blueprint("journal_api", __name__, url_prefix="/api/v1")


def _school_id() -> int | None:
    return g.school.id if g.get("school") is not None else None


def _require(perm: str, obj) -> None:
    if not access.can(g.user, perm, obj):
        raise forbidden()


def _class_or_404(class_id: int) -> SchoolClass:
    c = (by_key(SchoolClass, SchoolClass.id, class_id) or [None])[0]
    if c is None or c.school_id != _school_id():
        raise not_found("No such class.")
    return c


def _group_or_404(group_id: int) -> StudyGroup:
    grp = StudyGroup.get_or_none(StudyGroup.id == group_id)
    if grp is None or grp.school_id != _school_id():
        raise not_found("No such group.")
    return grp


def _lesson_or_404(lesson_id: int) -> Lesson:
    lesson = _lesson_query().where(Lesson.id == lesson_id).first()
    if lesson is None or lesson.school_id != _school_id():
        raise not_found("No such lesson.")
    return lesson


def _ref(model, ident, name: str, what: str):
    """A body reference: unknown (or of another school) -> 422 naming the field."""
    if ident is None:
        return None
    obj = (by_key(model, model.id, ident) or [None])[0]
    school = getattr(obj, "school_id", None)
    if obj is None or (school is not None and school != _school_id()):
        raise invalid({name: f"Unknown {what}."})
    return obj


def _lesson_ref(lesson_id: int) -> Lesson:
    lesson = Lesson.get_or_none(Lesson.id == lesson_id)
    if lesson is None or lesson.school_id != _school_id():
        raise invalid({"lesson_id": "Unknown lesson."})
    return lesson


def _period_ref(period_id, year_id: int | None = None) -> Period | None:
    if period_id is None:
        return None
    p = Period.select(Period, AcademicYear).join(AcademicYear).where(Period.id == period_id).first()
    if p is None or p.year.school_id != _school_id() or (year_id is not None and p.year_id != year_id):
        raise invalid({"period_id": "Unknown period."})
    return p


def _period_or_404(period_id: int) -> Period:
    p = Period.select(Period, AcademicYear).join(AcademicYear).where(Period.id == period_id).first()
    if p is None or p.year.school_id != _school_id():
        raise not_found("No such period.")
    return p


def _override(obj) -> bool:
    return access.can(g.user, "journal.closed_period.edit", obj)


def _call(fn, *args, **kwargs):
    """Run a service write: refusals become 422 (a stale edit is 409 through :func:`_current`)."""
    try:
        return fn(*args, **kwargs)
    except service.Invalid as e:
        message = "Invalid input." if e.code == "invalid" else service.CLOSED_MESSAGE
        raise ApiError(422, e.code, message, e.fields) from None


@stale_state(bp, message=N_("Someone else changed this in the meantime; here is the current state."))
def _current(obj):
    """A stale edit's current state (core.api answers 409 with it)."""
    if isinstance(obj, Mark):
        return _mark_out(obj)
    if isinstance(obj, Lesson):
        return JournalLessonOut().dump(_lesson_query().where(Lesson.id == obj.id).get())
    if isinstance(obj, TermMark):
        return {"id": obj.id, "student_id": obj.student_id, "subject_id": obj.subject_id, "period_id": obj.period_id,
                "value": obj.value, "version": obj.version}
    return _attendance_out(obj, obj.lesson_id, obj.student_id)


def _mark_out(m: Mark, kind_code: str | None = None) -> dict:
    m.kind_code = kind_code or getattr(m, "kind_code", None) or WorkKind.get_by_id(m.kind_id).code
    return JournalMarkOut().dump(m)


def _attendance_out(a, lesson_id: int, student_id: int) -> dict:
    if a is None:
        return {"student_id": student_id, "lesson_id": lesson_id, "status": None, "reason": "",
                "justified_by": None, "version": 0}
    return {"student_id": a.student_id, "lesson_id": a.lesson_id, "status": a.status, "reason": a.reason,
            "justified_by": a.justified_by, "status_before": a.status_before, "version": a.version}


def _range(args, year_id: int | None = None) -> tuple:
    period = _period_ref(args.get("period_id"), year_id)
    a, b = args.get("date_from"), args.get("date_to")
    if period is not None:
        a, b = a or period.start, b or period.end
    return period, a, b
