"""Journal API: a student's attendance at a lesson, and absences excused for a reason.
"""
from __future__ import annotations


from flask import g
from marshmallow import Schema, validate

from zhurnal.core import fields
from zhurnal.core.api import endpoint, invalid
from zhurnal.plugins.roster.models import Student

from . import service
from .api_common import _attendance_out, _call, _lesson_ref, _override, _ref, _require, bp
from .schemas import AttendanceIn
from .scope import PupilOf


@endpoint(bp, "/attendance", ["PUT"], summary="Set a student's attendance at a lesson (null/present clears)",
          body=AttendanceIn, idempotent=True)
def set_attendance(body):
    lesson = _lesson_ref(body["lesson_id"])
    _require("journal.attendance.write", lesson)
    student = _ref(Student, body["student_id"], "student_id", "student")
    row = _call(service.set_attendance, lesson, student, body["status"], body["reason"], by=g.user,
                version=body["version"], allow_closed=_override(lesson))
    return _attendance_out(row, lesson.id, student.id)


class ExcuseIn(Schema):
    student_id = fields.Int(required=True)
    date_from = fields.Date(required=True, data_key="from")
    date_to = fields.Date(required=True, data_key="to")
    reason = fields.Str(required=True, validate=validate.Length(min=1, max=200))


@endpoint(bp, "/attendance/excuse", ["POST"], summary="Excuse a student's absences in the dates for a reason",
          body=ExcuseIn)
def excuse_absences(body):
    student = _ref(Student, body["student_id"], "student_id", "student")
    _require("journal.attendance.justify", PupilOf.of(student))
    if body["date_to"] < body["date_from"]:
        raise invalid({"to": "Must not be before 'from'."})
    ids = service.excuse_absences(student, body["date_from"], body["date_to"], body["reason"], by=g.user)
    return {"excused": len(ids)}
