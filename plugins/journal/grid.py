"""The journal grid: students x lessons of a class or a group in one subject and period.

Built with a constant number of queries, whatever the number of students and
lessons (students, lessons, group members, marks, attendance, kinds of work,
scale, periods, term marks): the grid page and its API read it from here.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict, namedtuple
from dataclasses import dataclass, field

import orjson

from zhurnal.core import access, clock
from zhurnal.core.prepared import Prepared, slot
from zhurnal.plugins.roster import service as roster
from zhurnal.plugins.roster.models import GroupMember, Period, SchoolClass, Student, StudyGroup, Subject

from . import grid_sql, service
from .models import Attendance, Lesson, Mark, TermMark, WorkKind
from .scope import JournalOf, lesson_access_key


MarkRow = namedtuple("MarkRow", "id student_id lesson_id value numeric kind_id weight comment version")
MARK_COLUMNS = (Mark.id, Mark.student, Mark.lesson, Mark.value, Mark.numeric, Mark.kind, Mark.weight, Mark.comment,
                Mark.version)
AttendanceRow = namedtuple("AttendanceRow", "student_id lesson_id status reason justified_by version")
ATTENDANCE_COLUMNS = (Attendance.student, Attendance.lesson, Attendance.status, Attendance.reason,
                      Attendance.justified_by, Attendance.version)


@dataclass
class Grid:
    subject: Subject | None
    school_class: SchoolClass | None
    group: StudyGroup | None
    period: Period | None
    date_from: dt.date
    date_to: dt.date
    periods: list[Period]
    students: list[Student]
    lessons: list[Lesson]
    scale: service.Scale
    kinds: list[WorkKind]
    marks: dict = field(default_factory=dict)          # (student, lesson) -> [MarkRow]
    attendance: dict = field(default_factory=dict)     # (student, lesson) -> AttendanceRow
    applies: dict = field(default_factory=dict)        # lesson -> set of student ids (None: everyone)
    editable: dict = field(default_factory=dict)       # lesson -> marks/attendance may be entered
    lesson_editable: dict = field(default_factory=dict)  # lesson -> topic/homework may be changed
    averages: dict = field(default_factory=dict)       # student -> weighted average
    term_marks: dict = field(default_factory=dict)     # student -> TermMark
    can_term_marks: bool = False
    can_history: bool = False
    #: built with ``encoded=True``: the marks and the attendance as the database encoded them
    #: (JSON arrays of :meth:`to_json`'s shape); ``marks`` and ``attendance`` are then empty
    marks_json: bytes | None = None
    attendance_json: bytes | None = None

    @property
    def title(self) -> str:
        who = self.group.name if self.group is not None else self.school_class.name
        return f"{who} · {self.subject.name}" if self.subject is not None else who

    @property
    def any_editable(self) -> bool:
        return any(self.editable.values())

    def proposed(self, student_id: int) -> str | None:
        return self.scale.propose(self.averages.get(student_id))

    def to_json(self) -> dict:
        kind_code = {k.id: k.code for k in self.kinds}
        return {**self._head(),
                "marks": [{"id": mid, "student_id": sid, "lesson_id": lid, "value": value,
                           "kind": kind_code.get(kind), "weight": weight, "comment": comment, "version": version}
                          for ms in self.marks.values()
                          for mid, sid, lid, value, _n, kind, weight, comment, version in ms],
                "attendance": [{"student_id": a.student_id, "lesson_id": a.lesson_id, "status": a.status,
                                "reason": a.reason, "justified_by": a.justified_by, "version": a.version}
                               for a in self.attendance.values()],
                **self._tail()}

    def response(self):
        """The API's answer (what :meth:`to_json` gives, encoded): with ``encoded=True`` the
        database's arrays are spliced in as they are."""
        if self.marks_json is None:
            d = self.to_json()
            return grid_sql.response(self._head(), orjson.dumps(d["marks"]), orjson.dumps(d["attendance"]),
                                     self._tail())
        return grid_sql.response(self._head(), self.marks_json, self.attendance_json, self._tail())

    def _head(self) -> dict:
        today = clock.today()
        return {
            "class": {"id": self.school_class.id, "name": self.school_class.name} if self.school_class else None,
            "group": {"id": self.group.id, "name": self.group.name, "kind": self.group.kind} if self.group else None,
            "subject": {"id": self.subject.id, "name": self.subject.name} if self.subject else None,
            "period": {"id": self.period.id, "name": self.period.name, "closed": self.period.closed_at is not None}
            if self.period else None,
            "from": self.date_from.isoformat(), "to": self.date_to.isoformat(),
            "scale": {"code": self.scale.code, "values": list(self.scale.values)},
            "kinds": [{"code": k.code, "name": k.name, "weight": k.weight} for k in self.kinds],
            "students": [{"id": s.id, "name": s.short_name, "full_name": s.full_name,
                          "average": self.averages.get(s.id), "proposed": self.proposed(s.id)} for s in self.students],
            "lessons": [{"id": x.id, "date": x.date.isoformat(), "number": x.number, "topic": x.topic,
                         "homework": x.homework, "homework_links": json.loads(x.homework_links or "[]"),
                         "is_control": x.is_control, "control_title": x.control_title, "cancelled": x.cancelled,
                         "group_id": x.group_id, "teacher_id": x.teacher_id, "period_id": x.period_id,
                         "future": x.date > today, "version": x.version,
                         "students": None if self.applies.get(x.id) is None else sorted(self.applies[x.id]),
                         "editable": self.editable.get(x.id, False),
                         "lesson_editable": self.lesson_editable.get(x.id, False)} for x in self.lessons],
        }

    def _tail(self) -> dict:
        return {
            "averages": {str(k): v for k, v in self.averages.items()},
            "term_marks": {str(sid): {"value": t.value, "version": t.version, "average": t.average}
                           for sid, t in self.term_marks.items()},
        }


# The grid's statements, SQL built once per process (core.prepared): a journal page is
# opened all day long. Each exists for the two kinds of grid: a class's (its own lessons
# and its members' stream lessons) and a study group's.

def _lesson_cond(of_group: bool):
    cond = (Lesson.group == slot("target")) if of_group else roster.given_to_class(Lesson, slot("target"))
    return cond & (Lesson.subject == slot("subject")) & (Lesson.date >= slot("date_from")) & \
        (Lesson.date <= slot("date_to"))


def _members_of(of_group: bool):
    return (GroupMember.select(GroupMember.student).where(GroupMember.group == slot("target")) if of_group
            else Student.select(Student.id).where(Student.school_class == slot("target")))


LESSONS = {og: Prepared(lambda og=og: Lesson.select(*Lesson._meta.sorted_fields).where(_lesson_cond(og))
                        .order_by(Lesson.date, Lesson.number, Lesson.id), model=Lesson) for og in (False, True)}
MARKS = {og: Prepared(lambda og=og: Mark.select(*MARK_COLUMNS).join(Lesson).where(_lesson_cond(og))
                      .order_by(Mark.created_at, Mark.id)) for og in (False, True)}
ATTENDANCE = {og: Prepared(lambda og=og: Attendance.select(*ATTENDANCE_COLUMNS).join(Lesson).where(_lesson_cond(og)))
              for og in (False, True)}
TERM_MARKS = {og: Prepared(lambda og=og: TermMark.select(*TermMark._meta.sorted_fields).where(
    TermMark.student.in_(_members_of(og)) & (TermMark.subject == slot("subject")) &
    (TermMark.period == slot("period"))), model=TermMark) for og in (False, True)}
PERIODS = Prepared(lambda: Period.select(*Period._meta.sorted_fields).where(Period.year == slot("year"))
                   .order_by(Period.number), model=Period)
# who the lessons of a class's grid are for: members of the groups its lessons are given to,
# and the class's students on an individual plan in the subject (they have lessons of their own)
# (two IN lists rather than one OR over the join: each is an index look-up)
GROUP_MEMBERS = Prepared(lambda: GroupMember.select(GroupMember.group, GroupMember.student, StudyGroup.kind)
                         .join(StudyGroup).where(
                             GroupMember.group.in_(Lesson.select(Lesson.group).where(
                                 _lesson_cond(False) & Lesson.group.is_null(False))) |
                             GroupMember.group.in_(StudyGroup.select(StudyGroup.id).where(
                                 (StudyGroup.kind == "individual") & (StudyGroup.subject == slot("subject")) &
                                 (StudyGroup.school_class == slot("target"))))))


def build(user, *, subject: Subject, school_class: SchoolClass | None = None, group: StudyGroup | None = None,
          period: Period | None = None, date_from: dt.date | None = None, date_to: dt.date | None = None,
          encoded: bool = False) -> Grid:
    """Load the grid for ``user``: which cells they may edit is decided here too.

    A constant number of statements whatever the size of the class and the period.
    ``encoded``: the marks and the attendance come as the database's JSON
    (:mod:`.grid_sql`, for :meth:`Grid.response` and the page), not as rows.
    """
    anchor = group if group is not None else school_class
    school_id = anchor.school_id
    periods = PERIODS.objects(year=anchor.year_id)
    if period is None and date_from is None and date_to is None:
        today = clock.today()
        period = next((p for p in periods if p.start <= today <= p.end), None) or \
            next((p for p in reversed(periods) if p.start <= today), periods[0] if periods else None)
    if period is not None:
        date_from = date_from or period.start
        date_to = date_to or period.end
    date_from = date_from or dt.date.min
    date_to = date_to or dt.date.max

    of_group = group is not None
    span = {"target": anchor.id, "subject": subject.id, "date_from": date_from, "date_to": date_to}
    if of_group:
        students = roster.group_students(group.id)
        if group.kind == "stream":
            students = _stream_students_visible(user, group, subject, students)
    else:
        students = roster.class_students(school_class.id)
    lessons = LESSONS[of_group].objects(**span)
    student_ids = {s.id for s in students}

    # who each lesson is for
    applies: dict[int, set | None] = {}
    if not of_group and lessons:
        members: dict[int, set] = defaultdict(set)
        individual: set = set()
        for gid, sid, kind in GROUP_MEMBERS.rows(**span):
            members[gid].add(sid)
            if kind == "individual":
                individual.add(sid)
        for x in lessons:
            if x.group_id:
                applies[x.id] = members.get(x.group_id, set())
            elif individual:
                applies[x.id] = student_ids - individual

    marks: dict = defaultdict(list)
    attendance: dict = {}
    marks_json = attendance_json = None
    if encoded:
        marks_json, attendance_json, sums = grid_sql.encoded([x.id for x in lessons], [s.id for s in students])
        averages = {s.id: (round(sums[s.id][0] / sums[s.id][1], 2) if s.id in sums and sums[s.id][1] else None)
                    for s in students}
    elif lessons and students:
        # plain rows, not model objects: a quarter's grid holds a thousand marks and more
        # (the columns are plain numbers and strings: the driver's rows need no conversion)
        make = MarkRow._make
        for row in MARKS[of_group].rows(**span):
            if row[1] in student_ids:
                marks[(row[1], row[2])].append(make(row))
        make = AttendanceRow._make
        for row in ATTENDANCE[of_group].rows(**span):
            if row[0] in student_ids:
                attendance[(row[0], row[1])] = make(row)
    kinds = service.work_kinds(school_id)
    scale = service.scale_for(subject.id, school_id)

    if not encoded:   # weighted averages over the marks shown
        sums: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
        for (sid, _lid), ms in marks.items():
            acc = sums[sid]
            for m in ms:
                if m.numeric is not None:
                    acc[0] += m.numeric * m.weight
                    acc[1] += m.weight
        averages = {s.id: (round(sums[s.id][0] / sums[s.id][1], 2) if sums[s.id][1] else None) for s in students}

    term_marks = {}
    if period is not None and students:
        term_marks = {t.student_id: t for t in TERM_MARKS[of_group].objects(
            target=anchor.id, subject=subject.id, period=period.id) if t.student_id in student_ids}

    # what this user may change: asked once per kind of lesson, not per lesson (a lesson's
    # scope and the teacher's check read only what lesson_access_key names)
    closed = {p.id for p in periods if p.closed_at is not None}
    today = clock.today()
    asked: dict = {}

    def may(perm: str, lesson: Lesson) -> bool:
        key = (perm, lesson_access_key(lesson))
        if key not in asked:
            asked[key] = access.can(user, perm, lesson)
        return asked[key]

    editable, lesson_editable = {}, {}
    for x in lessons:
        open_ = x.period_id not in closed or may("journal.closed_period.edit", x)
        lesson_editable[x.id] = open_ and may("journal.lesson.write", x)
        editable[x.id] = open_ and not x.cancelled and x.date <= today and may("journal.mark.write", x)
    target = JournalOf.of_group(group, subject.id) if of_group else JournalOf.of_class(school_class, subject.id)
    can_term = access.can(user, "journal.term_mark.write", target) and (
        period is None or period.id not in closed or access.can(user, "journal.closed_period.edit", target))
    return Grid(subject=subject, school_class=school_class, group=group, period=period, date_from=date_from,
                date_to=date_to, periods=periods, students=students, lessons=lessons, scale=scale, kinds=kinds,
                marks=dict(marks), attendance=attendance, applies=applies, editable=editable,
                lesson_editable=lesson_editable, averages=averages, term_marks=term_marks, can_term_marks=can_term,
                can_history=access.can(user, "journal.history.read", target), marks_json=marks_json,
                attendance_json=attendance_json)


def _stream_students_visible(user, group: StudyGroup, subject: Subject | None, students: list) -> list:
    """A stream gathers several classes: a class teacher reads only her own class's members
    of it; the stream's teacher and the administration read them all. One ``can`` per class
    of the stream (no queries: the scopes and roles are cached per request)."""
    subject_id = getattr(subject, "id", None)
    classes = {s.school_class_id for s in students}
    visible = {c for c in classes if c is not None and access.can(
        user, "journal.read", JournalOf(group.school_id, class_id=c, group_id=group.id, subject_id=subject_id,
                                        class_ids=frozenset([c])))}
    return [s for s in students if s.school_class_id in visible]


