"""A pupil's marks per subject for a reporting period (the diary's «Оценки» tab).

Reads the journal and the roster in a fixed number of queries.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from zhurnal.core import clock
from zhurnal.plugins.journal import service as journal
from zhurnal.plugins.roster import service as roster
from zhurnal.plugins.roster.models import Period, Student, Subject



def periods_of(student: Student) -> list[Period]:
    year_id = student.school_class.year_id if student.school_class_id else None
    if year_id is None:
        year = roster.current_year(student.school_id, clock.today())
        year_id = year.id if year else None
    if year_id is None:
        return []
    return list(Period.select().where(Period.year == year_id).order_by(Period.number))


def current_period(periods: list[Period], day: dt.date) -> Period | None:
    """The period containing ``day``, else the last one that began (holidays), else the first."""
    for p in periods:
        if p.contains(day):
            return p
    begun = [p for p in periods if p.start <= day]
    return begun[-1] if begun else (periods[0] if periods else None)


def period_marks(student: Student, period: Period) -> dict:
    """Marks of every subject in ``period``: the marks, the weighted average and the term mark.

    Subjects come from the student's timetable plus any subject with marks or a
    term mark (a subject dropped mid-year still shows what it has).
    """
    marks = journal.marks_for([student.id], date_from=period.start, date_to=period.end)
    avgs = journal.averages_by_subject([student.id], period)
    terms = journal.term_marks_for([student.id], period.year_id)
    timetable = journal.timetable_for_student(student)
    by_subject = defaultdict(list)
    for m in marks:
        by_subject[m.lesson.subject_id].append(m)
    term = {t.subject_id: t for t in terms if t.period_id == period.id}
    year_mark = {t.subject_id: t for t in terms if t.period_id is None}
    subject_ids = set(by_subject) | set(term) | {e.subject_id for e in timetable}
    names = {s.id: s.name for s in Subject.select(Subject.id, Subject.name).where(Subject.id.in_(list(subject_ids)))} \
        if subject_ids else {}
    rows = []
    for sid in sorted(subject_ids, key=lambda i: names.get(i, "")):
        ms = by_subject.get(sid, [])
        rows.append({
            "subject_id": sid, "subject": names.get(sid, ""),
            "marks": [{"id": m.id, "value": m.value, "date": m.lesson.date, "kind": m.kind.name,
                       "kind_code": m.kind.code, "weight": m.weight, "comment": m.comment} for m in ms],
            "average": avgs.get((student.id, sid)),
            "term_mark": term[sid].value if sid in term else None,
            "year_mark": year_mark[sid].value if sid in year_mark else None,
        })
    return {"student": student, "period": period, "subjects": rows}
