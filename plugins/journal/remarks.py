"""Teachers' remarks, recommendations and praise to a student (the diary shows them)."""
from __future__ import annotations

import datetime as dt

from zhurnal.core import audit, clock
from zhurnal.core.db import database
from zhurnal.core.i18n import N_
from zhurnal.plugins.roster.models import Student, Subject

from . import notices
from .common import Invalid, _id
from .lessons import student_in_lesson
from .models import REMARK_KINDS, Lesson, Remark
from . import signals


def add_remark(student: Student, text: str, *, kind: str = "remark", subject: Subject | None = None,
               lesson: Lesson | None = None, date: dt.date | None = None, by=None) -> Remark:
    """A remark, recommendation or praise from a teacher to a student (the diary shows it)."""
    fields: dict = {}
    text = (text or "").strip()
    if not text:
        fields["text"] = N_("Write the remark.")
    if kind not in REMARK_KINDS:
        fields["kind"] = f"Must be one of: {', '.join(REMARK_KINDS)}."
    if lesson is not None and not student_in_lesson(student, lesson):
        fields["lesson_id"] = N_("The student is not in this lesson's class or group.")
    if lesson is not None and subject is not None and _id(subject) != lesson.subject_id:
        fields["subject_id"] = N_("The lesson is in another subject.")
    if fields:
        raise Invalid(fields)
    if lesson is not None and subject is None:
        subject = Subject.get_by_id(lesson.subject_id)
    with database.atomic():
        r = Remark.create(student=student.id, teacher=_id(by), lesson=_id(lesson), subject=_id(subject),
                          date=date or (lesson.date if lesson else clock.today()), kind=kind, text=text)
        notices.remark(r.id, student.id, student.school_id, text, kind)
        audit.record("journal.remark.create", r, user=by, school_id=student.school_id,
                     data={"student": student.id, "kind": kind, "subject": _id(subject), "lesson": _id(lesson)})
    signals.send(signals.remark_added, remark_id=r.id, student_id=student.id, kind=kind, subject_id=_id(subject),
                 by=by, school_id=student.school_id)
    return r
