"""Undoing the journal's writes of a compromised account (``zhurnal_revert_write``).

Each revert is a new change through :mod:`zhurnal.plugins.journal.service`, made by the admin who
reverts: a mark given is removed, a mark changed gets its old value (and kind) back, a mark
removed is given again, an attendance record gets its old status. Nothing is deleted from
the history or the audit. A write that someone else changed since is skipped, not overwritten.
"""
from __future__ import annotations

from zhurnal.plugins.roster.models import Student

from . import service
from .models import Attendance, Lesson


def _done(note: str = "") -> dict:
    return {"status": "reverted", "note": note}


def _skip(note: str) -> dict:
    return {"status": "skipped", "note": note}


def revert(entry, by) -> dict | None:
    handler = _HANDLERS.get(entry.action)
    if handler is None:
        return None
    try:
        return handler(entry, entry.payload, by)
    except service.StaleEdit:
        return _skip("changed by someone else meanwhile")
    except service.Invalid as e:
        return _skip("; ".join(str(v) for v in e.fields.values()))


def _mark_created(entry, data, by):
    ctx = service.mark_context(int(entry.object_id))
    if ctx is None:
        return _skip("the mark no longer exists")
    if ctx.mark.value != data.get("value"):
        return _skip("the mark was changed since")
    service.delete_mark(ctx.mark, version=ctx.mark.version, by=by, allow_closed=True, context=ctx)
    return _done(f"mark {data.get('value')} removed")


def _mark_updated(entry, data, by):
    ctx = service.mark_context(int(entry.object_id))
    if ctx is None:
        return _skip("the mark no longer exists")
    changes = {}
    if "value" in data:
        old, new = data["value"]
        if ctx.mark.value != new:
            return _skip("the mark was changed since")
        changes["value"] = old
    if "kind" in data:
        changes["kind"] = data["kind"][0]
    if "comment" in data:
        changes["comment"] = data["comment"][0]
    if not changes:
        return _skip("nothing to undo")
    service.update_mark(ctx.mark, changes, version=ctx.mark.version, by=by, allow_closed=True, context=ctx)
    return _done(f"mark back to {changes.get('value', ctx.mark.value)}")


def _mark_deleted(entry, data, by):
    lesson = Lesson.get_or_none(Lesson.id == data.get("lesson"))
    student = Student.get_or_none(Student.id == data.get("student"))
    if lesson is None or student is None:
        return _skip("the lesson or the student no longer exists")
    service.add_mark(lesson, student, data["value"], data.get("kind") or "answer", by=by, allow_closed=True)
    return _done(f"mark {data['value']} given again")


def _attendance_set(entry, data, by):
    old, new = (data.get("status") or [None, None])[:2]
    lesson = Lesson.get_or_none(Lesson.id == data.get("lesson"))
    student = Student.get_or_none(Student.id == data.get("student"))
    if lesson is None or student is None:
        return _skip("the lesson or the student no longer exists")
    row = Attendance.get_or_none((Attendance.lesson == lesson.id) & (Attendance.student == student.id))
    if (row.status if row else None) != new:
        return _skip("the attendance was changed since")
    service.set_attendance(lesson, student, old, by=by, version=row.version if row else 0, allow_closed=True)
    return _done(f"attendance back to {old or 'present'}")


_HANDLERS = {
    "journal.mark.create": _mark_created,
    "journal.mark.update": _mark_updated,
    "journal.mark.delete": _mark_deleted,
    "journal.attendance.set": _attendance_set,
}
