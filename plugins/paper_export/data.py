"""What goes on paper, read through the public modules of roster and journal only.

:func:`extracts` gathers the extracts of many students with a fixed number of queries
(the marks, absences, remarks and term marks of the whole batch at once), so a class of
thirty costs what one student does plus the rendering.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from zhurnal.core import clock
from zhurnal.core.identity.models import School, User
from zhurnal.plugins.journal import service as journal
from zhurnal.plugins.roster import service as roster
from zhurnal.plugins.roster.models import Period, SchoolClass, Student, Subject

STATUS_LABELS = {"absent": "absent", "ill": "ill", "valid": "valid reason", "late": "late"}


@dataclass
class SubjectRow:
    name: str
    marks: list = field(default_factory=list)  # (date, value, kind name, kind code)
    average: float | None = None
    term_marks: list = field(default_factory=list)  # (period name, value)


@dataclass
class Extract:
    """One student's extract for ``date_from``..``date_to``."""
    student: Student
    school: School
    cls: SchoolClass | None
    class_teacher: str
    date_from: dt.date
    date_to: dt.date
    issued_on: dt.date
    subjects: list[SubjectRow]
    absences: list = field(default_factory=list)   # (date, lesson number, subject, status, reason)
    homework: list = field(default_factory=list)   # (date, subject, text)
    remarks: list = field(default_factory=list)    # (date, subject or "", teacher or "", kind, text)
    with_homework: bool = False

    @property
    def missed(self) -> int:
        return sum(1 for a in self.absences if a[3] != "late")

    @property
    def late(self) -> int:
        return sum(1 for a in self.absences if a[3] == "late")

    def facts(self) -> dict:
        """The extract's data as plain values (what a checksum or a test compares)."""
        return {"student": self.student.id, "from": self.date_from.isoformat(), "to": self.date_to.isoformat(),
                "subjects": [[s.name, [[d.isoformat(), v, k] for d, v, k, _c in s.marks], s.average,
                              s.term_marks] for s in self.subjects],
                "absences": [[d.isoformat(), n, subj, st, r] for d, n, subj, st, r in self.absences],
                "remarks": [[d.isoformat(), subj, t, k, x] for d, subj, t, k, x in self.remarks]}


def teacher_name(cls: SchoolClass | None) -> str:
    if cls is None or not cls.class_teacher_id:
        return ""
    u = User.get_or_none(User.id == cls.class_teacher_id)
    return u.display_name if u else ""


def _periods(school_id: int, date_from: dt.date, date_to: dt.date) -> list[Period]:
    """Periods of the school overlapping the dates (their term marks go on the extract)."""
    from zhurnal.plugins.roster.models import AcademicYear
    return list(Period.select(Period).join(AcademicYear)
                .where((AcademicYear.school == school_id) & (Period.start <= date_to) & (Period.end >= date_from))
                .order_by(Period.start))


def extracts(students: list[Student], date_from: dt.date, date_to: dt.date, *,
             with_homework: bool = False, issued_on: dt.date | None = None) -> list[Extract]:
    """The extracts of these students (all of one school) for the dates, in the given order."""
    if not students:
        return []
    school_id = students[0].school_id
    school = School.get_by_id(school_id)
    sids = [s.id for s in students]
    subjects = {s.id: s.name for s in Subject.select().where(Subject.school == school_id)}
    class_ids = {s.school_class_id for s in students if s.school_class_id}
    classes = {c.id: c for c in SchoolClass.select().where(SchoolClass.id.in_(list(class_ids) or [0]))}
    teachers = {u.id: u.display_name for u in User.select(User.id, User.display_name).where(
        User.id.in_([c.class_teacher_id for c in classes.values() if c.class_teacher_id] or [0]))}
    periods = _periods(school_id, date_from, date_to)
    period_ids = {p.id for p in periods}
    period_names = {p.id: p.name for p in periods}
    year_ids = {p.year_id for p in periods}
    averages = journal.averages_by_subject(sids, (date_from, date_to))

    marks: dict[int, dict[int, list]] = {}
    for m in journal.marks_for(sids, date_from=date_from, date_to=date_to):
        marks.setdefault(m.student_id, {}).setdefault(m.lesson.subject_id, []).append(
            (m.lesson.date, m.value, m.kind.name, m.kind.code))
    from zhurnal.plugins.roster.models import AcademicYear
    year_done = {y.id for y in AcademicYear.select().where(AcademicYear.id.in_(list(year_ids) or [0]))
                 if y.end <= date_to}  # the year mark only on an extract that reaches the year's end
    terms: dict[int, dict[int, list]] = {}
    for t in journal.term_marks_for(sids):
        if t.period_id in period_ids or (t.period_id is None and t.year_id in year_done):
            name = period_names.get(t.period_id, "year")
            terms.setdefault(t.student_id, {}).setdefault(t.subject_id, []).append((name, t.value))
    absences: dict[int, list] = {}
    for a in journal.attendance_for(sids, date_from=date_from, date_to=date_to):
        absences.setdefault(a.student_id, []).append(
            (a.lesson.date, a.lesson.number, subjects.get(a.lesson.subject_id, ""), a.status, a.reason))
    remarks: dict[int, list] = {}
    for r in journal.remarks_for(sids, date_from, date_to):
        remarks.setdefault(r.student_id, []).append(
            (r.date, r.subject.name if r.subject_id and r.subject else "",
             r.teacher.display_name if r.teacher_id and r.teacher else "", r.kind, r.text))
    out = []
    issued_on = issued_on or clock.today()
    for st in students:
        subject_ids = set(marks.get(st.id, {})) | set(terms.get(st.id, {}))
        homework = []
        if with_homework:
            for lesson in journal.student_lessons(st, date_from, date_to, include_cancelled=False):
                if lesson.homework:
                    homework.append((lesson.date, subjects.get(lesson.subject_id, ""), lesson.homework))
                    subject_ids.add(lesson.subject_id)
        rows = [SubjectRow(subjects.get(sid, ""), marks.get(st.id, {}).get(sid, []), averages.get((st.id, sid)),
                           terms.get(st.id, {}).get(sid, [])) for sid in subject_ids]
        rows.sort(key=lambda r: r.name)
        cls = classes.get(st.school_class_id)
        out.append(Extract(st, school, cls, teachers.get(cls.class_teacher_id, "") if cls else "",
                           date_from, date_to, issued_on, rows, absences.get(st.id, []), homework,
                           sorted(remarks.get(st.id, []), key=lambda r: r[0]), with_homework))
    return out


# --- the class journal (archive) ---------------------------------------------------------------------------

@dataclass
class JournalSubject:
    name: str
    teacher: str
    lessons: list           # Lesson rows, by date
    students: list          # Student rows of the subject's lessons
    marks: dict             # (student_id, lesson_id) -> "5 4"
    absences: dict          # (student_id, lesson_id) -> "н"/"б"/"у"/"о"
    term_marks: dict        # student_id -> [(period name, value)]


ABSENCE_SIGNS = {"absent": "н", "ill": "б", "valid": "у", "late": "о"}


def class_journal(cls: SchoolClass, date_from: dt.date, date_to: dt.date) -> list[JournalSubject]:
    """The journal of a class subject by subject: lessons, marks grid, attendance, term marks."""
    lessons = [x for x in journal.lessons_for(class_id=cls.id, date_from=date_from, date_to=date_to)
               if not x.cancelled]
    students = roster.class_students(cls.id)
    sids = [s.id for s in students]
    lids = [x.id for x in lessons]
    marks: dict = {}
    for m in journal.marks_for(sids, lids):
        key = (m.student_id, m.lesson_id)
        marks[key] = (marks.get(key, "") + " " + m.value).strip()
    absences = {(a.student_id, a.lesson_id): ABSENCE_SIGNS.get(a.status, a.status)
                for a in journal.attendance_for(sids, lids)}
    periods = _periods(cls.school_id, date_from, date_to)
    pnames = {p.id: p.name for p in periods}
    terms: dict = {}
    for t in journal.term_marks_for(sids, year=cls.year_id):
        if t.period_id is None or t.period_id in pnames:
            terms.setdefault((t.subject_id, t.student_id), []).append((pnames.get(t.period_id, "year"), t.value))
    by_key: dict = {}
    for x in lessons:
        by_key.setdefault((x.subject.name, x.group_id or 0), []).append(x)
    out = []
    for (name, group_id), ls in sorted(by_key.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        members = roster.group_students(group_id) if group_id else students
        msids = {s.id for s in members}
        teacher = next((x.teacher.display_name for x in ls if x.teacher_id and x.teacher), "")
        subj_id = ls[0].subject_id
        out.append(JournalSubject(
            name if not group_id else f"{name} ({ls[0].group.name if ls[0].group_id else ''})", teacher,
            sorted(ls, key=lambda x: (x.date, x.number)), [s for s in students if s.id in msids] or members,
            {k: v for k, v in marks.items() if k[0] in msids and k[1] in {x.id for x in ls}},
            {k: v for k, v in absences.items() if k[0] in msids and k[1] in {x.id for x in ls}},
            {sid: terms.get((subj_id, sid), []) for sid in msids}))
    return out


def journal_facts(subjects: list[JournalSubject]) -> list:
    """The archive's data as plain values, in a fixed order (its checksum is over these)."""
    out = []
    for s in subjects:
        out.append([s.name, s.teacher,
                    [[x.id, x.date.isoformat(), x.number, x.topic] for x in s.lessons],
                    [[st.id, st.full_name] for st in s.students],
                    sorted([k[0], k[1], v] for k, v in s.marks.items()),
                    sorted([k[0], k[1], v] for k, v in s.absences.items()),
                    sorted([sid, v] for sid, v in s.term_marks.items() if v)])
    return out
