"""The journal's notifications, written into the kernel's outbox inside the saving transaction.

Each function is called once from the service function that saves the event,
inside its ``database.atomic()`` block (so rolling back the event rolls back
the notification). The texts are rendered by the kernel (:mod:`core.notify.render`).
"""
from __future__ import annotations

from core.notify.outbox import notify
from plugins.roster.models import Student, Subject

ABSENT = ("absent", "ill")


def _names(student_id: int, subject_id: int | None) -> tuple[str, str]:
    st = Student.select(Student.first_name, Student.last_name).where(Student.id == student_id).tuples().first()
    sub = Subject.select(Subject.name).where(Subject.id == subject_id).tuples().first() if subject_id else None
    return (f"{st[0]} {st[1]}" if st else ""), (sub[0] if sub else "")


def mark(mark_id: int, version: int, student_id: int, lesson, value: str, comment: str = "") -> None:
    """A new or changed mark value."""
    student, subject = _names(student_id, lesson.subject_id)
    notify("mark", key=f"journal.mark:{mark_id}:{version}", school_id=lesson.school_id, student_id=student_id,
           data={"student": student, "subject": subject, "value": value, "comment": comment,
                 "date": lesson.date.strftime("%d.%m.%Y"), "_link": "/diary/"})


def attendance(student_id: int, lesson, status: str | None) -> None:
    """An absence (once per student and day; the notice waits until ``[notify] absence_time``
    and is dropped if the absence is excused or removed before then)."""
    if status not in ABSENT:
        return
    student, subject = _names(student_id, lesson.subject_id)
    notify("absence", key=f"journal.absence:{student_id}:{lesson.date.isoformat()}", school_id=lesson.school_id,
           student_id=student_id, data={"student": student, "subject": subject, "day": lesson.date.isoformat(),
                                        "date": lesson.date.strftime("%d.%m.%Y"), "_link": "/diary/"})


def homework(lesson, text: str, student_ids: list[int]) -> None:
    """Homework set or changed for a lesson: its students' families."""
    if not text or not student_ids:
        return
    _, subject = _names(0, lesson.subject_id)
    notify("homework", key=f"journal.homework:{lesson.id}:{abs(hash(text)) % 10**12}", school_id=lesson.school_id,
           students=student_ids, data={"subject": subject, "text": text, "date": lesson.date.strftime("%d.%m.%Y"),
                                       "_link": "/diary/"})


def remark(remark_id: int, student_id: int, school_id: int, text: str, kind: str) -> None:
    student, _ = _names(student_id, None)
    notify("remark", key=f"journal.remark:{remark_id}", school_id=school_id, student_id=student_id,
           data={"student": student, "text": text, "kind": kind, "_link": "/diary/"})


def still_current(event: str, student_id: int | None, data: dict):
    """``zhurnal_notification_current``: an absence notice is void once no absence is left that day."""
    if event != "absence" or student_id is None or not data.get("day"):
        return None
    import datetime as dt
    from .models import Attendance, Lesson
    day = dt.date.fromisoformat(data["day"])
    left = (Attendance.select(Attendance.id).join(Lesson, on=(Attendance.lesson == Lesson.id))
            .where((Attendance.student == student_id) & (Lesson.date == day) & Attendance.status.in_(ABSENT))
            .exists())
    return bool(left)
