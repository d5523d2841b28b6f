"""Which lessons concern a pupil: the rule, written once.

A pupil attends their class's whole-class lessons and the lessons of their own
groups (splits, streams, an individual plan); not the lessons of the class's other
groups (the other English group), and not the whole-class lessons of a subject they
study on an individual plan (an ``individual`` group of that subject replaces them).

:func:`pupil_conditions` gives the rule as SQL conditions on ``Lesson`` (or on
``TimetableEntry``, whose slots follow the same rule) whose only inputs are the
pupil's id and class id: plain values, or :func:`zhurnal.core.prepared.slot` placeholders in
a statement built once. :func:`student_lessons` reads through it, and so does the
diary's week (its prepared statements take the conditions as they are), so the rule
cannot drift between the two. Re-exported by :mod:`zhurnal.plugins.journal.service`.
"""
from __future__ import annotations

import datetime as dt

import peewee as pw

from zhurnal.plugins.roster.models import GroupMember, Student, StudyGroup

from .common import _id, _lessons_where
from .models import Lesson


def pupil_conditions(model, student_id, class_id) -> tuple[pw.Expression | None, pw.Expression]:
    """The rule as two conditions on ``model`` (``Lesson`` or ``TimetableEntry``): ``(of_class,
    of_groups)``; a row concerns the pupil when either holds.

    ``of_class``: the class's whole-class rows, except subjects the pupil studies on an
    individual plan, and the class's rows of the pupil's groups (``None`` for a pupil out of
    class, when ``class_id`` is ``None``). ``of_groups``: the rows of the pupil's groups,
    whatever their class (a stream has none). Both read the pupil's groups by subquery, so a
    statement built with slots keeps one fixed shape. They are given apart so that a query may
    read each through its own index (class and date, group and date) instead of one ``OR``.

    :param student_id: a value or a ``slot``
    :param class_id: a value, ``None``, or a ``slot`` (bound to ``None``, ``of_class`` matches nothing)
    """
    groups = GroupMember.select(GroupMember.group).where(GroupMember.student == student_id)
    of_groups = model.group.in_(groups)
    if class_id is None:
        return None, of_groups
    individual = (GroupMember.select(StudyGroup.subject).join(StudyGroup)
                  .where((GroupMember.student == student_id) & (StudyGroup.kind == "individual") &
                         StudyGroup.subject.is_null(False)))
    of_class = ((model.school_class == class_id) &
                ((model.group.is_null() & model.subject.not_in(individual)) | model.group.in_(groups)))
    return of_class, of_groups


def pupil_condition(model, student_id, class_id) -> pw.Expression:
    """:func:`pupil_conditions` as one condition (their ``OR``)."""
    of_class, of_groups = pupil_conditions(model, student_id, class_id)
    return of_groups if of_class is None else (of_class | of_groups)


def student_group_ids(student) -> list[int]:
    sid = _id(student)
    return [g for (g,) in GroupMember.select(GroupMember.group).where(GroupMember.student == sid).tuples()]


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
    cond = pupil_condition(Lesson, student.id, student.school_class_id)
    return _lessons_where(cond, subject_id, include_cancelled, date_from, date_to)
