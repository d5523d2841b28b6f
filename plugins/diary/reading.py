"""What one reader gets when they open a student's diary (pages and API share it).

A guardian's or the student's own opening counts as a visit (and brings the
news since the previous one); staff reading a diary is audited instead.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import peewee as pw

from core import access, clock
from plugins.roster.models import (Guardian, SchoolClass, Student, StudentGuardian, StudyGroup,
                                   TeachingAssignment)

from . import news, service, week_sql
from core.prepared import Prepared, as_datetime, slot
from .week import build_week, monday_of


def viewer_role(user, student) -> str:
    """``guardian``, ``student`` (the student themself) or ``staff``; no query."""
    if student.user_id and student.user_id == user.id:
        return "student"
    for a in access.assignments(user):
        if a.role == "parent" and a.scope_type == "student" and a.scope_id == student.id:
            return "guardian"
    return "staff"


@dataclass(frozen=True)
class Kid:
    """A student as the child switcher and the message form show them."""
    id: int
    last_name: str
    first_name: str
    class_name: str | None

    @property
    def short_name(self) -> str:
        return f"{self.last_name} {self.first_name}"


_KIDS = Prepared(lambda: (
    Student.select(Student.id, Student.last_name, Student.first_name, SchoolClass.parallel, SchoolClass.letter)
    .join(SchoolClass, pw.JOIN.LEFT_OUTER, on=(Student.school_class == SchoolClass.id))
    .switch(Student).join(StudentGuardian, on=(StudentGuardian.student == Student.id))
    .join(Guardian, on=(StudentGuardian.guardian == Guardian.id))
    .where((Guardian.user == slot("uid")) & Student.left_at.is_null())
    .order_by(Student.last_name, Student.first_name, Student.id)))


def kids_of(user) -> list[Kid]:
    """The children ``user`` is a guardian of (for the child switcher); one query."""
    return [Kid(i, last, first, f"{par}{letter}" if par else None)
            for i, last, first, par, letter in _KIDS.rows(uid=user.id)]


def classes_of_staff(user) -> list[int]:
    """Classes ``user`` leads or teaches (a whole class or one of its groups); two queries."""
    led = [c for (c,) in SchoolClass.select(SchoolClass.id).where(SchoolClass.class_teacher == user.id).tuples()]
    taught = (TeachingAssignment.select(TeachingAssignment.school_class, StudyGroup.school_class)
              .join(StudyGroup, pw.JOIN.LEFT_OUTER, on=(TeachingAssignment.group == StudyGroup.id))
              .where(TeachingAssignment.teacher == user.id).tuples())
    return sorted(set(led) | {c for pair in taught for c in pair if c})


def students_of_classes(class_ids: list[int]) -> list[Kid]:
    """Current students of these classes, in class-list order."""
    if not class_ids:
        return []
    rows = (Student.select(Student.id, Student.last_name, Student.first_name, SchoolClass.parallel,
                           SchoolClass.letter).join(SchoolClass)
            .where(Student.school_class.in_(class_ids) & Student.left_at.is_null())
            .order_by(SchoolClass.parallel, SchoolClass.letter, Student.last_name, Student.first_name).tuples())
    return [Kid(i, last, first, f"{par}{letter}") for i, last, first, par, letter in rows]


def ack_states(student_id: int, monday: dt.date, current: str) -> list[dict]:
    """The latest acknowledgement of each guardian for the week; one query."""
    latest: dict[int, dict] = {}
    for aid, uid, name, at, fp in week_sql.ACKS.rows(sid=student_id, week=monday):
        latest[uid] = {"id": aid, "user_id": uid, "guardian": name, "at": as_datetime(at), "current": fp == current}
    return list(latest.values())


def open_week(user, student, monday: dt.date, *, via: str) -> dict:
    """The week of ``student`` as ``user`` sees it, noting the visit (or auditing a staff read)."""
    role = viewer_role(user, student)
    data = build_week(student, monday)
    data["role"] = role
    data["news"] = None
    if role in ("guardian", "student"):
        v = service.visit(user, student, role)
        data["news"] = news.since(student.id, v.previous_at)
    else:
        service.record_read(user, student, "week", via=via, week=monday)
    data["acknowledgements"] = ack_states(student.id, monday, data["fingerprint"])
    mine = next((a for a in data["acknowledgements"] if a["user_id"] == user.id), None)
    data["my_ack"] = mine
    data["can_acknowledge"] = (role == "guardian" and monday <= monday_of(clock.today()) and
                               access.can(user, "diary.acknowledge", student) and
                               not (mine and mine["current"]))
    return data
