"""A teacher's day at a glance: each lesson with its class or group, time, room and what is missing.

Used by the teacher's home page widget and the «Мои уроки» page. A constant number of queries for
the whole day, whatever the number of lessons.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import url_for
from peewee import fn
from flask_babel import gettext as _

from zhurnal.plugins.roster.models import SchoolClass, StudyGroup

from . import service
from .models import Attendance, Lesson, Mark, TimetableChange, TimetableEntry


@dataclass
class DayLesson:
    lesson: Lesson
    place: str                      # «5А» or the group's name
    start: dt.time | None = None
    end: dt.time | None = None
    room: str = ""
    absences: int = 0
    marks: int = 0
    missing: list[str] = field(default_factory=list)
    url: str = ""


def day_of(user, day: dt.date, school_id: int) -> list[DayLesson]:
    lessons = service.lessons_of_teacher(user, day)
    if not lessons:
        return []
    ids = [x.id for x in lessons]
    cids = {x.school_class_id for x in lessons if x.school_class_id}
    gids = {x.group_id for x in lessons if x.group_id}
    classes = {c.id: c.name for c in SchoolClass.select().where(SchoolClass.id.in_(list(cids) or [-1]))}
    groups = {s.id: s.name for s in StudyGroup.select().where(StudyGroup.id.in_(list(gids) or [-1]))}
    bells = {b.number: b for b in service.bells(school_id)}
    absences = dict(Attendance.select(Attendance.lesson, fn.COUNT(Attendance.id))
                    .where(Attendance.lesson.in_(ids)).group_by(Attendance.lesson).tuples())
    marks = dict(Mark.select(Mark.lesson, fn.COUNT(Mark.id)).where(Mark.lesson.in_(ids)).group_by(Mark.lesson).tuples())
    entry_ids = [x.timetable_entry_id for x in lessons if x.timetable_entry_id]
    rooms = dict(TimetableEntry.select(TimetableEntry.id, TimetableEntry.room)
                 .where(TimetableEntry.id.in_(entry_ids or [-1])).tuples())
    moved = dict(TimetableChange.select(TimetableChange.entry, TimetableChange.room)
                 .where(TimetableChange.entry.in_(entry_ids or [-1]) & (TimetableChange.date == day)
                        & (TimetableChange.room != "")).tuples())
    out = []
    for x in lessons:
        b = bells.get(x.number)
        item = DayLesson(x, groups.get(x.group_id, "") if x.group_id else classes.get(x.school_class_id, ""),
                         b.start if b else None, b.end if b else None,
                         moved.get(x.timetable_entry_id) or rooms.get(x.timetable_entry_id, ""),
                         absences.get(x.id, 0), marks.get(x.id, 0),
                         url=url_for("journal.lesson_page", lesson_id=x.id))
        if not x.cancelled:
            if x.date <= day and x.attendance_taken_at is None and not item.absences:
                item.missing.append(_("attendance"))
            if not x.topic:
                item.missing.append(_("topic"))
            if not x.homework:
                item.missing.append(_("homework"))
        out.append(item)
    return out
