"""The journal's read functions (public through :mod:`zhurnal.plugins.journal.service`: the diary,
analytics, paper export and the journal's own pages call them).

Conventions:

* dates are inclusive ranges ``date_from``..``date_to`` (``None``: open end);
* a lesson of a *split* group or an individual-plan group carries both the group
  and the group's class (``Lesson.school_class``); a *stream* lesson only the group;
* lists come back with the related rows already joined (``lesson.subject``,
  ``lesson.teacher``, ``mark.kind``...), so reading them runs no further queries.

The timetable's reads are in :mod:`.timetable`, which lessons concern a student in
:mod:`.pupil_lessons`.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Iterable

import peewee as pw

from zhurnal.core.identity.models import User
from zhurnal.plugins.roster import service as roster
from zhurnal.plugins.roster.models import Period, Student, Subject

from .common import Teacher, _id, _lesson_query, _lessons_where, _range
from .models import Attendance, History, Lesson, Mark, Remark, TermMark, WorkKind
from .pupil_lessons import student_lessons


def period_dates(period) -> tuple[dt.date | None, dt.date | None]:
    """``(start, end)`` of a :class:`Period` (or its id), or of a ``(from, to)`` tuple; ``None``: open."""
    if period is None:
        return None, None
    if isinstance(period, tuple):
        return period
    if not isinstance(period, Period):
        period = Period.get_by_id(period)
    return period.start, period.end


def lessons_for(class_id=None, group_ids: Iterable[int] = (), subject_id=None, date_from: dt.date | None = None,
                date_to: dt.date | None = None, *, whole_class_only: bool = False,
                include_cancelled: bool = True) -> list[Lesson]:
    """Lessons of a class and/or of study groups, by date and lesson number.

    :param class_id: lessons held for this class, including those of its split and
        individual-plan groups (``whole_class_only=True``: only whole-class lessons)
    :param group_ids: lessons of these groups (streams included)
    :param subject_id: only this subject
    :returns: :class:`Lesson` rows with ``subject`` and ``teacher`` joined
    """
    group_ids = [_id(g) for g in group_ids]
    cond = None
    if class_id is not None:
        cond = Lesson.school_class == _id(class_id)
        if whole_class_only:
            cond &= Lesson.group.is_null()
    if group_ids:
        g = Lesson.group.in_(group_ids)
        cond = g if cond is None else (cond | g)
    if cond is None:
        return []
    return _lessons_where(cond, subject_id, include_cancelled, date_from, date_to)


def marks_for(student_ids: Iterable[int], lesson_ids: Iterable[int] | None = None, *,
              date_from: dt.date | None = None, date_to: dt.date | None = None) -> list[Mark]:
    """Marks of these students (in these lessons, or in lessons within the dates).

    :returns: :class:`Mark` rows with ``kind`` (:class:`WorkKind`) and ``lesson`` joined,
        by lesson date and creation
    """
    sids = [_id(s) for s in student_ids]
    if not sids:
        return []
    q = (Mark.select(Mark, WorkKind, Lesson).join(WorkKind).switch(Mark).join(Lesson)
         .where(Mark.student.in_(sids)))
    if lesson_ids is not None:
        lids = [_id(x) for x in lesson_ids]
        if not lids:
            return []
        q = q.where(Mark.lesson.in_(lids))
    q = _range(q, Lesson.date, date_from, date_to)
    return list(q.order_by(Lesson.date, Lesson.number, Mark.id))


def attendance_for(student_ids: Iterable[int], lesson_ids: Iterable[int] | None = None, *,
                   date_from: dt.date | None = None, date_to: dt.date | None = None) -> list[Attendance]:
    """Absences and late arrivals of these students (no row means present).

    :returns: :class:`Attendance` rows with ``lesson`` joined, by date and lesson number
    """
    sids = [_id(s) for s in student_ids]
    if not sids:
        return []
    q = Attendance.select(Attendance, Lesson).join(Lesson).where(Attendance.student.in_(sids))
    if lesson_ids is not None:
        lids = [_id(x) for x in lesson_ids]
        if not lids:
            return []
        q = q.where(Attendance.lesson.in_(lids))
    q = _range(q, Lesson.date, date_from, date_to)
    return list(q.order_by(Lesson.date, Lesson.number))


def remarks_for(student_ids: Iterable[int], date_from: dt.date | None = None,
                date_to: dt.date | None = None) -> list[Remark]:
    """Teachers' remarks, recommendations and praise, newest first (``teacher``, ``subject`` joined)."""
    sids = [_id(s) for s in student_ids]
    if not sids:
        return []
    q = (Remark.select(Remark, Teacher, Subject)
         .join(Teacher, pw.JOIN.LEFT_OUTER, on=(Remark.teacher == Teacher.id))
         .switch(Remark).join(Subject, pw.JOIN.LEFT_OUTER, on=(Remark.subject == Subject.id))
         .where(Remark.student.in_(sids)))
    q = _range(q, Remark.date, date_from, date_to)
    return list(q.order_by(Remark.date.desc(), Remark.id.desc()))


def averages(student_ids: Iterable[int], subject_id, period=None, *, group_id=None) -> dict[int, float | None]:
    """Weighted averages of the students' marks in a subject.

    ``sum(numeric * weight) / sum(weight)`` over the marks with a numeric value
    (pass/fail marks do not count) in lessons of the subject within ``period`` (a
    :class:`Period`, its id, a ``(from, to)`` tuple or ``None`` for all time).
    One query.

    :returns: ``{student_id: average rounded to 2 places, or None}`` for every student given
    """
    sids = [_id(s) for s in student_ids]
    out: dict[int, float | None] = {s: None for s in sids}
    if not sids:
        return out
    a, b = period_dates(period)
    q = (Mark.select(Mark.student, pw.fn.SUM(Mark.numeric * Mark.weight), pw.fn.SUM(Mark.weight))
         .join(Lesson)
         .where(Mark.student.in_(sids) & (Lesson.subject == _id(subject_id)) & Mark.numeric.is_null(False)))
    if group_id is not None:
        q = q.where(Lesson.group == _id(group_id))
    q = _range(q, Lesson.date, a, b)
    for sid, num, den in q.group_by(Mark.student).tuples():
        if den:
            out[sid] = round(float(num) / float(den), 2)
    return out


def averages_by_subject(student_ids: Iterable[int], period=None) -> dict[tuple[int, int], float]:
    """Weighted averages for every (student, subject) pair with marks in ``period``; one query."""
    sids = [_id(s) for s in student_ids]
    if not sids:
        return {}
    a, b = period_dates(period)
    q = (Mark.select(Mark.student, Lesson.subject, pw.fn.SUM(Mark.numeric * Mark.weight), pw.fn.SUM(Mark.weight))
         .join(Lesson).where(Mark.student.in_(sids) & Mark.numeric.is_null(False)))
    q = _range(q, Lesson.date, a, b)
    return {(sid, subj): round(float(num) / float(den), 2)
            for sid, subj, num, den in q.group_by(Mark.student, Lesson.subject).tuples() if den}


def control_works(class_id=None, student=None, date_from: dt.date | None = None,
                  date_to: dt.date | None = None) -> list[Lesson]:
    """Planned and held control / test works (lessons with ``is_control``), by date.

    Give ``class_id`` (the class's lessons, its groups' and the streams its students
    attend included) or ``student`` (exactly the lessons that student attends, see
    :func:`student_lessons`). Cancelled lessons are left out.
    """
    if student is not None:
        return [x for x in student_lessons(student, date_from, date_to, include_cancelled=False) if x.is_control]
    if class_id is None:
        return []
    q = (_lesson_query().where(roster.given_to_class(Lesson, _id(class_id))
                               & (Lesson.is_control == True) & (Lesson.cancelled == False)))  # noqa: E712
    q = _range(q, Lesson.date, date_from, date_to)
    return list(q.order_by(Lesson.date, Lesson.number))


def term_marks_for(student_ids: Iterable[int], year=None, subject_id=None) -> list[TermMark]:
    """Period and year marks of these students (``period`` None = the year mark), ``subject`` joined."""
    sids = [_id(s) for s in student_ids]
    if not sids:
        return []
    q = TermMark.select(TermMark, Subject).join(Subject).where(TermMark.student.in_(sids))
    if year is not None:
        q = q.where(TermMark.year == _id(year))
    if subject_id is not None:
        q = q.where(TermMark.subject == _id(subject_id))
    return list(q.order_by(Subject.name, TermMark.period))


def lessons_of_teacher(user, date_from: dt.date, date_to: dt.date | None = None) -> list[Lesson]:
    """Lessons a teacher gives (including substitutions) in the dates, by date and number."""
    q = _lesson_query().where(Lesson.teacher == _id(user))
    q = _range(q, Lesson.date, date_from, date_to or date_from)
    return list(q.order_by(Lesson.date, Lesson.number))


def lesson_students(lesson: Lesson) -> list[Student]:
    """The students a lesson is for (current members of its group, or its class)."""
    if lesson.group_id:
        return roster.group_students(lesson.group_id)
    if lesson.school_class_id:
        return roster.class_students(lesson.school_class_id)
    return []


def homework_links(lesson: Lesson) -> list[dict]:
    try:
        links = json.loads(lesson.homework_links or "[]")
    except ValueError:
        return []
    return links if isinstance(links, list) else []


def history_for(object_type: str | None = None, object_id: int | None = None, *, lesson_id=None,
                student_id=None) -> list[History]:
    """Change history (``by`` joined), oldest first: of one object, or of one journal cell
    (``lesson_id`` + ``student_id``: every mark and the attendance of that student there)."""
    By = User.alias("by_user")
    q = History.select(History, By).join(By, pw.JOIN.LEFT_OUTER, on=(History.by == By.id))
    if object_type is not None:
        q = q.where(History.object_type == object_type)
    if object_id is not None:
        q = q.where(History.object_id == object_id)
    if lesson_id is not None:
        q = q.where(History.lesson == _id(lesson_id))
    if student_id is not None:
        q = q.where(History.student == _id(student_id))
    return list(q.order_by(History.at, History.id))


# --- personal data (152-FZ) -----------------------------------------------------------------------

def personal_data(student_id: int) -> dict:
    """What the journal holds about a student, for a subject access request."""
    marks = marks_for([student_id])
    subj = {s.id: s.name for s in Subject.select(Subject.id, Subject.name)}
    return {
        "marks": [{"date": m.lesson.date.isoformat(), "subject": subj.get(m.lesson.subject_id), "value": m.value,
                   "kind": m.kind.code, "comment": m.comment} for m in marks],
        "attendance": [{"date": a.lesson.date.isoformat(), "subject": subj.get(a.lesson.subject_id),
                        "status": a.status, "reason": a.reason} for a in attendance_for([student_id])],
        "term_marks": [{"subject": t.subject.name, "period": t.period_id, "value": t.value}
                       for t in term_marks_for([student_id])],
        "remarks": [{"date": r.date.isoformat(), "kind": r.kind, "text": r.text} for r in remarks_for([student_id])],
    }
