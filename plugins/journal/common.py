"""What the journal's service modules share, each in one place: the id of an object or an
id, the date-range filter, the lesson query with its joins, the refusals (:class:`Invalid`,
:class:`StaleEdit`), the check that a lesson has taken place, and the change history rows.

Private to the plugin: other plugins use :mod:`zhurnal.plugins.journal.service`.
"""
from __future__ import annotations

import peewee as pw

from zhurnal.core import clock, errors
from zhurnal.core.db import is_postgres, utcnow
from zhurnal.core.i18n import N_
from zhurnal.core.identity.models import User
from zhurnal.core.prepared import Prepared, slot
from zhurnal.plugins.roster.models import Subject

from .models import History, Lesson


Teacher = User.alias("teacher")


def _id(x):
    return getattr(x, "id", x)


def class_of(obj) -> int | None:
    """The class id of a roster ``Student``, ``StudyGroup`` or ``TeachingAssignment``."""
    return obj.school_class_id


def _range(q, column, date_from, date_to):
    if date_from is not None:
        q = q.where(column >= date_from)
    if date_to is not None:
        q = q.where(column <= date_to)
    return q


def _lesson_query():
    return (Lesson.select(Lesson, Subject, Teacher)
            .join(Subject, on=(Lesson.subject == Subject.id))
            .switch(Lesson).join(Teacher, pw.JOIN.LEFT_OUTER, on=(Lesson.teacher == Teacher.id)))


def _lessons_where(cond, subject_id, include_cancelled: bool, date_from, date_to) -> list[Lesson]:
    """Lessons matching ``cond``, narrowed to a subject and dates, by date and number."""
    q = _lesson_query().where(cond)
    if subject_id is not None:
        q = q.where(Lesson.subject == _id(subject_id))
    if not include_cancelled:
        q = q.where(Lesson.cancelled == False)  # noqa: E712
    q = _range(q, Lesson.date, date_from, date_to)
    return list(q.order_by(Lesson.date, Lesson.number, Lesson.id))


# --- refusals -------------------------------------------------------------------------------------

class Invalid(Exception):
    """Input the journal refuses: ``fields`` maps field names to messages (answered 422)."""

    def __init__(self, fields: dict, code: str = "invalid") -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields, self.code = fields, code


#: the record changed since the editor loaded it; ``current`` is the fresh row (or None: deleted)
StaleEdit = errors.StaleEdit


def _validate_lesson_held(lesson: Lesson, fields: dict) -> None:
    if lesson.cancelled:
        fields["lesson_id"] = N_("The lesson was cancelled.")
    elif lesson.date > clock.today():
        fields["lesson_id"] = N_("The lesson has not taken place yet.")


# --- history --------------------------------------------------------------------------------------

def _insert(model, *names: str) -> Prepared:
    """A prepared INSERT of a whole row (field defaults are not applied: name every field)."""
    missing = set(model._meta.sorted_field_names) - set(names) - {model._meta.primary_key.name}
    if missing:
        raise TypeError(f"{model.__name__}: no value for {sorted(missing)}")

    def build():
        q = model.insert({model._meta.fields[n]: slot(n) for n in names})
        return q.returning(model._meta.primary_key) if is_postgres() else q
    return Prepared(build)


_INSERT_HISTORY = _insert(History, "object_type", "object_id", "student", "lesson", "action", "old", "new", "by",
                          "at")


def _history(object_type: str, object_id: int, student_id: int, lesson_id, action: str, old, new, by) -> None:
    _INSERT_HISTORY.execute(object_type=object_type, object_id=object_id, student=student_id, lesson=lesson_id,
                        action=action, old=None if old is None else str(old)[:64],
                        new=None if new is None else str(new)[:64], by=_id(by), at=utcnow())
