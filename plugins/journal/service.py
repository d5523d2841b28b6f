"""The journal's public service API: the only place that writes journal tables.

Plugins that declare ``depends = (..., "journal")`` (diary, analytics) read the
journal through the *read* functions below and the models; they never write.
Every write runs in one transaction with its :func:`core.audit.record` entry and
:class:`~plugins.journal.models.History` rows, and announces itself after commit
with a signal from :mod:`core.signals` (``mark_saved``, ``attendance_saved``,
``homework_set``, ``lesson_changed``).

Conventions of the read functions:

* dates are inclusive ranges ``date_from``..``date_to`` (``None``: open end);
* a lesson of a *split* group or an individual-plan group carries both the group
  and the group's class (``Lesson.school_class``); a *stream* lesson only the group;
* lists come back with the related rows already joined (``lesson.subject``,
  ``lesson.teacher``, ``mark.kind``...), so reading them runs no further queries.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable

import peewee as pw

from core import audit, clock, signals
from core.db import converters, database, is_postgres, model_from_row, utcnow
from core.i18n import N_
from core.identity.models import User
from core.prepared import Prepared, as_date, slot
from plugins.roster import service as roster
from plugins.roster.models import AcademicYear, GroupMember, Period, SchoolClass, Student, StudyGroup, Subject

from . import notices
from .models import (ATTENDANCE, CHANGE_KINDS, REMARK_KINDS, Attendance, BellTime, History, Lesson, Mark,
                     MarkScale, Remark, SubjectScale, TermMark, TimetableChange, TimetableEntry, WorkKind)

Teacher = User.alias("teacher")


# =====================================================================================
# Reading (public: diary, analytics and the journal's own views call these)
# =====================================================================================

def _id(x):
    return getattr(x, "id", x)


def class_of(obj) -> int | None:
    """The class id of a roster ``Student``, ``StudyGroup`` or ``TeachingAssignment``.

    Their ``school_class`` foreign key lives in the column ``class_id``, so peewee's
    id accessor is ``obj.class_id`` (not ``obj.school_class_id``); this reads it
    whatever the accessor is called.
    """
    return obj.__data__.get("school_class")


def _range(q, column, date_from, date_to):
    if date_from is not None:
        q = q.where(column >= date_from)
    if date_to is not None:
        q = q.where(column <= date_to)
    return q


def period_dates(period) -> tuple[dt.date | None, dt.date | None]:
    """``(start, end)`` of a :class:`Period` (or its id), or of a ``(from, to)`` tuple; ``None``: open."""
    if period is None:
        return None, None
    if isinstance(period, tuple):
        return period
    if not isinstance(period, Period):
        period = Period.get_by_id(period)
    return period.start, period.end


def _lesson_query():
    return (Lesson.select(Lesson, Subject, Teacher)
            .join(Subject, on=(Lesson.subject == Subject.id))
            .switch(Lesson).join(Teacher, pw.JOIN.LEFT_OUTER, on=(Lesson.teacher == Teacher.id)))


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


def _lessons_where(cond, subject_id, include_cancelled: bool, date_from, date_to) -> list[Lesson]:
    """Lessons matching ``cond``, narrowed to a subject and dates, by date and number."""
    q = _lesson_query().where(cond)
    if subject_id is not None:
        q = q.where(Lesson.subject == _id(subject_id))
    if not include_cancelled:
        q = q.where(Lesson.cancelled == False)  # noqa: E712
    q = _range(q, Lesson.date, date_from, date_to)
    return list(q.order_by(Lesson.date, Lesson.number, Lesson.id))


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
    cid = _id(class_id)
    streams = GroupMember.select(GroupMember.group).join(Student).where(Student.school_class == cid)
    q = (_lesson_query().where(((Lesson.school_class == cid) |
                                (Lesson.school_class.is_null() & Lesson.group.in_(streams)))
                               & (Lesson.is_control == True) & (Lesson.cancelled == False)))  # noqa: E712
    q = _range(q, Lesson.date, date_from, date_to)
    return list(q.order_by(Lesson.date, Lesson.number))


def bells(school) -> list[BellTime]:
    """The school's bell times by lesson number."""
    return list(BellTime.select().where(BellTime.school == _id(school)).order_by(BellTime.number))


def _timetable_query():
    return (TimetableEntry.select(TimetableEntry, Subject, Teacher, StudyGroup)
            .join(Subject, on=(TimetableEntry.subject == Subject.id))
            .switch(TimetableEntry).join(Teacher, pw.JOIN.LEFT_OUTER, on=(TimetableEntry.teacher == Teacher.id))
            .switch(TimetableEntry).join(StudyGroup, pw.JOIN.LEFT_OUTER, on=(TimetableEntry.group == StudyGroup.id)))


def _valid_on(q, day: dt.date | None):
    if day is None:
        return q
    return q.where((TimetableEntry.valid_from.is_null() | (TimetableEntry.valid_from <= day)) &
                   (TimetableEntry.valid_to.is_null() | (TimetableEntry.valid_to >= day)))


def timetable_for_class(class_id, day: dt.date | None = None) -> list[TimetableEntry]:
    """The weekly timetable of a class: its whole-class slots, its groups' slots and the
    stream slots its students attend; by weekday (1 = Monday) and lesson number.

    :param day: only entries valid on that day (default: all)
    :returns: :class:`TimetableEntry` rows with ``subject``, ``teacher``, ``group`` joined
    """
    cid = _id(class_id)
    streams = (GroupMember.select(GroupMember.group).join(Student)
               .where(Student.school_class == cid))
    q = _timetable_query().where((TimetableEntry.school_class == cid) |
                                 (TimetableEntry.school_class.is_null() & TimetableEntry.group.in_(streams)))
    q = _valid_on(q, day)
    return list(q.order_by(TimetableEntry.weekday, TimetableEntry.number, TimetableEntry.id))


def timetable_for_student(student, day: dt.date | None = None) -> list[TimetableEntry]:
    """The weekly timetable as one student attends it (other groups' slots left out)."""
    if not isinstance(student, Student):
        student = Student.get_by_id(student)
    rows = list(GroupMember.select(StudyGroup.id, StudyGroup.kind, StudyGroup.subject)
                .join(StudyGroup).where(GroupMember.student == student.id).tuples())
    mine = [g for g, _k, _s in rows]
    individual = [s for _g, k, s in rows if k == "individual" and s]
    cond = None
    if class_of(student):
        cond = (TimetableEntry.school_class == class_of(student)) & (
            TimetableEntry.group.is_null() | (TimetableEntry.group.in_(mine) if mine else pw.SQL("1 = 0")))
        if individual:
            cond &= ~(TimetableEntry.group.is_null() & TimetableEntry.subject.in_(individual))
    if mine:
        cond = TimetableEntry.group.in_(mine) if cond is None else (cond | TimetableEntry.group.in_(mine))
    if cond is None:
        return []
    q = _valid_on(_timetable_query().where(cond), day)
    return list(q.order_by(TimetableEntry.weekday, TimetableEntry.number, TimetableEntry.id))


def timetable_for_teacher(user, day: dt.date | None = None) -> list[TimetableEntry]:
    q = _valid_on(_timetable_query().where(TimetableEntry.teacher == _id(user)), day)
    return list(q.order_by(TimetableEntry.weekday, TimetableEntry.number))


def timetable_changes(entry_ids: Iterable[int], date_from: dt.date | None = None,
                      date_to: dt.date | None = None) -> list[TimetableChange]:
    """One-day changes (substitution, cancelled, room) of these timetable entries (``teacher`` joined)."""
    ids = [_id(e) for e in entry_ids]
    if not ids:
        return []
    q = (TimetableChange.select(TimetableChange, Teacher)
         .join(Teacher, pw.JOIN.LEFT_OUTER, on=(TimetableChange.teacher == Teacher.id))
         .where(TimetableChange.entry.in_(ids)))
    q = _range(q, TimetableChange.date, date_from, date_to)
    return list(q.order_by(TimetableChange.date, TimetableChange.id))


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


# --- scales and kinds of work ------------------------------------------------------------------

#: the scales every school starts with: code -> (name, values best first, numeric values)
DEFAULT_SCALES = {
    "five": ("Пятибалльная", ["5", "4", "3", "2", "1"], {"5": 5, "4": 4, "3": 3, "2": 2, "1": 1}),
    "pass": ("Зачёт / незачёт", ["зач", "незач"], {}),
    "ten": ("Десятибалльная", [str(n) for n in range(10, 0, -1)], {str(n): n for n in range(1, 11)}),
}
DEFAULT_SCALE = "five"
#: kinds of work every school starts with: (code, name, weight)
DEFAULT_WORK_KINDS = [
    ("answer", "Ответ на уроке", 1.0), ("classwork", "Работа на уроке", 1.0), ("homework", "Домашняя работа", 1.0),
    ("independent", "Самостоятельная работа", 1.5), ("test", "Проверочная работа", 1.5),
    ("dictation", "Диктант", 2.0), ("essay", "Сочинение", 2.0), ("lab", "Практическая работа", 1.5),
    ("control", "Контрольная работа", 2.0),
]


@dataclass(frozen=True)
class Scale:
    """A marking scale as the journal uses it."""
    code: str
    name: str
    values: tuple[str, ...]
    numeric: dict = field(default_factory=dict, compare=False, hash=False)

    def number(self, value: str) -> float | None:
        n = self.numeric.get(value)
        return None if n is None else float(n)

    def propose(self, average: float | None) -> str | None:
        """The mark a weighted average rounds to (x.5 rounds up), if the scale is numeric."""
        if average is None or not self.numeric:
            return None
        best = None
        for value, n in self.numeric.items():
            if n <= average + 0.5 + 1e-9 and (best is None or n > self.numeric[best]):
                best = value
        return best


def _scale_from(row: MarkScale) -> Scale:
    return Scale(row.code, row.name, tuple(json.loads(row.values)), json.loads(row.numeric or "{}"))


def _builtin(code: str = DEFAULT_SCALE) -> Scale:
    name, values, numeric = DEFAULT_SCALES[code]
    return Scale(code, name, tuple(values), numeric)


def scales(school) -> list[Scale]:
    rows = list(MarkScale.select().where(MarkScale.school == _id(school)).order_by(MarkScale.id))
    return [_scale_from(r) for r in rows] or [_builtin(c) for c in DEFAULT_SCALES]


def scale_for(subject_id, school_id) -> Scale:
    """The scale a subject is marked on: its own (``SubjectScale``), else the school's default. One query."""
    rows = list(MarkScale.select(MarkScale, SubjectScale.subject.alias("for_subject"))
                .join(SubjectScale, pw.JOIN.LEFT_OUTER,
                      on=((SubjectScale.scale == MarkScale.id) & (SubjectScale.subject == _id(subject_id))))
                .where((MarkScale.school == _id(school_id)) &
                       ((MarkScale.is_default == True) | SubjectScale.subject.is_null(False)))  # noqa: E712
                .objects())
    own = [r for r in rows if getattr(r, "for_subject", None)]
    row = own[0] if own else (rows[0] if rows else None)
    return _scale_from(row) if row is not None else _builtin()


def work_kinds(school) -> list[WorkKind]:
    """The school's kinds of work (created with the defaults on first use of the journal)."""
    return _WORK_KINDS.objects(school=_id(school))


_WORK_KINDS = Prepared(lambda: WorkKind.select(*WorkKind._meta.sorted_fields).where(WorkKind.school == slot("school"))
                       .order_by(WorkKind.weight, WorkKind.id), model=WorkKind)


def ensure_defaults(school) -> None:
    """Create the default scales and kinds of work of a school if it has none (idempotent)."""
    sid = _id(school)
    with database.atomic():
        if not MarkScale.select().where(MarkScale.school == sid).exists():
            MarkScale.insert_many([
                {"school": sid, "code": code, "name": name, "values": json.dumps(values, ensure_ascii=False),
                 "numeric": json.dumps(numeric, ensure_ascii=False), "is_default": code == DEFAULT_SCALE}
                for code, (name, values, numeric) in DEFAULT_SCALES.items()]).on_conflict_ignore().execute()
        if not WorkKind.select().where(WorkKind.school == sid).exists():
            WorkKind.insert_many([{"school": sid, "code": c, "name": n, "weight": w}
                                  for c, n, w in DEFAULT_WORK_KINDS]).on_conflict_ignore().execute()


def set_subject_scale(subject: Subject, scale_code: str | None, *, by=None) -> None:
    """Mark ``subject`` on another scale of its school (``None``: back to the default)."""
    with database.atomic():
        ensure_defaults(subject.school_id)
        SubjectScale.delete().where(SubjectScale.subject == subject.id).execute()
        if scale_code:
            scale = MarkScale.get((MarkScale.school == subject.school_id) & (MarkScale.code == scale_code))
            SubjectScale.create(subject=subject, scale=scale)
        audit.record("journal.scale.subject", subject, user=by, school_id=subject.school_id,
                     data={"scale": scale_code})


def set_scale(school, code: str, name: str, values: list[str], numeric: dict, *, default: bool = False,
              by=None) -> Scale:
    """Add a marking scale to a school or change one, and make it the school's default if asked
    (exactly one scale is the default: the others lose the flag).

    ``values`` are the marks best first; ``numeric`` maps marks to the numbers averages use
    (a mark without a number, like "зач", is not averaged). Marks already given keep their
    value and number.

    :raises Invalid: no or repeated values, numbers for marks not in ``values``, or taking
        the default flag off the default scale (make another one the default instead)
    """
    sid = _id(school)
    fields: dict = {}
    values = [str(v).strip() for v in values]
    if not values or any(not v or len(v) > 8 for v in values):
        fields["values"] = N_("Give the marks of the scale, 1 to 8 characters each.")
    elif len(set(values)) != len(values):
        fields["values"] = N_("Each mark once.")
    elif set(numeric) - set(values):
        fields["numeric"] = N_("Numbers may be given only for marks of the scale.")
    with database.atomic():
        ensure_defaults(sid)
        row = MarkScale.get_or_none((MarkScale.school == sid) & (MarkScale.code == code))
        if row is not None and row.is_default and not default:
            fields["default"] = N_("Make another scale the default instead.")
        if fields:
            raise Invalid(fields)
        old = None if row is None else [row.name, json.loads(row.values), json.loads(row.numeric or "{}"),
                                        row.is_default]
        data = {"name": name, "values": json.dumps(values, ensure_ascii=False),
                "numeric": json.dumps(numeric, ensure_ascii=False), "is_default": bool(default)}
        if default:
            MarkScale.update(is_default=False).where((MarkScale.school == sid) & (MarkScale.code != code)).execute()
        if row is None:
            row = MarkScale.create(school=sid, code=code, **data)
        else:
            MarkScale.update(**data).where(MarkScale.id == row.id).execute()
        audit.record("journal.scale.set", row, user=by, school_id=sid,
                     data={"code": code, "old": old, "new": [name, values, numeric, bool(default)]})
    return _scale_from(MarkScale.get_by_id(row.id))


def set_work_kind(school, code: str, name: str, weight: float, *, by=None) -> WorkKind:
    """Add a kind of work or change its name and weight. The weight applies to marks given
    from now on (a mark keeps the weight it was given with)."""
    sid = _id(school)
    with database.atomic():
        ensure_defaults(sid)
        wk = WorkKind.get_or_none((WorkKind.school == sid) & (WorkKind.code == code))
        old = None if wk is None else [wk.name, wk.weight]
        if wk is None:
            wk = WorkKind.create(school=sid, code=code, name=name, weight=weight)
        else:
            WorkKind.update(name=name, weight=weight).where(WorkKind.id == wk.id).execute()
        audit.record("journal.work_kind.set", wk, user=by, school_id=sid,
                     data={"code": code, "old": old, "new": [name, weight]})
    return WorkKind.get_by_id(wk.id)


def proposed_mark(average: float | None, scale: Scale) -> str | None:
    return scale.propose(average)


# =====================================================================================
# Writing
# =====================================================================================

class Invalid(Exception):
    """Input the journal refuses: ``fields`` maps field names to messages (answered 422)."""

    def __init__(self, fields: dict, code: str = "invalid") -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields, self.code = fields, code


class StaleEdit(Exception):
    """The record changed since the editor loaded it; ``current`` is the fresh row (or None: deleted)."""

    def __init__(self, current) -> None:
        super().__init__("stale edit")
        self.current = current


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


def student_in_lesson(student: Student, lesson: Lesson) -> bool:
    """Is the student one of those the lesson is for (class or group member, not left)?"""
    if student.left_at is not None and student.left_at < lesson.date:
        return False
    if lesson.group_id:
        return GroupMember.select().where((GroupMember.group == lesson.group_id) &
                                          (GroupMember.student == student.id)).exists()
    if lesson.school_class_id is None or class_of(student) != lesson.school_class_id:
        return False
    # an individual plan in the subject replaces the class's lessons
    return not (student.individual_plan and individual_group(student, lesson.subject_id) is not None)


def _history(object_type: str, object_id: int, student_id: int, lesson_id, action: str, old, new, by) -> None:
    _INSERT_HISTORY.execute(object_type=object_type, object_id=object_id, student=student_id, lesson=lesson_id,
                        action=action, old=None if old is None else str(old)[:64],
                        new=None if new is None else str(new)[:64], by=_id(by), at=utcnow())


def _kind(school_id: int, code: str) -> WorkKind | None:
    wk = WorkKind.get_or_none((WorkKind.school == school_id) & (WorkKind.code == code))
    if wk is None and not WorkKind.select().where(WorkKind.school == school_id).exists():
        ensure_defaults(school_id)  # a school's first mark: create its kinds of work
        wk = WorkKind.get_or_none((WorkKind.school == school_id) & (WorkKind.code == code))
    return wk


def _mark_text(mark_or_value, kind_code: str | None = None) -> str:
    return mark_or_value if kind_code is None else f"{mark_or_value} ({kind_code})"


def _validate_lesson_held(lesson: Lesson, fields: dict) -> None:
    if lesson.cancelled:
        fields["lesson_id"] = N_("The lesson was cancelled.")
    elif lesson.date > clock.today():
        fields["lesson_id"] = N_("The lesson has not taken place yet.")


def _validate_mark_target(lesson: Lesson, student: Student, fields: dict) -> None:
    _validate_lesson_held(lesson, fields)
    if student.school_id != lesson.school_id or not student_in_lesson(student, lesson):
        fields["student_id"] = N_("The student is not in this lesson's class or group.")


# --- marks -----------------------------------------------------------------------------------------
#
# Saving a mark is the journal's most frequent write, so its path avoids building peewee
# queries per request: what the checks need (the lesson, its period, the subject's scale,
# the student, the kind of work) is read in one prepared statement, and the rows are
# written with prepared statements too.

@dataclass
class MarkContext:
    """What saving a mark checks, read in one statement: by :func:`mark_target` for a new
    mark, by :func:`mark_context` for an existing one."""
    #: the lesson, with only what the checks read: id, school, period, date, subject,
    #: teacher, class, group, cancelled
    lesson: Lesson
    #: the lesson's period is closed for editing
    closed: bool
    #: the scale the lesson's subject is marked on
    scale: Scale
    student_id: int
    #: the student's class (what a stream lesson's mark counts for)
    student_class_id: int | None
    #: a new mark: the student's school (None: no such student), whether the lesson is for
    #: the student (:func:`student_in_lesson`), the kind of work asked for as ``(id, weight)``
    #: (None: the school has no such kind)
    student_school_id: int | None = None
    student_fits: bool = False
    kind: tuple[int, float] | None = None
    #: an existing mark: the row (``lesson`` joined, its kind's code in ``kind_code``)
    mark: Mark | None = None


def _scale_id():
    """The id of the lesson's subject's scale: its own, else the school's default (see :func:`scale_for`)."""
    own, own_scale, default = SubjectScale.alias("own"), MarkScale.alias("own_scale"), MarkScale.alias("dflt")
    own_id = (own.select(own.scale).join(own_scale, on=(own.scale == own_scale.id))
              .where((own.subject == Lesson.subject) & (own_scale.school == Lesson.school)))
    default_id = (default.select(default.id)
                  .where((default.school == Lesson.school) & (default.is_default == True))  # noqa: E712
                  .order_by(default.id).limit(1))
    return pw.fn.COALESCE(own_id, default_id)


#: what both contexts read of the lesson, its period and its scale (made into a Lesson, a flag
#: and a Scale by _lesson_from)
_LESSON_FIELDS = (Lesson.id, Lesson.school, Lesson.period, Lesson.date, Lesson.subject, Lesson.teacher,
                  Lesson.school_class, Lesson.group, Lesson.cancelled)
_LESSON_COLUMNS = (*_LESSON_FIELDS, Period.closed_at, MarkScale.code, MarkScale.name, MarkScale.values,
                   MarkScale.numeric)
#: a mark's columns, as mark_context reads them and _INSERT_MARK writes them (but the id)
_MARK_FIELDS = tuple(Mark._meta.sorted_fields)


_LESSON_CONVERT, _MARK_CONVERT = converters(_LESSON_FIELDS), converters(_MARK_FIELDS)


def _with_lesson_joins(q):
    return (q.join(Period, on=(Lesson.period == Period.id))
            .switch(Lesson).join(MarkScale, pw.JOIN.LEFT_OUTER, on=(MarkScale.id == _scale_id())))


def _lesson_from(row) -> tuple[Lesson, bool, Scale]:
    n = len(_LESSON_FIELDS)
    lesson = model_from_row(Lesson, _LESSON_CONVERT, row[:n])
    closed_at, code, name, values, numeric = row[n:len(_LESSON_COLUMNS)]
    scale = _builtin() if code is None else Scale(code, name, tuple(json.loads(values)), json.loads(numeric or "{}"))
    return lesson, closed_at is not None, scale


def _target_query():
    member, im, ig = GroupMember.alias("member"), GroupMember.alias("im"), StudyGroup.alias("ig")
    in_group = member.select(pw.SQL("1")).where((member.group == Lesson.group) & (member.student == Student.id))
    individual = (im.select(pw.SQL("1")).join(ig, on=(im.group == ig.id))
                  .where((im.student == Student.id) & (ig.kind == "individual") & (ig.subject == Lesson.subject)))
    q = Lesson.select(
        *_LESSON_COLUMNS, Student.school, Student.school_class, Student.left_at,
        # a group lesson: is the student a member; a class lesson: does an individual plan replace it
        pw.Case(None, [(Lesson.group.is_null(False), pw.fn.EXISTS(in_group))]),
        pw.Case(None, [((Student.individual_plan == True) & Lesson.group.is_null(),  # noqa: E712
                        pw.fn.EXISTS(individual))]),
        WorkKind.id, WorkKind.weight)
    return (_with_lesson_joins(q)
            .switch(Lesson).join(Student, pw.JOIN.LEFT_OUTER, on=(Student.id == slot("student")))
            .switch(Lesson).join(WorkKind, pw.JOIN.LEFT_OUTER,
                                 on=((WorkKind.school == Lesson.school) & (WorkKind.code == slot("kind"))))
            .where(Lesson.id == slot("lesson")))


_TARGET = Prepared(_target_query)


def mark_target(lesson_id: int, student_id: int, kind: str) -> MarkContext | None:
    """What giving ``student_id`` a mark of ``kind`` in ``lesson_id`` checks (None: no such lesson). One query."""
    rows = _TARGET.rows(lesson=lesson_id, student=student_id, kind=kind)
    if not rows:
        return None
    lesson, closed, scale = _lesson_from(rows[0])
    school, class_id, left_at, in_group, individual, kind_id, weight = rows[0][len(_LESSON_COLUMNS):]
    # student_in_lesson(), on what was read
    left_at = as_date(left_at)
    if left_at is not None and left_at < lesson.date:
        fits = False
    elif lesson.group_id:
        fits = bool(in_group)
    else:
        fits = lesson.school_class_id is not None and class_id == lesson.school_class_id and not individual
    return MarkContext(lesson, closed, scale, student_id, class_id, student_school_id=school, student_fits=fits,
                       kind=None if kind_id is None else (kind_id, weight))


def _mark_context_query():
    q = Mark.select(*_LESSON_COLUMNS, *_MARK_FIELDS, WorkKind.code, Student.school_class).join(
        Lesson, on=(Mark.lesson == Lesson.id))
    return (_with_lesson_joins(q)
            .switch(Mark).join(WorkKind, on=(Mark.kind == WorkKind.id))
            .switch(Mark).join(Student, on=(Mark.student == Student.id))
            .where(Mark.id == slot("mark")))


_MARK_CONTEXT = Prepared(_mark_context_query)


def mark_context(mark_id: int) -> MarkContext | None:
    """A mark with what changing or deleting it checks (None: no such mark). One query."""
    rows = _MARK_CONTEXT.rows(mark=mark_id)
    if not rows:
        return None
    lesson, closed, scale = _lesson_from(rows[0])
    n, m = len(_LESSON_COLUMNS), len(_LESSON_COLUMNS) + len(_MARK_FIELDS)
    mark = model_from_row(Mark, _MARK_CONVERT, rows[0][n:m])
    mark.lesson = lesson
    mark.kind_code, class_id = rows[0][m:]
    return MarkContext(lesson, closed, scale, mark.student_id, class_id, mark=mark)


#: whether a period is closed, read inside the write transaction (see _check_closed)
_PERIOD_CLOSED = Prepared(lambda: Period.select(Period.closed_at).where(Period.id == slot("id")))
_PERIOD_CLOSED_PG = Prepared(lambda: Period.select(Period.closed_at).where(Period.id == slot("id"))
                             .for_update("FOR SHARE"))


def _check_closed(context: MarkContext, allow_closed: bool) -> bool:
    """:func:`_check_open` for the lesson's period, called inside the write transaction.

    The period is read again there: what the context read a moment before may have changed.
    On SQLite the writers' lock, on PostgreSQL a share lock on the period's row, keeps the
    period from being closed between this check and the commit.
    """
    rows = (_PERIOD_CLOSED_PG if is_postgres() else _PERIOD_CLOSED).rows(id=context.lesson.period_id)
    if not rows or rows[0][0] is None:
        return False
    if not allow_closed:
        raise Invalid({"lesson_id": CLOSED_MESSAGE}, code="period_closed")
    return True


def _insert(model, *names: str) -> Prepared:
    """A prepared INSERT of a whole row (field defaults are not applied: name every field)."""
    missing = set(model._meta.sorted_field_names) - set(names) - {model._meta.primary_key.name}
    if missing:
        raise TypeError(f"{model.__name__}: no value for {sorted(missing)}")

    def build():
        q = model.insert({model._meta.fields[n]: slot(n) for n in names})
        return q.returning(model._meta.primary_key) if is_postgres() else q
    return Prepared(build)


_INSERT_MARK = _insert(Mark, *(f.name for f in _MARK_FIELDS if f is not Mark._meta.primary_key))
_INSERT_HISTORY = _insert(History, "object_type", "object_id", "student", "lesson", "action", "old", "new", "by",
                          "at")
_DELETE_MARK = Prepared(lambda: Mark.delete().where(Mark.id == slot("id")))
_DELETE_MARK_VERSION = Prepared(lambda: Mark.delete().where((Mark.id == slot("id")) &
                                                            (Mark.version == slot("version"))))
#: UPDATEs of a mark by the columns they change (value and numeric, kind and weight, comment)
_UPDATE_MARK: dict[frozenset, Prepared] = {}


def _update_mark(mark_id: int, version: int, changes: dict, now: dt.datetime) -> int:
    """Save ``changes`` of a mark at ``version`` as ``version + 1``; how many rows changed (0: stale)."""
    columns = frozenset(changes)
    statement = _UPDATE_MARK.get(columns)
    if statement is None:
        statement = _UPDATE_MARK[columns] = Prepared(lambda: Mark.update(
            {**{Mark._meta.fields[c]: slot(c) for c in columns},
             Mark.updated_at: slot("updated_at"), Mark.version: slot("new_version")})
            .where((Mark.id == slot("id")) & (Mark.version == slot("version"))))
    return statement.execute(**changes, updated_at=now, new_version=version + 1, id=mark_id, version=version).rowcount


def add_mark(lesson: Lesson, student: Student, value: str, kind: str = "answer", comment: str = "", *,
             by=None, allow_closed: bool = False, context: MarkContext | None = None) -> Mark:
    """Give a student a mark in a lesson (a lesson may hold several marks per student).

    :param context: what :func:`mark_target` read for this lesson, student and kind (the
        API reads it first, to check access); read here when not given
    :raises Invalid: value outside the subject's scale, unknown kind, a student not
        in the lesson, a cancelled or future lesson, a closed period (unless ``allow_closed``)
    """
    ctx = context or mark_target(_id(lesson), _id(student), kind)
    if ctx is None:
        raise Invalid({"lesson_id": "Unknown lesson."})
    lesson = ctx.lesson
    fields: dict = {}
    value = (value or "").strip()
    if value not in ctx.scale.values:
        fields["value"] = f"Not a mark of the scale: {', '.join(ctx.scale.values)}."
    kind_row = ctx.kind
    if kind_row is None:  # unknown, or the school's first mark (_kind creates its kinds of work)
        wk = _kind(lesson.school_id, kind)
        if wk is None:
            fields["kind"] = N_("Unknown kind of work.")
        else:
            kind_row = (wk.id, wk.weight)
    _validate_lesson_held(lesson, fields)
    if ctx.student_school_id != lesson.school_id or not ctx.student_fits:
        fields["student_id"] = N_("The student is not in this lesson's class or group.")
    if fields:
        raise Invalid(fields)
    comment = comment or ""
    with database.atomic():
        override = _check_closed(ctx, allow_closed)
        now = utcnow()
        mark = Mark(__no_default__=True, lesson=lesson.id, student=ctx.student_id, value=value,
                    numeric=ctx.scale.number(value), kind=kind_row[0], weight=kind_row[1], comment=comment,
                    teacher=_id(by), created_at=now, updated_at=now, version=1)
        mark.id = _INSERT_MARK.insert(**mark.__data__)
        _history("mark", mark.id, ctx.student_id, lesson.id, "created", None, _mark_text(value, kind), by)
        notices.mark(mark.id, 1, ctx.student_id, lesson, value, comment)
        audit.record("journal.mark.create", mark, user=by, school_id=lesson.school_id,
                     data={"student": ctx.student_id, "lesson": lesson.id, "value": value, "kind": kind,
                           "comment": comment})
        if override:
            _audit_override(mark, lesson.period_id, by, lesson.school_id, "mark.create")
    mark.kind_code = kind
    signals.send(signals.mark_saved, mark_id=mark.id, student_id=ctx.student_id, lesson_id=lesson.id,
                 subject_id=lesson.subject_id, class_id=lesson.school_class_id or ctx.student_class_id, value=value,
                 old_value=None, action="created", by=by, school_id=lesson.school_id)
    return mark


def update_mark(mark: Mark, changes: dict, *, version: int, by=None, allow_closed: bool = False,
                context: MarkContext | None = None) -> Mark:
    """Change a mark's value, kind or comment; refuses a stale ``version`` with :class:`StaleEdit`.

    :param changes: any of ``value``, ``kind`` (code), ``comment``
    :param context: what :func:`mark_context` read of the mark (the API reads it first, to
        check access); read here when not given
    :returns: the mark as saved, with its kind's code in ``kind_code``
    """
    ctx = context or mark_context(mark.id)
    if ctx is not None and ctx.mark.version < version:
        # read before a change this editor has seen: compare with (and record) what it replaces
        ctx = mark_context(mark.id)
    if ctx is None:
        raise StaleEdit(None)  # deleted meanwhile
    mark, lesson = ctx.mark, ctx.lesson
    fields: dict = {}
    upd: dict = {}
    diff: dict = {}
    if "value" in changes and changes["value"] is not None:
        value = changes["value"].strip()
        if value not in ctx.scale.values:
            fields["value"] = f"Not a mark of the scale: {', '.join(ctx.scale.values)}."
        elif value != mark.value:
            upd.update(value=value, numeric=ctx.scale.number(value))
            diff["value"] = [mark.value, value]
    old_kind = mark.kind_code
    if "kind" in changes and changes["kind"] is not None and changes["kind"] != old_kind:
        wk = _kind(lesson.school_id, changes["kind"])
        if wk is None:
            fields["kind"] = N_("Unknown kind of work.")
        else:
            upd.update(kind=wk.id, weight=wk.weight)
            diff["kind"] = [old_kind, wk.code]
    if "comment" in changes and changes["comment"] is not None and changes["comment"] != mark.comment:
        upd["comment"] = changes["comment"]
        diff["comment"] = [mark.comment, changes["comment"]]
    if fields:
        raise Invalid(fields)
    with database.atomic():
        override = _check_closed(ctx, allow_closed)
        now = utcnow()
        if _update_mark(mark.id, version, upd, now) == 0:
            raise StaleEdit(Mark.get_or_none(Mark.id == mark.id))
        new_kind = diff.get("kind", [None, old_kind])[1]
        if diff.get("value"):
            notices.mark(mark.id, version + 1, mark.student_id, lesson, upd["value"], upd.get("comment", mark.comment))
        if diff.get("value") or diff.get("kind"):
            _history("mark", mark.id, mark.student_id, lesson.id, "updated", _mark_text(mark.value, old_kind),
                     _mark_text(upd.get("value", mark.value), new_kind), by)
        audit.record("journal.mark.update", mark, user=by, school_id=lesson.school_id,
                     data={"student": mark.student_id, "lesson": lesson.id, **diff})
        if override:
            _audit_override(mark, lesson.period_id, by, lesson.school_id, "mark.update")
    if mark.version == version:
        # the row updated is the one read (a version is never reused): no need to read it again
        fresh = Mark(__no_default__=True, **{**mark.__data__, **upd, "updated_at": now, "version": version + 1})
    else:
        fresh = Mark.get_by_id(mark.id)
    fresh.kind_code = new_kind
    if diff:
        signals.send(signals.mark_saved, mark_id=mark.id, student_id=mark.student_id, lesson_id=lesson.id,
                     subject_id=lesson.subject_id, class_id=lesson.school_class_id or ctx.student_class_id,
                     value=fresh.value, old_value=mark.value, action="updated", by=by, school_id=lesson.school_id)
    return fresh


def delete_mark(mark: Mark, *, version: int | None = None, by=None, allow_closed: bool = False,
                context: MarkContext | None = None) -> None:
    """Remove a mark (kept in History and the audit); a stale ``version`` raises :class:`StaleEdit`.

    :param context: what :func:`mark_context` read of the mark (the API reads it first, to
        check access); read here when not given
    """
    ctx = context or mark_context(mark.id)
    if ctx is not None and version is not None and ctx.mark.version < version:
        ctx = mark_context(mark.id)  # read before a change this editor has seen: record what is deleted
    if ctx is None:
        raise StaleEdit(None)  # deleted meanwhile
    mark, lesson = ctx.mark, ctx.lesson
    with database.atomic():
        override = _check_closed(ctx, allow_closed)
        if version is None:
            deleted = _DELETE_MARK.execute(id=mark.id).rowcount
        else:
            deleted = _DELETE_MARK_VERSION.execute(id=mark.id, version=version).rowcount
        if deleted == 0:
            raise StaleEdit(Mark.get_or_none(Mark.id == mark.id))
        _history("mark", mark.id, mark.student_id, lesson.id, "deleted", _mark_text(mark.value, mark.kind_code), None,
                 by)
        audit.record("journal.mark.delete", mark, user=by, school_id=lesson.school_id,
                     data={"student": mark.student_id, "lesson": lesson.id, "value": mark.value,
                           "kind": mark.kind_code})
        if override:
            _audit_override(mark, lesson.period_id, by, lesson.school_id, "mark.delete")
    signals.send(signals.mark_saved, mark_id=mark.id, student_id=mark.student_id, lesson_id=lesson.id,
                 subject_id=lesson.subject_id, class_id=lesson.school_class_id or ctx.student_class_id, value=None,
                 old_value=mark.value, action="deleted", by=by, school_id=lesson.school_id)


# --- attendance ------------------------------------------------------------------------------------

def set_attendance(lesson: Lesson, student: Student, status: str | None, reason: str = "", *, by=None,
                   version: int | None = None, allow_closed: bool = False) -> Attendance | None:
    """Mark a student absent / late / absent for a valid reason / ill at a lesson, or present
    (``status`` None or ``"present"`` removes the record).

    :param version: if given, the version of the record the editor saw (0: "there was none");
        a different current state raises :class:`StaleEdit`
    :returns: the attendance row, or None when the student is now present
    """
    if status == "present":
        status = None
    fields: dict = {}
    if status is not None and status not in ATTENDANCE:
        fields["status"] = f"Must be one of: {', '.join(ATTENDANCE)} or present."
    _validate_mark_target(lesson, student, fields)
    if fields:
        raise Invalid(fields)
    period = lesson_period(lesson)
    old_status = None
    # an absence on a day a document (a medical certificate) already covers is excused at once
    justified_by = _justification(student.id, lesson) if status in ("absent", "ill") else None
    recorded, status = status, ("valid" if justified_by else status)
    with database.atomic():
        override = _check_open(period, "lesson_id", allow_closed)
        # another client may change the cell between our read and our write (PostgreSQL runs such
        # transactions side by side): every write says which row state it applies to and counts what
        # it changed. With a version that is a conflict; without one ("overwrite") look again
        for _attempt in range(5):
            row = Attendance.get_or_none((Attendance.lesson == lesson.id) & (Attendance.student == student.id))
            if version is not None and (row.version if row else 0) != version:
                raise StaleEdit(row)
            old_status = row.status if row else None
            old_reason = row.reason if row else ""
            if old_status == status and (status is None or (reason or "") == old_reason):
                return row
            if status is None:
                # only what this transaction deleted is recorded as deleted (one history row, one audit entry)
                if Attendance.delete().where((Attendance.id == row.id) &
                                             (Attendance.version == row.version)).execute() == 0:
                    continue
                _history("attendance", row.id, student.id, lesson.id, "deleted", old_status, None, by)
                result = None
            elif row is None:
                try:
                    with database.atomic():
                        result = Attendance.create(lesson=lesson.id, student=student.id, status=status,
                                                   reason=reason or "", updated_by=_id(by), updated_at=utcnow(),
                                                   justified_by=justified_by,
                                                   status_before=recorded if justified_by else None)
                except pw.IntegrityError:  # someone else recorded it at the same moment
                    continue
                _history("attendance", result.id, student.id, lesson.id, "created", None, status, by)
            else:
                n = (Attendance.update(status=status, reason=reason or "", justified_by=justified_by,
                                       status_before=recorded if justified_by else None,
                                       updated_by=_id(by), updated_at=utcnow(), version=Attendance.version + 1)
                     .where((Attendance.id == row.id) & (Attendance.version == row.version)).execute())
                if n == 0:
                    continue
                _history("attendance", row.id, student.id, lesson.id, "updated", old_status, status, by)
                result = Attendance.get_by_id(row.id)
            break
        else:
            raise StaleEdit(Attendance.get_or_none((Attendance.lesson == lesson.id) &
                                                   (Attendance.student == student.id)))
        notices.attendance(student.id, lesson, status)
        audit.record("journal.attendance.set", result or row, user=by, school_id=lesson.school_id,
                     data={"student": student.id, "lesson": lesson.id, "status": [old_status, status],
                           "reason": reason or ""})
        if justified_by:
            audit.record("journal.attendance.justify", student, user=by, school_id=lesson.school_id,
                         data={"justified_by": justified_by, "attendance": [(result or row).id],
                               "lesson": lesson.id, "recorded": recorded})
        if override:
            _audit_override(result or row, period, by, lesson.school_id, "attendance.set")
    signals.send(signals.attendance_saved, student_id=student.id, lesson_id=lesson.id, status=status,
                 old_status=old_status, by=by, school_id=lesson.school_id)
    return result


def _justification(student_id: int, lesson: Lesson) -> str | None:
    """Ask the plugins enabled for the school whether a document excuses this day."""
    from flask import current_app
    ext = current_app.extensions["zhurnal"]
    hooks = ext.plugins.hook_for(ext.school_by_id(lesson.school_id))
    return hooks.zhurnal_absence_justification(student_id=student_id, day=lesson.date)


def certificate_tag(certificate_id) -> str:
    return f"health_sheet:certificate:{certificate_id}"


def justify_absences(student_id: int, date_from: dt.date, date_to: dt.date, *, justified_by: str,
                     reason: str = "", by=None, school_id: int | None = None) -> list[int]:
    """Turn the student's absences ("absent", "ill") in lessons within the dates into "valid",
    keeping the old status in ``status_before`` and the source in ``justified_by``.

    Lessons in closed periods are left as they are. Audited as ``journal.attendance.justify``.
    :returns: ids of the changed attendance rows
    """
    rows = list(Attendance.select(Attendance, Lesson).join(Lesson)
                .join(Period, on=(Lesson.period == Period.id))
                .where((Attendance.student == student_id) & Attendance.status.in_(("absent", "ill")) &
                       (Lesson.date >= date_from) & (Lesson.date <= date_to) & Period.closed_at.is_null()))
    if not rows:
        return []
    student = Student.get_by_id(student_id)
    school_id = school_id or student.school_id
    with database.atomic():
        for a in rows:
            Attendance.update(status="valid", status_before=a.status, justified_by=justified_by,
                              reason=reason or a.reason, updated_by=_id(by), updated_at=utcnow(),
                              version=Attendance.version + 1).where(Attendance.id == a.id).execute()
            _history("attendance", a.id, student_id, a.lesson_id, "justified", a.status, "valid", by)
        audit.record("journal.attendance.justify", student, user=by, school_id=school_id,
                     data={"justified_by": justified_by, "from": date_from.isoformat(), "to": date_to.isoformat(),
                           "attendance": [a.id for a in rows]})
    for a in rows:
        signals.send(signals.attendance_saved, student_id=student_id, lesson_id=a.lesson_id, status="valid",
                     old_status=a.status, by=by, school_id=school_id)
    return [a.id for a in rows]


def excuse_absences(student: Student, date_from: dt.date, date_to: dt.date, reason: str, *, by=None) -> list[int]:
    """A class teacher excuses a student's absences for a reason (a note from the family):
    like a certificate, with its own tag so that it can be told apart."""
    import uuid
    tag = f"journal:reason:{uuid.uuid4().hex[:12]}"
    return justify_absences(student.id, date_from, date_to, justified_by=tag, reason=reason, by=by,
                            school_id=student.school_id)


def unjustify_absences(student_id: int, *, justified_by: str, by=None, school_id: int | None = None) -> list[int]:
    """Withdraw a justification: the rows it turned "valid" go back to their ``status_before``.

    Lessons in closed periods are left as they are. Audited as ``journal.attendance.unjustify``.
    """
    rows = list(Attendance.select(Attendance, Lesson).join(Lesson)
                .join(Period, on=(Lesson.period == Period.id))
                .where((Attendance.student == student_id) & (Attendance.justified_by == justified_by) &
                       Period.closed_at.is_null()))
    if not rows:
        return []
    student = Student.get_by_id(student_id)
    school_id = school_id or student.school_id
    with database.atomic():
        for a in rows:
            back = a.status_before or "absent"
            Attendance.update(status=back, status_before=None, justified_by=None, updated_by=_id(by),
                              updated_at=utcnow(), version=Attendance.version + 1).where(Attendance.id == a.id).execute()
            _history("attendance", a.id, student_id, a.lesson_id, "unjustified", a.status, back, by)
        audit.record("journal.attendance.unjustify", student, user=by, school_id=school_id,
                     data={"justified_by": justified_by, "attendance": [a.id for a in rows]})
    for a in rows:
        signals.send(signals.attendance_saved, student_id=student_id, lesson_id=a.lesson_id,
                     status=a.status_before or "absent", old_status="valid", by=by, school_id=school_id)
    return [a.id for a in rows]


# --- lessons ---------------------------------------------------------------------------------------

LESSON_FIELDS = ("topic", "homework", "homework_links", "homework_due", "is_control", "control_title", "cancelled",
                 "number", "date", "teacher")


def period_of_date(school_id: int, day: dt.date) -> Period | None:
    return roster.period_for(school_id, day)


def _year_holidays(period: Period) -> set[dt.date]:
    return roster.holiday_dates(period.year_id)


def individual_group(student: Student, subject_id: int) -> StudyGroup | None:
    """The student's individual-plan group in a subject, if any."""
    return (StudyGroup.select().join(GroupMember)
            .where((GroupMember.student == student.id) & (StudyGroup.kind == "individual") &
                   (StudyGroup.subject == subject_id)).first())


def create_lesson(school_id: int, *, date: dt.date, subject: Subject, teacher=None, school_class: SchoolClass | None = None,
                  group: StudyGroup | None = None, number: int = 0, topic: str = "", homework: str = "",
                  homework_links: list | None = None, is_control: bool = False, control_title: str = "",
                  by=None, allow_closed: bool = False) -> Lesson:
    """Add a lesson by hand (outside the timetable) for a class or a study group.

    :raises Invalid: a date outside every period, on a holiday or in a closed period;
        a subject, class or group of another school
    """
    fields: dict = {}
    if (school_class is None) == (group is None):
        fields["class_id"] = N_("Give either a class or a group.")
    if subject.school_id != school_id:
        fields["subject_id"] = N_("Unknown subject.")
    if school_class is not None and school_class.school_id != school_id:
        fields["class_id"] = N_("Unknown class.")
    if group is not None and group.school_id != school_id:
        fields["group_id"] = N_("Unknown group.")
    period = period_of_date(school_id, date)
    if period is None:
        fields["date"] = N_("The date is outside the school year's periods.")
    elif date in _year_holidays(period):
        fields["date"] = N_("The date is a holiday.")
    if fields:
        raise Invalid(fields)
    class_id = school_class.id if school_class is not None else (class_of(group) if group.kind != "stream" else None)
    with database.atomic():
        override = _check_open(period, "date", allow_closed)
        lesson = Lesson.create(school=school_id, period=period.id, date=date, number=number or 0, subject=subject.id,
                               teacher=_id(teacher or by), school_class=class_id, group=_id(group), topic=topic or "",
                               homework=homework or "",
                               homework_links=json.dumps(homework_links or [], ensure_ascii=False),
                               is_control=bool(is_control), control_title=control_title or "")
        if homework:
            notices.homework(lesson, homework, [s.id for s in lesson_students(lesson)])
        audit.record("journal.lesson.create", lesson, user=by, school_id=school_id,
                     data={"date": date.isoformat(), "subject": subject.id, "class": class_id, "group": _id(group),
                           "topic": topic, "control": bool(is_control)})
        if override:
            _audit_override(lesson, period, by, school_id, "lesson.create")
    signals.send(signals.lesson_changed, lesson_id=lesson.id, action="created", by=by, school_id=school_id)
    if homework:
        signals.send(signals.homework_set, lesson_id=lesson.id, text=homework, class_id=class_id,
                     group_id=_id(group), by=by, school_id=school_id)
    return lesson


def attendance_taken(lesson: Lesson, *, by=None, allow_closed: bool = False) -> Lesson:
    """The teacher says attendance at ``lesson`` is recorded: everyone not marked absent or late was there.

    Idempotent (a second call moves the time); refused in a closed period without the override.
    """
    period = lesson_period(lesson)
    now = utcnow()
    with database.atomic():
        override = _check_open(period, "lesson_id", allow_closed)
        Lesson.update(attendance_taken_at=now).where(Lesson.id == lesson.id).execute()
        audit.record("journal.attendance.taken", lesson, user=by, school_id=lesson.school_id)
        if override:
            _audit_override(lesson, period, by, lesson.school_id, "attendance_taken")
    lesson.attendance_taken_at = now
    return lesson


def update_lesson(lesson: Lesson, changes: dict, *, version: int, by=None, allow_closed: bool = False) -> Lesson:
    """Change a lesson's topic, homework (text, links, due date), control-work flag and title,
    number, date, teacher or cancel it. A stale ``version`` raises :class:`StaleEdit`."""
    upd: dict = {}
    diff: dict = {}
    fields: dict = {}
    for f in LESSON_FIELDS:
        if f not in changes:
            continue
        new = changes[f]
        if f == "homework_links":
            new = json.dumps(new or [], ensure_ascii=False)
        if f == "teacher":
            new = _id(new)
            old = lesson.teacher_id
        else:
            old = getattr(lesson, f)
        if new is None and f in ("topic", "homework", "control_title"):
            new = ""
        if new != old:
            upd[f] = new
            diff[f] = [old, new]
    period = lesson_period(lesson)
    new_period = period
    if "date" in upd:
        new_period = period_of_date(lesson.school_id, upd["date"])
        if new_period is None:
            fields["date"] = N_("The date is outside the school year's periods.")
        elif upd["date"] in _year_holidays(new_period):
            fields["date"] = N_("The date is a holiday.")
        else:
            upd["period"] = new_period.id
    if fields:
        raise Invalid(fields)
    if not upd:
        return lesson
    with database.atomic():
        override = _check_open(period, "lesson_id", allow_closed)
        if new_period.id != period.id:
            override = _check_open(new_period, "date", allow_closed) or override
        n = (Lesson.update(**upd, updated_at=utcnow(), version=Lesson.version + 1)
             .where((Lesson.id == lesson.id) & (Lesson.version == version)).execute())
        if n == 0:
            raise StaleEdit(Lesson.get_or_none(Lesson.id == lesson.id))
        audit.record("journal.lesson.update", lesson, user=by, school_id=lesson.school_id, data=diff)
        if "homework" in diff:
            notices.homework(lesson, upd["homework"], [s.id for s in lesson_students(lesson)])
        if override:
            _audit_override(lesson, period, by, lesson.school_id, "lesson.update")
    fresh = _lesson_query().where(Lesson.id == lesson.id).get()
    action = "cancelled" if diff.get("cancelled", [0, 0])[1] is True else "updated"
    signals.send(signals.lesson_changed, lesson_id=lesson.id, action=action, by=by, school_id=lesson.school_id)
    if "homework" in diff or "homework_links" in diff:
        signals.send(signals.homework_set, lesson_id=lesson.id, text=fresh.homework, class_id=fresh.school_class_id,
                     group_id=fresh.group_id, by=by, school_id=lesson.school_id)
    return fresh


# --- timetable -------------------------------------------------------------------------------------

def set_bells(school, times: list[tuple[int, dt.time, dt.time]], *, by=None) -> None:
    """Replace the school's bell times: ``[(number, start, end), ...]``."""
    sid = _id(school)
    with database.atomic():
        BellTime.delete().where(BellTime.school == sid).execute()
        if times:
            BellTime.insert_many([{"school": sid, "number": n, "start": a, "end": b} for n, a, b in times]).execute()
        audit.record("journal.bells.set", object_type="school", object_id=sid, user=by, school_id=sid,
                     data={"bells": [[n, a.isoformat(), b.isoformat()] for n, a, b in times]})


def add_timetable_entry(year: AcademicYear, *, weekday: int, number: int, subject: Subject, teacher=None,
                        school_class: SchoolClass | None = None, group: StudyGroup | None = None, room: str = "",
                        valid_from: dt.date | None = None, valid_to: dt.date | None = None, by=None) -> TimetableEntry:
    """Add a weekly slot for a class or a study group (weekday 1 = Monday)."""
    fields: dict = {}
    if not 1 <= weekday <= 7:
        fields["weekday"] = N_("Must be 1 (Monday) to 7.")
    if not 0 <= number <= 12:
        fields["number"] = N_("Must be 0 to 12.")
    if (school_class is None) == (group is None):
        fields["class_id"] = N_("Give either a class or a group.")
    if fields:
        raise Invalid(fields)
    class_id = school_class.id if school_class is not None else (class_of(group) if group.kind != "stream" else None)
    with database.atomic():
        e = TimetableEntry.create(school=year.school_id, year=year.id, weekday=weekday, number=number,
                                  subject=subject.id, teacher=_id(teacher), school_class=class_id, group=_id(group),
                                  room=room or "", valid_from=valid_from, valid_to=valid_to)
        audit.record("journal.timetable.add", e, user=by, school_id=year.school_id,
                     data={"weekday": weekday, "number": number, "subject": subject.id, "class": class_id,
                           "group": _id(group), "teacher": _id(teacher), "room": room})
    return e


def delete_timetable_entry(entry: TimetableEntry, *, by=None) -> None:
    """Remove a weekly slot; lessons already generated from it stay."""
    with database.atomic():
        TimetableEntry.delete().where(TimetableEntry.id == entry.id).execute()
        audit.record("journal.timetable.delete", entry, user=by, school_id=entry.school_id,
                     data={"weekday": entry.weekday, "number": entry.number, "subject": entry.subject_id})


def _change_period(entry: TimetableEntry, day: dt.date, lesson: Lesson | None) -> Period | None:
    return lesson_period(lesson) if lesson is not None else period_of_date(entry.school_id, day)


def set_timetable_change(entry: TimetableEntry, day: dt.date, kind: str, *, teacher=None, room: str = "",
                         note: str = "", by=None, allow_closed: bool = False) -> TimetableChange:
    """Change one day of a weekly slot: a substitute teacher, a cancelled lesson or another room.

    A change replaces the day's earlier change. A lesson already generated for that
    day follows: it gets its regular teacher back and is not cancelled, then the new
    change applies (its teacher becomes the substitute, or it is marked cancelled;
    ``lesson_changed`` is sent).

    :raises Invalid: an unknown kind, a substitution without a teacher, a date not on
        the slot's weekday or outside its validity, a day in a closed period (unless
        ``allow_closed``)
    """
    fields: dict = {}
    if kind not in CHANGE_KINDS:
        fields["kind"] = f"Must be one of: {', '.join(CHANGE_KINDS)}."
    elif kind == "substitution" and teacher is None:
        fields["teacher_id"] = N_("A substitution needs a teacher.")
    if day.isoweekday() != entry.weekday:
        fields["date"] = N_("The date is not on this slot's weekday.")
    elif (entry.valid_from and day < entry.valid_from) or (entry.valid_to and day > entry.valid_to):
        fields["date"] = N_("The slot is not in the timetable on that date.")
    if fields:
        raise Invalid(fields)
    lesson = Lesson.get_or_none((Lesson.timetable_entry == entry.id) & (Lesson.date == day))
    period = _change_period(entry, day, lesson)
    with database.atomic():
        override = _check_open(period, "date", allow_closed) if period is not None else False
        TimetableChange.delete().where((TimetableChange.entry == entry.id) & (TimetableChange.date == day)).execute()
        ch = TimetableChange.create(entry=entry.id, date=day, kind=kind, teacher=_id(teacher), room=room or "",
                                    note=note or "")
        lesson_action = None
        if lesson is not None:
            new_teacher = _id(teacher) if kind == "substitution" else entry.teacher_id
            new_cancelled = kind == "cancelled"
            if (new_teacher, new_cancelled) != (lesson.teacher_id, lesson.cancelled):
                Lesson.update(teacher=new_teacher, cancelled=new_cancelled, version=Lesson.version + 1,
                              updated_at=utcnow()).where(Lesson.id == lesson.id).execute()
                lesson_action = "cancelled" if new_cancelled else "updated"
        audit.record("journal.timetable.change", entry, user=by, school_id=entry.school_id,
                     data={"date": day.isoformat(), "kind": kind, "teacher": _id(teacher), "room": room,
                           "lesson": lesson.id if lesson else None})
        if override:
            _audit_override(entry, period, by, entry.school_id, "timetable.change")
    if lesson_action is not None:
        signals.send(signals.lesson_changed, lesson_id=lesson.id, action=lesson_action, by=by,
                     school_id=entry.school_id)
    return ch


def remove_timetable_change(change: TimetableChange, *, by=None, allow_closed: bool = False) -> None:
    """Withdraw a one-day change; the day's lesson gets its regular teacher back and is not cancelled.

    :raises Invalid: the day is in a closed period (unless ``allow_closed``)
    """
    entry = TimetableEntry.get_by_id(change.entry_id)
    lesson = Lesson.get_or_none((Lesson.timetable_entry == entry.id) & (Lesson.date == change.date))
    period = _change_period(entry, change.date, lesson)
    with database.atomic():
        override = _check_open(period, "date", allow_closed) if period is not None else False
        TimetableChange.delete().where(TimetableChange.id == change.id).execute()
        changed = lesson is not None and (lesson.teacher_id, lesson.cancelled) != (entry.teacher_id, False)
        if changed:
            Lesson.update(teacher=entry.teacher_id, cancelled=False, version=Lesson.version + 1,
                          updated_at=utcnow()).where(Lesson.id == lesson.id).execute()
        audit.record("journal.timetable.unchange", entry, user=by, school_id=entry.school_id,
                     data={"date": change.date.isoformat(), "kind": change.kind})
        if override:
            _audit_override(entry, period, by, entry.school_id, "timetable.unchange")
    if changed:
        signals.send(signals.lesson_changed, lesson_id=lesson.id, action="updated", by=by, school_id=entry.school_id)


def plan_lessons(entries: list[TimetableEntry], period: Period, *, holidays: set[dt.date],
                 changes: dict | None = None, existing: set | None = None,
                 date_from: dt.date | None = None, date_to: dt.date | None = None) -> list[dict]:
    """Rows for the lessons the timetable gives in a period (pure: no queries).

    Every date of the period (within ``date_from``..``date_to``) whose weekday
    matches a slot, that is not a holiday and within the slot's validity, gives one
    lesson. ``changes`` ``{(entry_id, date): TimetableChange}`` apply substitutions
    and cancellations; ``existing`` ``{(entry_id, date)}`` are skipped.
    """
    changes = changes or {}
    existing = existing or set()
    start = max(period.start, date_from) if date_from else period.start
    end = min(period.end, date_to) if date_to else period.end
    by_weekday: dict[int, list[TimetableEntry]] = defaultdict(list)
    for e in entries:
        by_weekday[e.weekday].append(e)
    rows = []
    day = start
    while day <= end:
        if day not in holidays:
            for e in by_weekday.get(day.isoweekday(), ()):
                if (e.valid_from and day < e.valid_from) or (e.valid_to and day > e.valid_to):
                    continue
                if (e.id, day) in existing:
                    continue
                ch = changes.get((e.id, day))
                teacher = ch.teacher_id if ch is not None and ch.kind == "substitution" else e.teacher_id
                rows.append({"school": e.school_id, "period": period.id, "date": day, "number": e.number,
                             "subject": e.subject_id, "teacher": teacher, "school_class": e.school_class_id,
                             "group": e.group_id, "timetable_entry": e.id,
                             "cancelled": ch is not None and ch.kind == "cancelled"})
        day += dt.timedelta(days=1)
    return rows


def generate_lessons(period: Period, *, class_id=None, date_from: dt.date | None = None,
                     date_to: dt.date | None = None, by=None) -> int:
    """Create the lessons of a period from the timetable, skipping holidays
    (:func:`plugins.roster.service.holiday_dates`) and lessons already generated.

    :param class_id: only this class's slots (its groups' and streams' included)
    :returns: how many lessons were created. Bulk: no signal per lesson.
    """
    year = AcademicYear.get_by_id(period.year_id)
    if class_id is not None:
        entries = timetable_for_class(class_id)
    else:
        entries = list(TimetableEntry.select().where(TimetableEntry.year == year.id))
    if not entries:
        return 0
    ids = [e.id for e in entries]
    existing = {(e, d) for e, d in Lesson.select(Lesson.timetable_entry, Lesson.date)
                .where(Lesson.timetable_entry.in_(ids) & (Lesson.date >= period.start) & (Lesson.date <= period.end))
                .tuples()}
    changes = {(c.entry_id, c.date): c for c in timetable_changes(ids, period.start, period.end)}
    rows = plan_lessons(entries, period, holidays=roster.holiday_dates(year), changes=changes, existing=existing,
                        date_from=date_from, date_to=date_to)
    with database.atomic():
        for chunk in pw.chunked(rows, 500):
            Lesson.insert_many(chunk).execute()
        audit.record("journal.lessons.generate", period, user=by, school_id=year.school_id,
                     data={"class": _id(class_id), "created": len(rows)})
    return len(rows)


# --- term and year marks -------------------------------------------------------------------------

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


# --- remarks ---------------------------------------------------------------------------------------

def add_remark(student: Student, text: str, *, kind: str = "remark", subject: Subject | None = None,
               lesson: Lesson | None = None, date: dt.date | None = None, by=None) -> Remark:
    """A remark, recommendation or praise from a teacher to a student (the diary shows it)."""
    fields: dict = {}
    text = (text or "").strip()
    if not text:
        fields["text"] = N_("Write the remark.")
    if kind not in REMARK_KINDS:
        fields["kind"] = f"Must be one of: {', '.join(REMARK_KINDS)}."
    if lesson is not None and not student_in_lesson(student, lesson):
        fields["lesson_id"] = N_("The student is not in this lesson's class or group.")
    if lesson is not None and subject is not None and _id(subject) != lesson.subject_id:
        fields["subject_id"] = N_("The lesson is in another subject.")
    if fields:
        raise Invalid(fields)
    if lesson is not None and subject is None:
        subject = Subject.get_by_id(lesson.subject_id)
    with database.atomic():
        r = Remark.create(student=student.id, teacher=_id(by), lesson=_id(lesson), subject=_id(subject),
                          date=date or (lesson.date if lesson else clock.today()), kind=kind, text=text)
        notices.remark(r.id, student.id, student.school_id, text, kind)
        audit.record("journal.remark.create", r, user=by, school_id=student.school_id,
                     data={"student": student.id, "kind": kind, "subject": _id(subject), "lesson": _id(lesson)})
    signals.send(signals.remark_added, remark_id=r.id, student_id=student.id, kind=kind, subject_id=_id(subject),
                 by=by, school_id=student.school_id)
    return r


# --- closing periods -------------------------------------------------------------------------------

def close_period(period: Period, *, by=None) -> Period:
    """Close a reporting period for editing (the journal refuses changes in it afterwards).

    The roster records it (:func:`plugins.roster.service.set_period_closed`);
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


# --- personal data (152-FZ) ------------------------------------------------------------------------

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
