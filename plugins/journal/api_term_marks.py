"""Journal API: period and year marks, with the weighted average and the proposed mark.
"""
from __future__ import annotations


from flask import g

from zhurnal.core import access
from zhurnal.core.api import endpoint, forbidden, invalid
from zhurnal.plugins.roster.models import AcademicYear, Period, SchoolClass, Student, Subject

from . import service
from .api_common import _call, _class_or_404, _group_or_404, _override, _period_ref, _ref, _require, bp
from .models import TermMark
from .schemas import TermMarkIn, TermMarkQuery
from .scope import JournalOf, may_in_subject, student_groups


def _term_rows(students: list[Student], subject: Subject, period: Period | None, year_id: int) -> list[dict]:
    ids = [s.id for s in students]
    scale = service.scale_for(subject.id, subject.school_id)
    marks = {(t.student_id, t.period_id): t for t in TermMark.select().where(
        TermMark.student.in_(ids or [-1]) & (TermMark.subject == subject.id) & (TermMark.year == year_id))}
    if period is not None:
        avgs = service.averages(ids, subject.id, period)
    else:  # the year: the average of the period marks
        avgs = {}
        for sid in ids:
            nums = [scale.number(t.value) for (s, p), t in marks.items() if s == sid and p is not None]
            nums = [n for n in nums if n is not None]
            avgs[sid] = round(sum(nums) / len(nums), 2) if nums else None
    pid = period.id if period else None
    rows = []
    for s in students:
        t = marks.get((s.id, pid))
        rows.append({"student_id": s.id, "name": s.short_name, "average": avgs.get(s.id),
                     "proposed": scale.propose(avgs.get(s.id)), "value": t.value if t else None,
                     "version": t.version if t else 0, "id": t.id if t else None})
    return rows


@endpoint(bp, "/term-marks", ["GET"], summary="Period (or year) marks of a class or group in a subject, with "
                                              "the weighted average and the proposed mark", query=TermMarkQuery)
def list_term_marks(args):
    subject = _ref(Subject, args["subject_id"], "subject_id", "subject")
    if args["group_id"] is not None:
        grp = _group_or_404(args["group_id"])
        target, year_id = JournalOf.of_group(grp, subject.id), grp.year_id
        from zhurnal.plugins.roster.service import group_students
        students = group_students(grp.id)
    else:
        cls = _class_or_404(args["class_id"])
        target, year_id = JournalOf.of_class(cls, subject.id), cls.year_id
        from zhurnal.plugins.roster.service import class_students
        students = class_students(cls.id)
    _require("journal.read", target)
    period = _period_ref(args["period_id"], year_id)
    return {"subject_id": subject.id, "period_id": args["period_id"],
            "scale": list(service.scale_for(subject.id, subject.school_id).values),
            "can_edit": access.can(g.user, "journal.term_mark.write", target),
            "items": _term_rows(students, subject, period, year_id)}


@endpoint(bp, "/term-marks", ["PUT"], summary="Set a period or year mark", body=TermMarkIn)
def set_term_mark(body):
    student = _ref(Student, body["student_id"], "student_id", "student")
    subject = _ref(Subject, body["subject_id"], "subject_id", "subject")
    cls = SchoolClass.get_or_none(SchoolClass.id == student.school_class_id)
    if cls is None:
        raise invalid({"student_id": "The student is not in a class."})
    target = JournalOf.of_class(cls, subject.id)
    # the class's teacher in the subject, or the teacher of the student's group in it (a split, a stream,
    # an individual plan)
    if not may_in_subject(g.user, "journal.term_mark.write", student, subject.id,
                          student_groups([student.id]).get(student.id, [])):
        raise forbidden()
    period = _period_ref(body["period_id"], cls.year_id)
    year = AcademicYear.get_by_id(cls.year_id)
    avg = service.averages([student.id], subject.id, period)[student.id] if period is not None else None
    _call(service.set_term_mark, student, subject, year, period, body["value"], version=body["version"],
          average=avg, by=g.user, allow_closed=_override(target))
    return _term_rows([student], subject, period, year.id)[0]
