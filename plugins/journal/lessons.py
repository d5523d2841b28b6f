"""Lessons and the periods they fall in: who a lesson is for, adding a lesson by hand,
changing its topic, homework, date or teacher, and saying attendance was taken.
"""
from __future__ import annotations

import datetime as dt
import json

from zhurnal.core import audit
from zhurnal.core.db import database, utcnow
from zhurnal.core.i18n import N_
from zhurnal.plugins.roster import service as roster
from zhurnal.plugins.roster.models import GroupMember, Period, SchoolClass, Student, StudyGroup, Subject

from . import notices
from .closed_periods import _audit_override, _check_open, lesson_period
from .common import Invalid, StaleEdit, _id, _lesson_query
from .models import Lesson
from .reading import lesson_students
from . import signals


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


def student_in_lesson(student: Student, lesson: Lesson) -> bool:
    """Is the student one of those the lesson is for (class or group member, not left)?"""
    if student.left_at is not None and student.left_at < lesson.date:
        return False
    if lesson.group_id:
        return GroupMember.select().where((GroupMember.group == lesson.group_id) &
                                          (GroupMember.student == student.id)).exists()
    if lesson.school_class_id is None or student.school_class_id != lesson.school_class_id:
        return False
    # an individual plan in the subject replaces the class's lessons
    return not (student.individual_plan and individual_group(student, lesson.subject_id) is not None)


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
    class_id = school_class.id if school_class is not None else (group.school_class_id if group.kind != "stream" else None)
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
