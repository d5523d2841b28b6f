"""The weekly timetable: reading it (a class's, a student's, the bell times, the one-day
changes), editing it, and generating a period's lessons from it.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Iterable

import peewee as pw

from zhurnal.core import audit
from zhurnal.core.db import database, utcnow
from zhurnal.core.i18n import N_
from zhurnal.plugins.roster import service as roster
from zhurnal.plugins.roster.models import AcademicYear, Period, SchoolClass, Student, StudyGroup, Subject

from .closed_periods import _audit_override, _check_open, lesson_period
from .common import Invalid, Teacher, _id, _range
from .lessons import period_of_date
from .models import CHANGE_KINDS, BellTime, Lesson, TimetableChange, TimetableEntry
from .pupil_lessons import pupil_condition
from . import signals


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
    q = _valid_on(_timetable_query().where(roster.given_to_class(TimetableEntry, _id(class_id))), day)
    return list(q.order_by(TimetableEntry.weekday, TimetableEntry.number, TimetableEntry.id))


def timetable_for_student(student, day: dt.date | None = None) -> list[TimetableEntry]:
    """The weekly timetable as one student attends it: the slots of the lessons that concern them
    (:func:`.pupil_lessons.pupil_condition`, the rule of :func:`student_lessons`; other groups' slots
    left out). One query (and one for the student given by id)."""
    if not isinstance(student, Student):
        student = Student.get_by_id(student)
    q = _valid_on(_timetable_query().where(pupil_condition(TimetableEntry, student.id, student.school_class_id)), day)
    return list(q.order_by(TimetableEntry.weekday, TimetableEntry.number, TimetableEntry.id))


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


# --- editing the timetable ------------------------------------------------------------------------

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
    class_id = school_class.id if school_class is not None else (group.school_class_id if group.kind != "stream" else None)
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
    (:func:`zhurnal.plugins.roster.service.holiday_dates`) and lessons already generated.

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
