"""The lesson page's class list: each student with their attendance and marks in this lesson.

What a teacher in the classroom needs on a phone: open today's lesson, tap «н» or a mark next to a
name. The page is drawn from this, and ``static/lesson.js`` saves each tap through the JSON API.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from . import service
from .models import Lesson

#: attendance buttons in the order a teacher needs them, with their journal letters
ATTENDANCE_BUTTONS = (("absent", "н"), ("ill", "б"), ("valid", "у"), ("late", "о"))


@dataclass
class RosterRow:
    student_id: int
    name: str
    status: str | None = None
    attendance_version: int = 0
    marks: list = field(default_factory=list)


def roster(lesson: Lesson) -> list[RosterRow]:
    """Students of the lesson (class or group) with what is recorded for them in it, by name."""
    students = service.lesson_students(lesson)
    rows = {s.id: RosterRow(s.id, s.full_name) for s in students}
    for a in service.attendance_for(rows, [lesson.id]):
        row = rows.get(a.student_id)
        if row is not None:
            row.status, row.attendance_version = a.status, a.version
    for m in service.marks_for(rows, [lesson.id]):
        row = rows.get(m.student_id)
        if row is not None:
            row.marks.append({"id": m.id, "value": m.value, "kind": m.kind.code, "kind_name": m.kind.name,
                              "comment": m.comment, "version": m.version})
    return sorted(rows.values(), key=lambda r: r.name)


def config(lesson: Lesson) -> dict:
    """What ``lesson.js`` needs: API addresses, the subject's scale, kinds of work and its messages."""
    scale = service.scale_for(lesson.subject_id, lesson.school_id)
    kinds = service.work_kinds(lesson.school_id)
    return {
        "lesson_id": lesson.id,
        # the API's contract routes (stable: other clients use them too)
        "marks_url": "/api/v1/marks",
        "attendance_url": "/api/v1/attendance",
        "taken_url": f"/api/v1/lessons/{lesson.id}/attendance-taken",
        "values": list(scale.values),
        "kinds": [{"code": k.code, "name": k.name} for k in kinds],
        "attendance": dict(ATTENDANCE_BUTTONS),
        "messages": {
            "saved": _("Saved."), "pending": _("Not yet saved: will be sent when the connection returns."),
            "offline": _("No connection: your changes are kept on this device and sent when it returns."),
            "sent": _("Everything is saved."), "error": _("Not saved: %(message)s"),
            "conflict": _("Someone else changed this in the meantime; the current value is shown."),
            "comment": _("Comment to the mark (optional)"), "remove": _("Remove the mark %(value)s?"),
            "taken": _("Attendance taken."),
        },
    }

