"""The school report for the administration: classes side by side per parallel and subject,
attendance per class, and how completely each teacher keeps the journal.

Three aggregate queries do the work in the database: weighted sums per (student,
subject) in one pass over the period's marks (Python then combines those ~12 rows per
student into the (class, subject) and per-class figures: no row per mark leaves the
database); attendance per class; journal completeness per teacher. See
:mod:`.figures` for the definitions. Unlike the class report, the school report does
not compare with the previous period (that would be a second pass over the school's marks).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

import peewee as pw
from peewee import fn

from zhurnal.core import clock
from zhurnal.core.identity.models import User
from zhurnal.plugins.journal.models import Attendance, Lesson, Mark
from zhurnal.plugins.roster.models import SchoolClass, Student

from . import figures as F


def student_subject_rows(school_id: int, a: dt.date, b: dt.date) -> list[tuple]:
    """``(student, subject, weighted sum, weight sum)`` over the numeric marks of the school's lessons
    in the period: one GROUP BY (the lesson knows its school: no join with the students)."""
    return F.fetch(Mark.select(Mark.student, Lesson.subject, fn.SUM(Mark.numeric * Mark.weight), fn.SUM(Mark.weight))
                   .join(Lesson, on=(Mark.lesson == Lesson.id))
                   .where((Lesson.school == school_id) & Mark.numeric.is_null(False) &
                          (Lesson.date >= a) & (Lesson.date <= b))
                   .group_by(Mark.student, Lesson.subject))


def _count_if(cond):
    return fn.SUM(pw.Case(None, [(cond, 1)], 0))


def class_figures(rows, class_of: dict, graded: dict) -> tuple[dict, dict]:
    """From :func:`student_subject_rows` and each student's class: per (class, subject) and per
    class — average of the students' averages, students, качество and успеваемость (see :mod:`.figures`)."""
    cells: dict = defaultdict(list)
    per_student: dict = {}
    for st, subj, num, den in rows:
        cls = class_of.get(st)
        if not den or cls is None:
            continue
        avg = float(num) / float(den)
        cells[(cls, subj)].append(avg)
        if graded.get(subj, True):
            p = per_student.setdefault(st, [cls, 0.0, 0, 5.0e9])
            p[1] += avg
            p[2] += 1
            p[3] = min(p[3], avg)
    by_class: dict = defaultdict(list)
    for cls, total, n, low in per_student.values():
        by_class[cls].append((total / n, low))
    overall = {}
    for cls, xs in by_class.items():
        q, s_ = F.shares(low for _m, low in xs)
        overall[cls] = {"average": round(sum(m for m, _l in xs) / len(xs), 2), "quality": q, "success": s_,
                        "students": len(xs)}
    out_cells: dict = defaultdict(dict)
    for (cls, subj), xs in cells.items():
        ok = graded.get(subj, True)
        q, s_ = F.shares(xs) if ok else (None, None)
        out_cells[cls][str(subj)] = {"average": round(sum(xs) / len(xs), 2), "students": len(xs),
                                     "quality": q, "success": s_}
    return out_cells, overall


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
    """``(teacher, lessons held, without topic, without any mark, without homework, control works
    without marks)`` for lessons held up to today: one GROUP BY with a correlated EXISTS."""
    b = min(b, clock.today())
    unmarked = pw.Case(None, [(fn.EXISTS(Mark.select(Mark.id).where(Mark.lesson == Lesson.id)), 0)], 1)
    q = (Lesson.select(Lesson.teacher, fn.COUNT(Lesson.id), _count_if(Lesson.topic == ""), fn.SUM(unmarked),
                       _count_if(Lesson.homework == ""),
                       fn.SUM(pw.Case(None, [(Lesson.is_control == True, unmarked)], 0)))  # noqa: E712
         .where((Lesson.school == school_id) & (Lesson.cancelled == False) &  # noqa: E712
                (Lesson.date >= a) & (Lesson.date <= b))
         .group_by(Lesson.teacher))
    return list(q.tuples())


def school_report(school, a: dt.date, b: dt.date, settings: dict, year_id: int | None = None) -> dict:
    school_id = getattr(school, "id", school)
    q = SchoolClass.select().where(SchoolClass.school == school_id)
    if year_id is not None:
        q = q.where(SchoolClass.year == year_id)
    classes = {c.id: c for c in q.order_by(SchoolClass.parallel, SchoolClass.letter)}
    class_of = dict(F.fetch(Student.select(Student.id, Student.school_class)
                            .where((Student.school == school_id) & Student.school_class.in_(list(classes) or [0]))))
    counts = dict(Student.select(Student.school_class, fn.COUNT(Student.id))
                  .where((Student.school == school_id) & Student.left_at.is_null())
                  .group_by(Student.school_class).tuples())
    rows = student_subject_rows(school_id, a, b)
    names = F.subject_names({r[1] for r in rows})
    graded = F.graded_subjects(school_id, names)
    cells, overall = class_figures(rows, class_of, graded)
    att: dict = defaultdict(lambda: defaultdict(int))
    for cls, status, n in attendance_rows(school_id, a, b):
        att[cls][status] += n
    empty = {"average": None, "quality": None, "success": None, "students": 0}

    parallels: dict = defaultdict(list)
    for cid, cls in classes.items():
        a_ = att.get(cid, {})
        parallels[cls.parallel].append({
            "id": cid, "name": F.class_name(cls), "students": counts.get(cid, 0),
            "overall": overall.get(cid, empty),
            "subjects": cells.get(cid, {}),
            "attendance": {"missed": sum(a_.get(k, 0) for k in F.MISSED), "ill": a_.get("ill", 0),
                           "valid": a_.get("valid", 0), "absent": a_.get("absent", 0), "late": a_.get("late", 0)}})

    comp = completeness_rows(school_id, a, b)
    teachers = dict(User.select(User.id, User.display_name).where(User.id.in_([r[0] for r in comp if r[0]] or [0]))
                    .tuples())
    completeness = sorted(({"teacher_id": t, "teacher": teachers.get(t, ""), "lessons": n,
                            "without_topic": int(no_topic or 0), "without_marks": int(no_marks or 0),
                            "without_homework": int(no_hw or 0), "control_without_marks": int(no_ctl or 0),
                            "complete_pct": F.pct(n - int(no_topic or 0), n)}
                           for t, n, no_topic, no_marks, no_hw, no_ctl in comp),
                          key=lambda r: (-(r["without_topic"]), r["teacher"]))
    report = {"kind": "school", "from": a.isoformat(), "to": b.isoformat(),
              "generated_at": clock.now().replace(microsecond=0).isoformat(),
              "settings": dict(settings), "school_id": school_id,
              "subjects": [{"id": s, "name": n, "graded": graded.get(s, True)} for s, n in names.items()],
              "parallels": [{"parallel": p, "classes": cl} for p, cl in sorted(parallels.items())],
              "completeness": completeness}
    return report
