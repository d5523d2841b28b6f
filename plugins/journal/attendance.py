"""Attendance: a student's absence or late arrival at a lesson, and absences excused in bulk
(by a medical certificate through the health sheet, or by the class teacher for a reason).
"""
from __future__ import annotations

import datetime as dt

import peewee as pw

from zhurnal.core import audit
from zhurnal.core.db import database, utcnow
from zhurnal.core.i18n import N_
from zhurnal.plugins.roster.models import Period, Student

from . import notices
from .closed_periods import _audit_override, _check_open, lesson_period
from .common import Invalid, StaleEdit, _history, _id, _validate_lesson_held
from .lessons import student_in_lesson
from .models import ATTENDANCE, Attendance, Lesson
from . import signals


def _validate_mark_target(lesson: Lesson, student: Student, fields: dict) -> None:
    _validate_lesson_held(lesson, fields)
    if student.school_id != lesson.school_id or not student_in_lesson(student, lesson):
        fields["student_id"] = N_("The student is not in this lesson's class or group.")


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
