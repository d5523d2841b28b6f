"""The journal's notifications, written into the kernel's outbox inside the saving transaction.

Each function is called once from the service function that saves the event,
inside its ``database.atomic()`` block (so rolling back the event rolls back
the notification), and adds one INSERT: ids only. The names the texts need are
filled in by :func:`details` when the worker fans the notification out
(``zhurnal_notification_details``); the kernel renders the texts.
"""
from __future__ import annotations

import datetime as dt
import hashlib

from zhurnal.core.notify.outbox import notify

ABSENT = ("absent", "ill")


def _day(lesson) -> dict:
    return {"day": lesson.date.isoformat(), "date": lesson.date.strftime("%d.%m.%Y")}


def mark(mark_id: int, version: int, student_id: int, lesson, value: str, comment: str = "") -> None:
    """A new or changed mark value."""
    notify("mark", key=f"journal.mark:{mark_id}:{version}", school_id=lesson.school_id, student_id=student_id,
           data={"subject_id": lesson.subject_id, "value": value, "comment": comment, **_day(lesson),
                 "_link": "/diary/"})


def attendance(student_id: int, lesson, status: str | None) -> None:
    """An absence (once per student and day; the notice waits until ``[notify] absence_time``
    and is dropped if the absence is excused or removed before then)."""
    if status not in ABSENT:
        return
    notify("absence", key=f"journal.absence:{student_id}:{lesson.date.isoformat()}", school_id=lesson.school_id,
           student_id=student_id, data={"subject_id": lesson.subject_id, **_day(lesson), "_link": "/diary/"})


def homework(lesson, text: str, student_ids: list[int]) -> None:
    """Homework set or changed for a lesson: its students' families."""
    if not text or not student_ids:
        return
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    notify("homework", key=f"journal.homework:{lesson.id}:{digest}", school_id=lesson.school_id,
           students=student_ids, data={"subject_id": lesson.subject_id, "text": text, **_day(lesson),
                                       "_link": "/diary/"})


def remark(remark_id: int, student_id: int, school_id: int, text: str, kind: str) -> None:
    notify("remark", key=f"journal.remark:{remark_id}", school_id=school_id, student_id=student_id,
           data={"text": text, "kind": kind, "_link": "/diary/"})


def details(event: str, student_id: int | None, data: dict) -> dict | None:
    """``zhurnal_notification_details``: the student's and the subject's names."""
    if event not in ("mark", "absence", "homework", "remark"):
        return None
    from zhurnal.plugins.roster.models import Student, Subject
    out = {}
    if student_id is not None:
        st = Student.select(Student.first_name, Student.last_name).where(Student.id == student_id).tuples().first()
        out["student"] = f"{st[0]} {st[1]}" if st else ""
    if data.get("subject_id"):
        sub = Subject.select(Subject.name).where(Subject.id == data["subject_id"]).tuples().first()
        out["subject"] = sub[0] if sub else ""
    return out


def still_current(event: str, student_id: int | None, data: dict):
    """``zhurnal_notification_current``: an absence notice is void once no absence is left that day."""
    if event != "absence" or student_id is None or not data.get("day"):
        return None
    from .models import Attendance, Lesson
    day = dt.date.fromisoformat(data["day"])
    left = (Attendance.select(Attendance.id).join(Lesson, on=(Attendance.lesson == Lesson.id))
            .where((Attendance.student == student_id) & (Lesson.date == day) & Attendance.status.in_(ABSENT))
            .exists())
    return bool(left)
