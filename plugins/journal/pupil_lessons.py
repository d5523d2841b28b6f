"""Which lessons concern a student: the class's whole-class lessons plus the lessons of the
student's groups (see :func:`student_lessons`). Re-exported by :mod:`plugins.journal.service`.
"""
from __future__ import annotations

import datetime as dt

import peewee as pw

from plugins.roster.models import GroupMember, Student, StudyGroup

from .common import _id, _lessons_where, class_of
from .models import Lesson


def student_group_ids(student) -> list[int]:
    sid = _id(student)
    return [g for (g,) in GroupMember.select(GroupMember.group).where(GroupMember.student == sid).tuples()]


def _student_lesson_cond(student: Student, group_rows: list[tuple[int, str, int | None]]):
    """Which lessons concern ``student``: see :func:`student_lessons`."""
    mine = [g for g, _k, _s in group_rows]
    individual_subjects = [s for _g, kind, s in group_rows if kind == "individual" and s]
    cond = None
    if class_of(student):
        cls = Lesson.school_class == class_of(student)
        own_group = Lesson.group.is_null() | (Lesson.group.in_(mine) if mine else pw.SQL("1 = 0"))
        cond = cls & own_group
        if individual_subjects:
            # an individual plan replaces the class's lessons of that subject
            cond &= ~(Lesson.group.is_null() & Lesson.subject.in_(individual_subjects))
    if mine:
        g = Lesson.group.in_(mine)
        cond = g if cond is None else (cond | g)
    return cond


def student_lessons(student, date_from: dt.date | None = None, date_to: dt.date | None = None, *,
                    subject_id=None, include_cancelled: bool = True) -> list[Lesson]:
    """The lessons a student attends: the class's whole-class lessons plus the lessons of
    the student's groups (splits, streams, individual plan).

    Excluded: lessons of the class's groups the student is not in (the other English
    group) and whole-class lessons of a subject the student studies on an individual
    plan (an ``individual`` group of that subject).

    :returns: :class:`Lesson` rows (``subject``, ``teacher`` joined), by date and number
    """
    if not isinstance(student, Student):
        student = Student.get_by_id(student)
    rows = list(GroupMember.select(StudyGroup.id, StudyGroup.kind, StudyGroup.subject)
                .join(StudyGroup).where(GroupMember.student == student.id).tuples())
    cond = _student_lesson_cond(student, rows)
    if cond is None:
        return []
    return _lessons_where(cond, subject_id, include_cancelled, date_from, date_to)
