"""The school report for the administration: classes side by side per parallel and subject,
attendance per class, and how completely each teacher keeps the journal.

Three aggregate queries do the work in the database, nested so that no row per
student reaches Python: (class, subject) figures over per-student averages; the
overall figures per class over per-student lowest and mean averages; attendance per
class; journal completeness per teacher. See :mod:`.figures` for the definitions.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

import peewee as pw
from peewee import fn

from core import clock
from core.db import database
from core.identity.models import User
from plugins.journal.models import Attendance, Lesson, Mark
from plugins.roster.models import SchoolClass, Student

from . import figures as F


def _per_student_subject(school_id: int, a: dt.date, b: dt.date):
    """Subquery: (student, class, subject, weighted average) over numeric marks."""
    return (Mark.select(Mark.student.alias("st"), Student.school_class.alias("cls"), Lesson.subject.alias("subj"),
                        (fn.SUM(Mark.numeric * Mark.weight) / fn.SUM(Mark.weight)).alias("avg"))
            .join(Lesson, on=(Mark.lesson == Lesson.id))
            .switch(Mark).join(Student, on=(Mark.student == Student.id))
            .where((Student.school == school_id) & Student.school_class.is_null(False) & Mark.numeric.is_null(False) &
                   (Lesson.date >= a) & (Lesson.date <= b))
            .group_by(Mark.student, Student.school_class, Lesson.subject))


def _count_if(cond):
    return fn.SUM(pw.Case(None, [(cond, 1)], 0))


def class_subject_rows(school_id: int, a: dt.date, b: dt.date) -> list[tuple]:
    """``(class, subject, average, students, good, passing)``: one nested GROUP BY."""
    r = _per_student_subject(school_id, a, b).alias("r")
    q = (pw.Select(from_list=[r], columns=[r.c.cls, r.c.subj, fn.AVG(r.c.avg), fn.COUNT(r.c.st),
                                           _count_if(r.c.avg >= F.GOOD), _count_if(r.c.avg >= F.PASS)])
         .group_by(r.c.cls, r.c.subj).bind(database))
    return list(q.tuples())


def class_overall_rows(school_id: int, a: dt.date, b: dt.date, graded_ids) -> list[tuple]:
    """``(class, mean of students' overall averages, students, good, passing)``: one nested GROUP BY."""
    r = _per_student_subject(school_id, a, b).where(Lesson.subject.in_(list(graded_ids) or [0])).alias("r")
    per_student = (pw.Select(from_list=[r], columns=[r.c.st, r.c.cls, fn.AVG(r.c.avg).alias("mean"),
                                                     fn.MIN(r.c.avg).alias("low")])
                   .group_by(r.c.st, r.c.cls).alias("p"))
    q = (pw.Select(from_list=[per_student],
                   columns=[per_student.c.cls, fn.AVG(per_student.c.mean), fn.COUNT(per_student.c.st),
                            _count_if(per_student.c.low >= F.GOOD), _count_if(per_student.c.low >= F.PASS)])
         .group_by(per_student.c.cls).bind(database))
    return list(q.tuples())


def attendance_rows(school_id: int, a: dt.date, b: dt.date) -> list[tuple]:
    """``(class, status, how many)``: one GROUP BY."""
    q = (Attendance.select(Student.school_class, Attendance.status, fn.COUNT(Attendance.id))
         .join(Lesson, on=(Attendance.lesson == Lesson.id))
         .switch(Attendance).join(Student, on=(Attendance.student == Student.id))
         .where((Student.school == school_id) & (Lesson.cancelled == False) &  # noqa: E712
                (Lesson.date >= a) & (Lesson.date <= b))
         .group_by(Student.school_class, Attendance.status))
    return list(q.tuples())


def completeness_rows(school_id: int, a: dt.date, b: dt.date) -> list[tuple]:
    """``(teacher, lessons held, without topic, without any mark, without homework)`` for lessons
    held up to today: one GROUP BY with a correlated EXISTS."""
    b = min(b, clock.today())
    marked = Mark.select(Mark.id).where(Mark.lesson == Lesson.id)
    q = (Lesson.select(Lesson.teacher, fn.COUNT(Lesson.id), _count_if(Lesson.topic == ""),
                       fn.SUM(pw.Case(None, [(fn.EXISTS(marked), 0)], 1)), _count_if(Lesson.homework == ""))
         .where((Lesson.school == school_id) & (Lesson.cancelled == False) &  # noqa: E712
                (Lesson.date >= a) & (Lesson.date <= b))
         .group_by(Lesson.teacher))
    return list(q.tuples())


def school_report(school, a: dt.date, b: dt.date, settings: dict, year_id: int | None = None) -> dict:
    school_id = getattr(school, "id", school)
    prev = F.previous_range(school_id, a, b)
    q = SchoolClass.select().where(SchoolClass.school == school_id)
    if year_id is not None:
        q = q.where(SchoolClass.year == year_id)
    classes = {c.id: c for c in q.order_by(SchoolClass.parallel, SchoolClass.letter)}
    counts = dict(Student.select(Student.school_class, fn.COUNT(Student.id))
                  .where((Student.school == school_id) & Student.left_at.is_null())
                  .group_by(Student.school_class).tuples())
    cs_rows = [r for r in class_subject_rows(school_id, a, b) if r[0] in classes]
    names = F.subject_names({r[1] for r in cs_rows})
    graded = F.graded_subjects(school_id, names)
    graded_ids = [s for s, ok in graded.items() if ok]
    overall = {r[0]: r for r in class_overall_rows(school_id, a, b, graded_ids)}
    overall_prev = {r[0]: r for r in class_overall_rows(school_id, prev[0], prev[1], graded_ids)}
    att: dict = defaultdict(lambda: defaultdict(int))
    for cls, status, n in attendance_rows(school_id, a, b):
        att[cls][status] += n

    cells: dict = defaultdict(dict)
    for cls, subj, avg, n, good, passing in cs_rows:
        ok = graded.get(subj, True)
        cells[cls][str(subj)] = {"average": round(float(avg), 2), "students": n,
                                 "quality": F.pct(good, n) if ok else None,
                                 "success": F.pct(passing, n) if ok else None}

    def overall_of(row):
        if not row:
            return {"average": None, "quality": None, "success": None, "students": 0}
        _c, avg, n, good, passing = row
        return {"average": round(float(avg), 2), "quality": F.pct(good, n), "success": F.pct(passing, n),
                "students": n}

    parallels: dict = defaultdict(list)
    for cid, cls in classes.items():
        a_ = att.get(cid, {})
        parallels[cls.parallel].append({
            "id": cid, "name": F.class_name(cls), "students": counts.get(cid, 0),
            "overall": {**overall_of(overall.get(cid)), "previous": overall_of(overall_prev.get(cid))},
            "subjects": cells.get(cid, {}),
            "attendance": {"missed": sum(a_.get(k, 0) for k in F.MISSED), "ill": a_.get("ill", 0),
                           "valid": a_.get("valid", 0), "absent": a_.get("absent", 0), "late": a_.get("late", 0)}})

    comp = completeness_rows(school_id, a, b)
    teachers = dict(User.select(User.id, User.display_name).where(User.id.in_([r[0] for r in comp if r[0]] or [0]))
                    .tuples())
    completeness = sorted(({"teacher_id": t, "teacher": teachers.get(t, ""), "lessons": n,
                            "without_topic": int(no_topic or 0), "without_marks": int(no_marks or 0),
                            "without_homework": int(no_hw or 0),
                            "complete_pct": F.pct(n - int(no_topic or 0), n)}
                           for t, n, no_topic, no_marks, no_hw in comp),
                          key=lambda r: (-(r["without_topic"]), r["teacher"]))
    report = {"kind": "school", "from": a.isoformat(), "to": b.isoformat(),
              "previous": {"from": prev[0].isoformat(), "to": prev[1].isoformat()},
              "generated_at": clock.now().replace(microsecond=0).isoformat(),
              "settings": dict(settings), "school_id": school_id,
              "subjects": [{"id": s, "name": n, "graded": graded.get(s, True)} for s, n in names.items()],
              "parallels": [{"parallel": p, "classes": cl} for p, cl in sorted(parallels.items())],
              "completeness": completeness}
    return report
