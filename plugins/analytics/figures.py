"""The figures of the class and student reports, computed by SQL aggregates.

Every figure comes from ``GROUP BY`` queries in the database (the same peewee
queries on SQLite and PostgreSQL); Python only combines their rows — one row per
(student, subject), never one per mark.

Definitions (the same everywhere in this plugin):

* a student's **average** in a subject is the weighted average of their marks
  (средневзвешенный балл): ``sum(numeric × weight) / sum(weight)`` over the marks that
  have a number on the subject's scale, the weight being the one the mark was given
  with (its kind of work: a control work weighs 2, an answer 1 ...). Pass/fail marks
  («зач») count in the number of marks and the distribution, not in averages. This is
  the average the journal proposes the period mark from;
* a student's **result** in a subject is that average rounded as the journal rounds
  period marks (x.5 up): on the five-point scale «4 or 5» is an average ≥ 3.5 and
  «not 2» an average ≥ 2.5;
* **качество** (quality): the share of students whose results are all 4s and 5s;
  **успеваемость** (success): the share with no 2; both over students with marks,
  and only for subjects on a five-point scale (a subject on the ten-point scale shows
  its average on its own scale and is left out of these shares and the overall average);
* the **class average** of a subject is the mean of its students' averages; a
  student's **overall** average is the mean of their subject averages;
* **attendance**: lessons held (not cancelled, up to today) for the student — their
  class's whole-class lessons and their groups' lessons — and the lessons missed, by
  reason: ``ill``, ``valid`` (a valid reason) and ``absent`` (without a reason);
  ``late`` arrivals are counted apart and are not missed lessons. A subject studied on an
  individual plan counts the plan's lessons instead of the class's (as the journal does).

The class report reads this period and the previous one in one pass over the class's
marks (``GROUP BY`` period, student, subject, mark), attendance in one ``GROUP BY``
and lessons held per (group, subject).
"""
from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict

import peewee as pw
from peewee import fn

from zhurnal.core import clock
from zhurnal.core.db import database, is_postgres
from zhurnal.plugins.journal.models import Attendance, Lesson, Mark, MarkScale, SubjectScale
from zhurnal.plugins.roster.models import AcademicYear, GroupMember, Period, SchoolClass, StudyGroup, Subject

#: a five-point scale's thresholds on the weighted average (x.5 rounds up, as the journal's proposals)
GOOD, PASS = 3.5, 2.5
MISSED = ("ill", "valid", "absent")


def pct(part: int, whole: int) -> float | None:
    return None if not whole else round(100.0 * part / whole, 1)


def mean(xs) -> float | None:
    xs = [x for x in xs if x is not None]
    return round(sum(xs) / len(xs), 2) if xs else None


# --- scales ------------------------------------------------------------------------------------

def graded_subjects(school_id: int, subject_ids) -> dict[int, bool]:
    """``{subject: True}`` when the subject is marked on a five-point scale (quality and
    success apply), False for another numeric scale. Two small queries."""
    default = (MarkScale.select(MarkScale.numeric)
               .where((MarkScale.school == school_id) & (MarkScale.is_default == True))  # noqa: E712
               .tuples().first())
    own = dict(SubjectScale.select(SubjectScale.subject, MarkScale.numeric).join(MarkScale)
               .where(SubjectScale.subject.in_(list(subject_ids) or [0])).tuples())

    def five(numeric_json: str | None) -> bool:
        numbers = list(json.loads(numeric_json or "{}").values())
        return bool(numbers) and max(numbers) == 5
    base = five(default[0]) if default else True  # no scales yet: the journal's built-in five-point one
    return {s: (five(own[s]) if s in own else base) for s in subject_ids}


# --- periods -----------------------------------------------------------------------------------

def previous_range(school_id: int, a: dt.date, b: dt.date) -> tuple[dt.date, dt.date]:
    """The period to compare with: when ``a..b`` is one of the school's reporting periods,
    the one before it (across years too); otherwise as many days just before ``a``."""
    exact = (Period.select(Period.id).join(AcademicYear)
             .where((AcademicYear.school == school_id) & (Period.start == a) & (Period.end == b)).exists())
    if exact:
        prev = (Period.select(Period.start, Period.end).join(AcademicYear)
                .where((AcademicYear.school == school_id) & (Period.end < a))
                .order_by(Period.end.desc()).tuples().first())
        if prev:
            return prev[0], prev[1]
    days = (b - a).days + 1
    return a - dt.timedelta(days=days), a - dt.timedelta(days=1)


def year_start(school_id: int, day: dt.date) -> dt.date:
    row = (AcademicYear.select(AcademicYear.start)
           .where((AcademicYear.school == school_id) & (AcademicYear.start <= day) & (AcademicYear.end >= day))
           .tuples().first())
    return row[0] if row else dt.date(day.year if day.month >= 9 else day.year - 1, 9, 1)


# --- the aggregate queries ----------------------------------------------------------------------

def fetch(q) -> list[tuple]:
    """All rows of a query as plain tuples from the cursor: an aggregate may return thousands of
    rows, and peewee's row-by-row wrapping would cost more than the query."""
    return database.execute(q).fetchall()


def _dates(q, a, b):
    return q.where((Lesson.date >= a) & (Lesson.date <= b))


def _subjects(q, subject_ids):
    return q if subject_ids is None else q.where(Lesson.subject.in_(list(subject_ids) or [0]))


_NUMERIC = Mark.numeric.is_null(False)


def mark_rows(students, a, b, subject_ids=None, *, by_value: bool = False) -> list[tuple]:
    """``(student, subject, marks, weighted sum, weight sum)`` per pair — with ``by_value``,
    ``(student, subject, value, marks, weighted sum, weight sum)`` (the distribution comes from
    the same pass). One GROUP BY."""
    extra = [Mark.value] if by_value else []
    q = (Mark.select(Mark.student, Lesson.subject, *extra, fn.COUNT(Mark.id),
                     fn.SUM(pw.Case(None, [(_NUMERIC, Mark.numeric * Mark.weight)], None)),
                     fn.SUM(pw.Case(None, [(_NUMERIC, Mark.weight)], None)))
         .join(Lesson, on=(Mark.lesson == Lesson.id)).where(Mark.student.in_(students))
         .group_by(Mark.student, Lesson.subject, *extra))
    return fetch(_subjects(_dates(q, a, b), subject_ids))


def mark_rows_two(students, prev: tuple, a, b, subject_ids=None) -> tuple[list[tuple], list[tuple]]:
    """This period's rows by value (as :func:`mark_rows` ``by_value``) and the previous period's
    per pair, from one pass over the marks (GROUP BY the period, student, subject, value)."""
    bucket = pw.Case(None, [(Lesson.date >= a, 1), (Lesson.date <= prev[1], 0)], None)
    q = (Mark.select(bucket, Mark.student, Lesson.subject, Mark.value, fn.COUNT(Mark.id),
                     fn.SUM(pw.Case(None, [(_NUMERIC, Mark.numeric * Mark.weight)], None)),
                     fn.SUM(pw.Case(None, [(_NUMERIC, Mark.weight)], None)))
         .join(Lesson, on=(Mark.lesson == Lesson.id)).where(Mark.student.in_(students))
         .group_by(pw.SQL("1"), Mark.student, Lesson.subject, Mark.value))
    now, before = [], []
    for cur, *row in fetch(_subjects(_dates(q, prev[0], b), subject_ids)):
        if cur == 1:
            now.append(tuple(row))
        elif cur == 0:
            before.append(tuple(row))
    return now, split_values(before)[0]


def split_values(rows) -> tuple[list[tuple], list[tuple]]:
    """:func:`mark_rows` ``by_value`` -> (rows per (student, subject), (subject, value, marks))."""
    pairs: dict = {}
    dist: dict = defaultdict(int)
    for st, subj, value, n, num, den in rows:
        dist[(subj, value)] += n
        p = pairs.setdefault((st, subj), [0, None, None])
        p[0] += n
        if den:
            p[1] = (p[1] or 0) + num
            p[2] = (p[2] or 0) + den
    return ([(st, subj, n, num, den) for (st, subj), (n, num, den) in pairs.items()],
            [(subj, value, n) for (subj, value), n in dist.items()])


def attendance_rows(students, a, b, subject_ids=None) -> list[tuple]:
    """``(student, status, how many)``: one GROUP BY."""
    q = (Attendance.select(Attendance.student, Attendance.status, fn.COUNT(Attendance.id))
         .join(Lesson, on=(Attendance.lesson == Lesson.id))
         .where(Attendance.student.in_(students) & (Lesson.cancelled == False))  # noqa: E712
         .group_by(Attendance.student, Attendance.status))
    return fetch(_subjects(_dates(q, a, b), subject_ids))


def held_rows(student_ids: list[int], class_id: int | None, a, b, subject_ids=None) -> list[tuple]:
    """``(student, subject, lessons held)``: the class's whole-class lessons plus the lessons of
    the student's own groups, not cancelled, up to today; a subject the student studies on an
    individual plan counts that plan's lessons instead of the class's. Lessons per (group,
    subject) come from GROUP BYs; the students' group memberships from one query."""
    b = min(b, clock.today())
    if not student_ids or a > b:
        return []
    members = list(GroupMember.select(GroupMember.student, GroupMember.group, StudyGroup.kind, StudyGroup.subject)
                   .join(StudyGroup, on=(GroupMember.group == StudyGroup.id))
                   .where(GroupMember.student.in_(student_ids)).tuples())
    own_plan: dict = defaultdict(set)
    for st, _gr, kind, subj in members:
        if kind == "individual" and subj:
            own_plan[st].add(subj)
    groups = sorted({gr for _s, gr, _k, _subj in members})
    conds = []  # two queries, each on its own index (class, subject, date) / (group, date): an OR uses neither
    if class_id is not None:
        conds.append((Lesson.school_class == class_id) & Lesson.group.is_null())
    if groups:
        conds.append(Lesson.group.in_(groups))
    per_group: dict = defaultdict(list)
    for cond in conds:
        q = (Lesson.select(Lesson.group, Lesson.subject, fn.COUNT(Lesson.id))
             .where(cond & (Lesson.cancelled == False))  # noqa: E712
             .group_by(Lesson.group, Lesson.subject))
        for gr, subj, n in _subjects(_dates(q, a, b), subject_ids).tuples():
            per_group[gr].append((subj, n))
    mine: dict = defaultdict(list)
    for st, gr, _k, _subj in members:
        mine[st].append(gr)
    out: dict = defaultdict(int)
    for st in student_ids:
        skip = own_plan.get(st, ())
        for subj, n in per_group.get(None, ()) if class_id is not None else ():
            if subj not in skip:
                out[(st, subj)] += n
        for gr in mine.get(st, []):
            for subj, n in per_group.get(gr, ()):
                out[(st, subj)] += n
    return [(st, subj, n) for (st, subj), n in out.items()]


# --- combining the rows ---------------------------------------------------------------------------

def averages_of(rows) -> tuple[dict, dict]:
    """From :func:`mark_rows`: ``{(student, subject): average}`` and ``{(student, subject): marks}``."""
    avg, count = {}, {}
    for st, subj, n, num, den in rows:
        count[(st, subj)] = n
        if den:
            avg[(st, subj)] = round(float(num) / float(den), 2)
    return avg, count


def student_overall(avg: dict, graded: dict) -> dict[int, float]:
    by_student = defaultdict(list)
    for (st, subj), a in avg.items():
        if graded.get(subj, True):
            by_student[st].append(a)
    return {st: mean(xs) for st, xs in by_student.items()}


def shares(values) -> tuple[float | None, float | None]:
    """(качество, успеваемость) in per cent over students' results (their lowest averages)."""
    values = list(values)
    return (pct(sum(v >= GOOD for v in values), len(values)), pct(sum(v >= PASS for v in values), len(values)))


def summary(avg: dict, graded: dict) -> dict:
    """Per subject and overall: average, качество, успеваемость, students with marks."""
    per_subject = defaultdict(list)
    lowest: dict[int, float] = {}
    for (st, subj), a in avg.items():
        per_subject[subj].append(a)
        if graded.get(subj, True):
            lowest[st] = min(a, lowest.get(st, a))
    subjects = {}
    for subj, xs in per_subject.items():
        q, s = shares(xs) if graded.get(subj, True) else (None, None)
        subjects[subj] = {"average": mean(xs), "quality": q, "success": s, "students": len(xs)}
    overall = student_overall(avg, graded)
    q, s = shares(lowest.values())
    return {"subjects": subjects, "overall": {"average": mean(overall.values()), "quality": q, "success": s,
                                              "students": len(lowest)}}


def attendance_of(rows) -> dict[int, dict]:
    out: dict[int, dict] = defaultdict(lambda: {"ill": 0, "valid": 0, "absent": 0, "late": 0})
    for st, status, n in rows:
        out[st][status] = out[st].get(status, 0) + n
    return out


def attendance_figures(att: dict, lessons: int) -> dict:
    missed = sum(att.get(k, 0) for k in MISSED)
    return {"lessons": lessons, "missed": missed, "ill": att.get("ill", 0), "valid": att.get("valid", 0),
            "absent": att.get("absent", 0), "late": att.get("late", 0), "missed_pct": pct(missed, lessons)}


def subject_names(ids) -> dict[int, str]:
    return {i: n for i, n in Subject.select(Subject.id, Subject.name).where(Subject.id.in_(list(ids) or [0]))
            .order_by(Subject.name).tuples()}


def class_name(cls: SchoolClass) -> str:
    return f"{cls.parallel}{cls.letter}"


def month_expr(column):
    """The month of a date column as 'YYYY-MM' in either database."""
    return fn.to_char(column, "YYYY-MM") if is_postgres() else fn.strftime("%Y-%m", column)
