"""The class and student reports: the JSON a page, an export, the API and a snapshot share.

See :mod:`.figures` for what each figure means. A report is a plain dict of
JSON-safe values (dates in ISO form, subject ids as strings where they are keys),
so a sent report is stored as is and read back unchanged.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from peewee import fn

from zhurnal.core import clock
from zhurnal.plugins.journal.models import Lesson, Mark
from zhurnal.plugins.roster.models import SchoolClass, Student

from . import figures as F


def _students_of_class(cls: SchoolClass, a: dt.date) -> list[Student]:
    """The class list for the period: current students and those who left after it began."""
    return list(Student.select(Student.id, Student.last_name, Student.first_name, Student.middle_name)
                .where((Student.school_class == cls.id) & (Student.left_at.is_null() | (Student.left_at >= a)))
                .order_by(Student.last_name, Student.first_name, Student.id))


def _name(st: Student) -> str:
    return " ".join(x for x in (st.last_name, st.first_name) if x)


def _head(kind: str, a, b, prev, subject_ids, settings) -> dict:
    return {"kind": kind, "from": a.isoformat(), "to": b.isoformat(),
            "previous": {"from": prev[0].isoformat(), "to": prev[1].isoformat()},
            "generated_at": clock.now().replace(microsecond=0).isoformat(),
            "only_subjects": None if subject_ids is None else sorted(subject_ids),
            "settings": dict(settings)}


def _distribution(rows) -> tuple[dict, dict]:
    per: dict = defaultdict(dict)
    total: dict = defaultdict(int)
    for subj, value, n in rows:
        per[subj][value] = per[subj].get(value, 0) + n
        total[value] += n
    return per, dict(total)


def at_risk_reasons(subject_avgs: dict, graded: dict, names: dict, now: float | None, before: float | None,
                    absent: int, settings: dict) -> list[dict]:
    """Why a student is at risk: failing a subject, a drop of the overall average, unexcused absences."""
    reasons = []
    for subj, a in sorted(subject_avgs.items(), key=lambda x: names.get(x[0], "")):
        if graded.get(subj, True) and a < F.PASS:
            reasons.append({"code": "failing", "subject_id": subj, "subject": names.get(subj, ""), "average": a})
    if now is not None and before is not None and before - now >= settings["risk_drop"] - 1e-9:
        reasons.append({"code": "drop", "before": before, "now": now, "drop": round(before - now, 2)})
    if absent >= settings["risk_absences"]:
        reasons.append({"code": "absences", "count": absent})
    return reasons


def class_report(cls: SchoolClass, a: dt.date, b: dt.date, settings: dict, subject_ids=None,
                 student_ids=None) -> dict:
    """The class's figures for ``a..b``; ``subject_ids``: only these subjects, ``student_ids``:
    only these students (a subject teacher: their subjects, their groups)."""
    school_id = cls.school_id
    prev = F.previous_range(school_id, a, b)
    students = _students_of_class(cls, a)
    if student_ids is not None:
        students = [s for s in students if s.id in student_ids]
    sids = [s.id for s in students]
    # the ids themselves, not a subquery: PostgreSQL then sees how few marks they have and reads
    # them through the (student, lesson) index instead of scanning every mark of the school
    in_class = sids or [0]
    now_rows, prev_rows = F.mark_rows_two(in_class, prev, a, b, subject_ids)
    rows, dist_rows = F.split_values(now_rows)
    held = F.held_rows(sids, cls.id, a, b, subject_ids)
    att = F.attendance_of(F.attendance_rows(in_class, a, b, subject_ids))

    avg, count = F.averages_of(rows)
    prev_avg, _ = F.averages_of(prev_rows)
    held_by = defaultdict(dict)
    for st, subj, n in held:
        held_by[st][subj] = n
    subject_ids_seen = {s for _st, s, *_ in rows} | {s for _st, s, _n in held}
    names = F.subject_names(subject_ids_seen)
    graded = F.graded_subjects(school_id, names)
    now, before = F.summary(avg, graded), F.summary(prev_avg, graded)
    overall_now, overall_before = F.student_overall(avg, graded), F.student_overall(prev_avg, graded)
    per_dist, total_dist = _distribution(dist_rows)

    subjects = []
    for subj, name in names.items():
        s = now["subjects"].get(subj, {"average": None, "quality": None, "success": None, "students": 0})
        p = before["subjects"].get(subj, {})
        subjects.append({"id": subj, "name": name, "graded": graded.get(subj, True), **s,
                         "previous": {k: p.get(k) for k in ("average", "quality", "success")},
                         "marks": sum(count.get((st, subj), 0) for st in sids),
                         "lessons": max((held_by[st].get(subj, 0) for st in sids), default=0),
                         "distribution": per_dist.get(subj, {})})

    out_students, risk, totals = [], [], defaultdict(int)
    min_marks = settings["min_marks"]
    by_student: dict = defaultdict(dict)
    for (s, subj), v in avg.items():
        by_student[s][subj] = v
    for st in students:
        mine = by_student.get(st.id, {})
        few = [{"subject_id": subj, "subject": names[subj], "marks": count.get((st.id, subj), 0)}
               for subj in names if held_by[st.id].get(subj) and count.get((st.id, subj), 0) < min_marks]
        a_fig = F.attendance_figures(att.get(st.id, {}), sum(held_by[st.id].values()))
        for k in ("lessons", "missed", "ill", "valid", "absent", "late"):
            totals[k] += a_fig[k]
        entry = {"id": st.id, "name": _name(st), "average": overall_now.get(st.id),
                 "previous_average": overall_before.get(st.id),
                 "marks": sum(count.get((st.id, subj), 0) for subj in names),
                 "subjects": {str(subj): v for subj, v in mine.items()},
                 "few_marks": few, "attendance": a_fig}
        out_students.append(entry)
        reasons = at_risk_reasons(mine, graded, names, entry["average"], entry["previous_average"],
                                  a_fig["absent"], settings)
        if reasons:
            risk.append({"student_id": st.id, "name": entry["name"], "reasons": reasons})

    report = _head("class", a, b, prev, subject_ids, settings)
    report.update({
        "class": {"id": cls.id, "name": F.class_name(cls), "parallel": cls.parallel},
        "overall": {**now["overall"], "previous": before["overall"],
                    "marks": sum(count.get((st, subj), 0) for st in sids for subj in names),
                    "distribution": total_dist},
        "subjects": subjects,
        "attendance": {**dict(totals), "missed_pct": F.pct(totals["missed"], totals["lessons"]),
                       "students": len(students)},
        "students": out_students,
        "few_marks": [{"student_id": s["id"], "name": s["name"], "subjects": s["few_marks"]}
                      for s in out_students if s["few_marks"]],
        "at_risk": risk,
    })
    return report


def _trend(student_id: int, start: dt.date, b: dt.date, subject_ids) -> dict:
    """Monthly weighted averages per subject from the start of the year: one GROUP BY."""
    month = F.month_expr(Lesson.date)
    q = (Mark.select(Lesson.subject, month, fn.SUM(Mark.numeric * Mark.weight), fn.SUM(Mark.weight))
         .join(Lesson, on=(Mark.lesson == Lesson.id))
         .where((Mark.student == student_id) & Mark.numeric.is_null(False))
         .group_by(Lesson.subject, month))
    out: dict = defaultdict(dict)
    for subj, m, num, den in F._subjects(F._dates(q, start, b), subject_ids).tuples():
        if den:
            out[subj][m] = round(float(num) / float(den), 2)
    return out


def student_report(student: Student, a: dt.date, b: dt.date, settings: dict, subject_ids=None) -> dict:
    """One student's figures for ``a..b``, subject by subject, with the trend over the year."""
    school_id = student.school_id
    prev = F.previous_range(school_id, a, b)
    me = [student.id]
    now_rows, prev_rows = F.mark_rows_two(me, prev, a, b, subject_ids)
    rows, dist_rows = F.split_values(now_rows)
    avg, count = F.averages_of(rows)
    prev_avg, _ = F.averages_of(prev_rows)
    held = {subj: n for _st, subj, n in F.held_rows(me, student.school_class_id, a, b, subject_ids)}
    per_dist, total_dist = _distribution(dist_rows)
    att = F.attendance_of(F.attendance_rows(me, a, b, subject_ids)).get(student.id, {})
    start = F.year_start(school_id, b)
    trend = _trend(student.id, start, b, subject_ids)
    names = F.subject_names({s for _st, s in avg} | {s for _st, s in count} | set(held) | set(trend))
    graded = F.graded_subjects(school_id, names)
    mine = {subj: v for (_s, subj), v in avg.items()}
    overall = F.student_overall(avg, graded).get(student.id)
    before = F.student_overall(prev_avg, graded).get(student.id)
    months = sorted({m for per in trend.values() for m in per})
    subjects = []
    for subj, name in names.items():
        a_ = mine.get(subj)
        subjects.append({
            "id": subj, "name": name, "graded": graded.get(subj, True), "average": a_,
            "previous_average": prev_avg.get((student.id, subj)),
            "result_ok": None if a_ is None or not graded.get(subj, True) else a_ >= F.GOOD,
            "failing": bool(a_ is not None and graded.get(subj, True) and a_ < F.PASS),
            "marks": count.get((student.id, subj), 0), "lessons": held.get(subj, 0),
            "few_marks": bool(held.get(subj)) and count.get((student.id, subj), 0) < settings["min_marks"],
            "distribution": per_dist.get(subj, {}),
            "trend": [trend.get(subj, {}).get(m) for m in months]})
    att_fig = F.attendance_figures(att, sum(held.values()))
    graded_avgs = [v for s, v in mine.items() if graded.get(s, True)]
    report = _head("student", a, b, prev, subject_ids, settings)
    report.update({
        "student": {"id": student.id, "name": _name(student), "class_id": student.school_class_id},
        "overall": {"average": overall, "previous_average": before,
                    "quality": None if not graded_avgs else min(graded_avgs) >= F.GOOD,
                    "success": None if not graded_avgs else min(graded_avgs) >= F.PASS,
                    "marks": sum(count.values()), "distribution": total_dist},
        "subjects": subjects, "months": months, "attendance": att_fig,
        "at_risk": at_risk_reasons(mine, graded, names, overall, before, att_fig["absent"], settings),
    })
    return report
