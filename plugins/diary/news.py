""""What changed since you last looked": new marks, absences and remarks of a student.

Read straight from the journal's tables by their timestamps (three statements,
each capped), compared with the start of the reader's previous visit.
"""
from __future__ import annotations

import datetime as dt

import peewee as pw

from core.identity.models import User
from plugins.journal.models import Attendance, Lesson, Mark, Remark, WorkKind
from plugins.roster.models import Subject

from core.prepared import Prepared, as_date, as_datetime, slot
from .week import ABSENT

#: at most this many items of each kind are listed
LIMIT = 20

_MARKS = Prepared(lambda: (
    Mark.select(Mark.id, Mark.value, Mark.comment, Mark.created_at, Lesson.date, Subject.name, WorkKind.name)
    .join(Lesson, on=(Mark.lesson == Lesson.id)).join(Subject, on=(Lesson.subject == Subject.id))
    .switch(Mark).join(WorkKind, on=(Mark.kind == WorkKind.id))
    .where((Mark.student == slot("sid")) & (Mark.updated_at > slot("since")))
    .order_by(Mark.updated_at.desc(), Mark.id.desc()).limit(LIMIT + 1)))

_ABSENCES = Prepared(lambda: (
    Attendance.select(Attendance.id, Attendance.status, Attendance.reason, Lesson.date, Lesson.number, Subject.name)
    .join(Lesson, on=(Attendance.lesson == Lesson.id)).join(Subject, on=(Lesson.subject == Subject.id))
    .where((Attendance.student == slot("sid")) & (Attendance.updated_at > slot("since")) &
           Attendance.status.in_(ABSENT + ("late",)))
    .order_by(Lesson.date.desc(), Lesson.number.desc()).limit(LIMIT + 1)))

_REMARKS = Prepared(lambda: (
    Remark.select(Remark.id, Remark.kind, Remark.text, Remark.date, Subject.name, User.display_name)
    .join(Subject, pw.JOIN.LEFT_OUTER, on=(Remark.subject == Subject.id))
    .switch(Remark).join(User, pw.JOIN.LEFT_OUTER, on=(Remark.teacher == User.id))
    .where((Remark.student == slot("sid")) & (Remark.created_at > slot("since")))
    .order_by(Remark.created_at.desc(), Remark.id.desc()).limit(LIMIT + 1)))


def since(student_id: int, moment: dt.datetime | None) -> dict:
    """News for a student after ``moment`` (``None``: a first visit, nothing to compare with)."""
    out = {"since": moment, "marks": [], "absences": [], "remarks": [], "total": 0, "more": False}
    if moment is None:
        return out
    marks = [{"id": i, "value": v, "comment": c, "changed": as_datetime(created) <= moment, "date": as_date(d),
              "subject": s, "kind": k}
             for i, v, c, created, d, s, k in _MARKS.rows(sid=student_id, since=moment)]
    absences = [{"id": i, "status": st, "reason": r, "date": as_date(d), "number": n, "subject": s}
                for i, st, r, d, n, s in _ABSENCES.rows(sid=student_id, since=moment)]
    remarks = [{"id": i, "kind": k, "text": t, "date": as_date(d), "subject": s, "teacher": who}
               for i, k, t, d, s, who in _REMARKS.rows(sid=student_id, since=moment)]
    out.update(marks=marks[:LIMIT], absences=absences[:LIMIT], remarks=remarks[:LIMIT],
               total=len(marks) + len(absences) + len(remarks),
               more=len(marks) > LIMIT or len(absences) > LIMIT or len(remarks) > LIMIT)
    return out
