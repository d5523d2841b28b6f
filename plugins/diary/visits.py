"""A reader's visits to a pupil's diary, and what changed since the previous one.

A guardian's or the pupil's own opening of the week counts as a visit: a new visit
starts when the last one is older than :data:`VISIT_GAP`, and "what changed since you
last looked" (new marks, absences and remarks, read from the journal's tables by their
timestamps, three capped statements) compares with the start of the previous visit, so
reloading within one visit keeps showing the same news.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import peewee as pw

from zhurnal.core import audit
from zhurnal.core.db import database, utcnow
from zhurnal.core.identity.models import User
from zhurnal.core.prepared import Prepared, as_date, as_datetime, slot
from zhurnal.plugins.journal.models import Attendance, Lesson, Mark, Remark, WorkKind
from zhurnal.plugins.roster.models import Student, Subject

from . import signals
from .models import Visit
from .week import ABSENT

#: a new visit starts when the diary was last opened longer ago than this; within
#: one visit "what changed since you last looked" stays the same on every reload
VISIT_GAP = dt.timedelta(minutes=30)

#: at most this many news items of each kind are listed
LIMIT = 20


@dataclass
class Seen:
    """A reader's visit: when it started, and the start of the one before (``None``: first)."""
    last_at: dt.datetime
    previous_at: dt.datetime | None
    count: int


#: (id, last_at, previous_at, count)
_VISIT = Prepared(lambda: (
    Visit.select(Visit.id, Visit.last_at, Visit.previous_at, Visit.count)
    .where((Visit.user == slot("uid")) & (Visit.student == slot("sid")))))


def visit(user, student: Student, role: str, *, now: dt.datetime | None = None) -> Seen:
    """Note that ``user`` (a guardian or the pupil) opened ``student``'s diary.

    Writes only when a new visit starts (the last one is older than
    :data:`VISIT_GAP`); then the previous visit becomes ``previous_at`` and
    ``diary_viewed`` is sent. Reloads within a visit cost one small read.
    """
    now = now or utcnow()
    rows = _VISIT.rows(uid=user.id, sid=student.id)
    if rows:
        vid, last_at, previous_at, count = rows[0]
        last_at = as_datetime(last_at)
        if now - last_at < VISIT_GAP:
            return Seen(last_at, as_datetime(previous_at), count)
    with database.atomic():
        if not rows:
            try:
                with database.atomic():
                    Visit.create(school=student.school_id, user=user.id, student=student.id, first_at=now,
                                 last_at=now, previous_at=None)
            except pw.IntegrityError:  # a parallel request of the same user created it
                v = Visit.get((Visit.user == user.id) & (Visit.student == student.id))
                return Seen(v.last_at, v.previous_at, v.count)
            seen = Seen(now, None, 1)
        else:
            Visit.update(previous_at=Visit.last_at, last_at=now, count=Visit.count + 1).where(
                Visit.id == vid).execute()
            seen = Seen(now, last_at, count + 1)
        audit.record("diary.visit", student, user=user, school_id=student.school_id,
                     data={"role": role, "visit": seen.count})
    signals.send(signals.diary_viewed, student_id=student.id, user_id=user.id, role=role, at=now,
                 school_id=student.school_id)
    return seen


# --- what changed since --------------------------------------------------------------------------

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


def news_since(student_id: int, moment: dt.datetime | None) -> dict:
    """News for a pupil after ``moment`` (``None``: a first visit, nothing to compare with)."""
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
