"""The roster's public service API: the only place that writes roster tables.

Plugins depending on ``roster`` read the school's structure through the
functions here (and the models); every write is audited and, after commit,
announced with a signal from :mod:`core.signals`.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Iterable

import peewee as pw

from core import access, audit, clock
from core.db import database, utcnow
from core.prepared import Prepared, slot
from core.i18n import N_
from core.identity.models import RoleAssignment, School, User
from core.identity import service as identity

from . import signals
from .models import (AcademicYear, GroupMember, Guardian, Holiday, Period, SchoolClass, Student,
                     StudentGuardian, StudyGroup, Subject, TeachingAssignment)


class StaleEdit(Exception):
    """The record changed since the editor loaded it; ``current`` is the fresh row."""

    def __init__(self, current) -> None:
        super().__init__("stale edit")
        self.current = current


# --- the school year ----------------------------------------------------------------------

def current_year(school, day: dt.date | None = None) -> AcademicYear | None:
    """The school year containing ``day`` (default today), else the latest one that started."""
    day = day or clock.today()
    sid = getattr(school, "id", school)
    y = (AcademicYear.select().where((AcademicYear.school == sid) & (AcademicYear.start <= day) &
                                     (AcademicYear.end >= day)).first())
    return y or AcademicYear.select().where(AcademicYear.school == sid).order_by(AcademicYear.start.desc()).first()


def periods(year) -> list[Period]:
    return list(Period.select().where(Period.year == year).order_by(Period.number))


def period_for(school, day: dt.date) -> Period | None:
    sid = getattr(school, "id", school)
    return (Period.select().join(AcademicYear)
            .where((AcademicYear.school == sid) & (Period.start <= day) & (Period.end >= day)).first())


def set_period_closed(period: Period, closed: bool, *, by=None) -> None:
    """Record that a reporting period is closed for editing (or open again).

    The roster owns the column; what "closed" means (and its audit entry) belongs to the
    caller, e.g. the journal, which calls this inside its own transaction.
    """
    Period.update(closed_at=utcnow() if closed else None,
                  closed_by=getattr(by, "id", by) if closed else None).where(Period.id == period.id).execute()


def holidays(year) -> list[Holiday]:
    return list(Holiday.select().where(Holiday.year == year).order_by(Holiday.start))


def holiday_dates(year) -> set[dt.date]:
    out = set()
    for h in holidays(year):
        d = h.start
        while d <= h.end:
            out.add(d)
            d += dt.timedelta(days=1)
    return out


# --- classes, groups, students ----------------------------------------------------------------

def classes(school, year=None) -> list[SchoolClass]:
    sid = getattr(school, "id", school)
    year = year or current_year(sid)
    if year is None:
        return []
    return list(SchoolClass.select().where((SchoolClass.school == sid) & (SchoolClass.year == year))
                .order_by(SchoolClass.parallel, SchoolClass.letter))


# class lists are read on every journal page: SQL built once (core.prepared)
_CLASS_STUDENTS = Prepared(lambda: Student.select(*Student._meta.sorted_fields).where(
    (Student.school_class == slot("cls")) & Student.left_at.is_null())
    .order_by(Student.last_name, Student.first_name, Student.middle_name, Student.id), model=Student)
_GROUP_STUDENTS = Prepared(lambda: Student.select(*Student._meta.sorted_fields).join(GroupMember).where(
    (GroupMember.group == slot("grp")) & Student.left_at.is_null())
    .order_by(Student.last_name, Student.first_name, Student.middle_name, Student.id), model=Student)


def class_students(class_id: int) -> list[Student]:
    """Current students of a class, in the order of the class list."""
    return _CLASS_STUDENTS.objects(cls=class_id)


def group_students(group_id: int) -> list[Student]:
    """Current members of a study group, in the order of the class list."""
    return _GROUP_STUDENTS.objects(grp=group_id)


def group_class_ids(group: StudyGroup) -> set[int]:
    """The classes of a group: its class, or (a stream) the classes of its members."""
    if group.school_class_id:
        return {group.school_class_id}
    return member_class_ids(group.id)


def member_class_ids(group_id: int) -> set[int]:
    """The classes the members of a group are in."""
    return {r[0] for r in Student.select(Student.school_class).join(GroupMember)
            .where(GroupMember.group == group_id).distinct().tuples() if r[0]}


def children_of(user) -> list[Student]:
    """Students whose guardian record is linked to ``user``'s account."""
    uid = getattr(user, "id", user)
    return list(Student.select().join(StudentGuardian).join(Guardian)
                .where((Guardian.user == uid) & Student.left_at.is_null())
                .order_by(Student.last_name, Student.first_name))


def guardians_of(student) -> list[tuple[Guardian, str]]:
    sid = getattr(student, "id", student)
    return [(link.guardian, link.relation) for link in
            StudentGuardian.select(StudentGuardian, Guardian).join(Guardian).where(StudentGuardian.student == sid)]


def guardian_user_ids(student_ids: Iterable[int]) -> dict[int, list[int]]:
    """student id -> account ids of their guardians (who have accounts)."""
    out: dict[int, list[int]] = {}
    ids = list(student_ids)
    if not ids:
        return out
    q = (StudentGuardian.select(StudentGuardian.student, Guardian.user).join(Guardian)
         .where(StudentGuardian.student.in_(ids) & Guardian.user.is_null(False)).tuples())
    for sid, uid in q:
        out.setdefault(sid, []).append(uid)
    return out


def classes_led_by(user) -> list[SchoolClass]:
    uid = getattr(user, "id", user)
    return list(SchoolClass.select().where(SchoolClass.class_teacher == uid).order_by(SchoolClass.parallel, SchoolClass.letter))


def teaching_of(user, year=None) -> list[TeachingAssignment]:
    uid = getattr(user, "id", user)
    q = (TeachingAssignment.select(TeachingAssignment, Subject).join(Subject)
         .where(TeachingAssignment.teacher == uid))
    if year is not None:
        q = q.where(TeachingAssignment.year == year)
    return list(q)


def teaches(user, subject_id: int | None = None, class_id: int | None = None, group_id: int | None = None) -> bool:
    """Does ``user`` teach (this subject) to this class or group?"""
    uid = getattr(user, "id", user)
    q = TeachingAssignment.select(TeachingAssignment.id).where(TeachingAssignment.teacher == uid)
    if subject_id is not None:
        q = q.where(TeachingAssignment.subject == subject_id)
    if group_id is not None:
        q = q.where(TeachingAssignment.group == group_id)
    elif class_id is not None:
        q = q.where(TeachingAssignment.school_class == class_id)
    return q.exists()


def teachers_of_student(student: Student) -> set[int]:
    """Account ids of everyone teaching the student (their class or one of their groups)."""
    group_ids = [g for (g,) in GroupMember.select(GroupMember.group).where(GroupMember.student == student.id).tuples()]
    cond = TeachingAssignment.school_class == student.school_class_id
    if group_ids:
        cond = cond | TeachingAssignment.group.in_(group_ids)
    return {t for (t,) in TeachingAssignment.select(TeachingAssignment.teacher).where(cond).tuples()}


# --- lookups -------------------------------------------------------------------------------------

#: Latin letters that look like Cyrillic ones ("5A" pasted from elsewhere means 5А; a small "b" looks like "б")
_LOOKALIKE = str.maketrans("ABEKMHOPCTXYaekmhopctxyb", "АВЕКМНОРСТХУаекмнорстхуб")
_CLASS_NAME = re.compile(r"(\d{1,2})\s*[-–—]?\s*[«\"'“„]?\s*([^\W\d_]{1,4})\s*[»\"'”“]?"
                         r"(?:\s*(?:класс|кл\.?))?", re.IGNORECASE)


def parse_class_name(text) -> tuple[int, str] | None:
    """``"5А"``, ``"5 а"``, ``"5-A"``, ``7 «А»``, ``"11Б класс"`` -> ``(parallel, letter)``; ``None`` if not
    a class name."""
    m = _CLASS_NAME.fullmatch(str(text or "").strip())
    if not m or not 1 <= int(m.group(1)) <= 11:
        return None
    return int(m.group(1)), m.group(2).translate(_LOOKALIKE).upper()


def class_by_name(school, name: str, year=None) -> SchoolClass | None:
    """The class called ``name`` (e.g. "5А") in ``year`` (default: the current school year)."""
    parsed = parse_class_name(name)
    year = year or current_year(school)
    if parsed is None or year is None:
        return None
    return SchoolClass.get_or_none((SchoolClass.school == getattr(school, "id", school)) &
                                   (SchoolClass.year == year) & (SchoolClass.parallel == parsed[0]) &
                                   (SchoolClass.letter == parsed[1]))


def school_teachers(school) -> list[User]:
    """Active accounts holding a teacher or class teacher role in the school, by name."""
    sid = getattr(school, "id", school)
    holders = (RoleAssignment.select(RoleAssignment.user)
               .where((RoleAssignment.school == sid) & RoleAssignment.role.in_(("teacher", "class_teacher"))))
    return list(User.select().where(User.id.in_(holders) & User.is_active).order_by(User.display_name))


def student_counts(class_ids: Iterable[int]) -> dict[int, int]:
    """class id -> number of current students (one query)."""
    ids = list(class_ids)
    if not ids:
        return {}
    q = (Student.select(Student.school_class, pw.fn.COUNT(Student.id))
         .where(Student.school_class.in_(ids) & Student.left_at.is_null())
         .group_by(Student.school_class).tuples())
    return dict(q)


def invalid_group_members(kind: str, school_id: int, school_class: SchoolClass | None, parallel: int | None,
                          student_ids: Iterable[int]) -> list[int]:
    """Ids among ``student_ids`` that cannot be in such a group.

    A split or individual group takes students of its class; a stream takes
    students of its parallel; everyone must be a current student of the school.
    """
    ids = set(student_ids)
    if not ids:
        return []
    rows = (Student.select(Student.id, Student.school_class, SchoolClass.parallel)
            .join(SchoolClass, pw.JOIN.LEFT_OUTER, on=(Student.school_class == SchoolClass.id))
            .where(Student.id.in_(list(ids)) & (Student.school == school_id) & Student.left_at.is_null()).tuples())
    fine = set()
    for sid, cid, par in rows:
        if kind == "stream":
            if par is not None and par == parallel:
                fine.add(sid)
        elif school_class is not None and cid == school_class.id:
            fine.add(sid)
    return sorted(ids - fine)


def student_card(student: Student) -> dict:
    """Everything on a student's card: personal data, class, guardians, groups, login (4 queries).

    Reading it is personal data: callers audit with :func:`record_read`.
    """
    cls = student.school_class if student.school_class_id else None
    links = (StudentGuardian.select(StudentGuardian, Guardian).join(Guardian)
             .where(StudentGuardian.student == student.id))
    order = {r: i for i, r in enumerate(("mother", "father", "guardian", "other"))}
    guardians = sorted(({"id": l.guardian.id, "full_name": l.guardian.full_name, "relation": l.relation,
                         "phone": l.guardian.phone, "email": l.guardian.email,
                         "has_account": l.guardian.user_id is not None, "version": l.guardian.version}
                        for l in links), key=lambda d: (order.get(d["relation"], 9), d["full_name"]))
    groups = [{"id": grp.id, "name": grp.name, "kind": grp.kind, "subject": grp.subject.name if grp.subject_id else None}
              for grp in StudyGroup.select(StudyGroup, Subject).join(GroupMember).switch(StudyGroup)
              .join(Subject, pw.JOIN.LEFT_OUTER).where(GroupMember.student == student.id).order_by(StudyGroup.name)]
    login = User.select(User.login).where(User.id == student.user_id).scalar() if student.user_id else None
    return {
        "id": student.id, "school_id": student.school_id, "last_name": student.last_name,
        "first_name": student.first_name, "middle_name": student.middle_name, "full_name": student.full_name,
        "class_id": student.school_class_id, "class_name": cls.name if cls else None,
        "birth_date": student.birth_date, "gender": student.gender, "address": student.address,
        "phone": student.phone, "email": student.email, "snils": student.snils,
        "individual_plan": student.individual_plan,
        "left_at": student.left_at, "version": student.version, "has_account": student.user_id is not None,
        "login": login, "guardians": guardians, "groups": groups,
    }


def children_of_guardians(guardian_ids: Iterable[int]) -> dict[int, list[dict]]:
    """guardian id -> their children (id, name, class, relation), in one query."""
    ids = list(guardian_ids)
    out: dict[int, list[dict]] = {i: [] for i in ids}
    if not ids:
        return out
    q = (StudentGuardian.select(StudentGuardian.guardian, StudentGuardian.relation, Student.id, Student.last_name,
                                Student.first_name, Student.middle_name, SchoolClass.parallel, SchoolClass.letter)
         .join(Student).join(SchoolClass, pw.JOIN.LEFT_OUTER, on=(Student.school_class == SchoolClass.id))
         .where(StudentGuardian.guardian.in_(ids) & Student.left_at.is_null())
         .order_by(Student.last_name, Student.first_name).tuples())
    for gid, rel, sid, last, first, middle, par, letter in q:
        out[gid].append({"id": sid, "full_name": " ".join(x for x in (last, first, middle) if x),
                         "class_name": f"{par}{letter}" if par else None, "relation": rel})
    return out


def personal_data(user_id: int | None, person: dict) -> dict | None:
    """What the roster holds about a person (a 152-FZ subject access request): their student
    and guardian records, with guardians, groups and children. JSON-serialisable."""
    def plain(d: dict) -> dict:
        return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in d.items()}

    students, guardians = set(), set()
    if person.get("kind") == "student" and person.get("id"):
        students.add(person["id"])
    if person.get("kind") == "guardian" and person.get("id"):
        guardians.add(person["id"])
    if user_id is not None:
        students |= {i for (i,) in Student.select(Student.id).where(Student.user == user_id).tuples()}
        guardians |= {i for (i,) in Guardian.select(Guardian.id).where(Guardian.user == user_id).tuples()}
    out: dict = {}
    for st in Student.select().where(Student.id.in_(sorted(students) or [0])):
        out.setdefault("students", []).append(plain(student_card(st)))
    kids = children_of_guardians(sorted(guardians))
    for gd in Guardian.select().where(Guardian.id.in_(sorted(guardians) or [0])):
        out.setdefault("guardians", []).append({
            "id": gd.id, "last_name": gd.last_name, "first_name": gd.first_name, "middle_name": gd.middle_name,
            "phone": gd.phone, "email": gd.email, "children": kids.get(gd.id, [])})
    return out or None


# --- writes ---------------------------------------------------------------------------------------

STUDENT_FIELDS = ("last_name", "first_name", "middle_name", "birth_date", "gender", "address", "phone",
                  "email", "snils", "individual_plan")
#: what an edit may change besides the class (leaving the school is an edit too)
STUDENT_UPDATE_FIELDS = STUDENT_FIELDS + ("left_at",)
GUARDIAN_FIELDS = ("last_name", "first_name", "middle_name", "phone", "email")
SCHOOL_FIELDS = ("name", "short_name")
CLASS_FIELDS = ("letter", "room")


def _diff(obj, changes: dict, fields: Iterable[str]) -> dict:
    out = {}
    for f in fields:
        if f in changes and getattr(obj, f) != changes[f]:
            out[f] = [getattr(obj, f), changes[f]]
    return out


def create_school(name: str, short_name: str, *, by=None) -> School:
    with database.atomic():
        school = School.create(name=name, short_name=short_name)
        audit.record("roster.school.create", school, user=by, school_id=school.id,
                     data={"name": name, "short_name": short_name})
    return school


def update_school(school: School, changes: dict, *, by=None) -> School:
    """Rename a school (the kernel's table has no version: the last edit wins, and is audited)."""
    diff = _diff(school, changes, SCHOOL_FIELDS)
    if not diff:
        return school
    with database.atomic():
        School.update(**{k: changes[k] for k in diff}).where(School.id == school.id).execute()
        audit.record("roster.school.update", school, user=by, school_id=school.id, data=diff)
    return School.get_by_id(school.id)


def create_year(school, name: str, start: dt.date, end: dt.date, period_kind: str,
                period_dates: list[tuple[dt.date, dt.date]], *, by=None) -> AcademicYear:
    labels = {"quarters": "{} четверть", "trimesters": "{} триместр", "halves": "{} полугодие"}
    with database.atomic():
        year = AcademicYear.create(school=school, name=name, start=start, end=end, period_kind=period_kind)
        for i, (a, b) in enumerate(period_dates, 1):
            Period.create(year=year, number=i, name=labels[period_kind].format(i), start=a, end=b)
        audit.record("roster.year.create", year, user=by, school_id=getattr(school, "id", school),
                     data={"name": name, "periods": len(period_dates)})
    return year


#: how many reporting periods a year of each kind has
PERIOD_COUNTS = {"quarters": 4, "trimesters": 3, "halves": 2}


def calendar_problems(start: dt.date, end: dt.date, period_kind: str,
                      period_dates: list[tuple[dt.date, dt.date]]) -> dict[str, str]:
    """What is wrong with a school year's dates: field -> English msgid (empty: nothing).

    The periods must be as many as the kind says, in order, inside the year and not overlapping.
    """
    if end <= start:
        return {"end": N_("The end must be after the start.")}
    if (end - start).days > 366:
        return {"end": N_("A school year lasts at most a year.")}
    want = PERIOD_COUNTS.get(period_kind)
    if want is not None and len(period_dates) != want:
        return {"periods": N_("Give the dates of every reporting period of this kind.")}
    prev_end = None
    for i, (a, b) in enumerate(period_dates):
        if b < a:
            return {f"periods.{i}": N_("The end must not be before the start.")}
        if a < start or b > end:
            return {f"periods.{i}": N_("Reporting periods must lie within the school year.")}
        if prev_end is not None and a <= prev_end:
            return {f"periods.{i}": N_("Reporting periods must follow one another without overlapping.")}
        prev_end = b
    return {}


def holiday_problems(year: AcademicYear, start: dt.date, end: dt.date) -> dict[str, str]:
    """What is wrong with a holiday's dates in ``year``: field -> English msgid."""
    if end < start:
        return {"end": N_("The end must not be before the start.")}
    if start < year.start or end > year.end:
        return {"start": N_("Holidays must lie within the school year.")}
    return {}


def add_holiday(year: AcademicYear, name: str, start: dt.date, end: dt.date, *, by=None) -> Holiday:
    with database.atomic():
        h = Holiday.create(year=year, name=name, start=start, end=end)
        audit.record("roster.holiday.create", h, user=by, school_id=year.school_id,
                     data={"year": year.name, "name": name, "start": start, "end": end})
    return h


def remove_holiday(holiday: Holiday, *, by=None) -> None:
    school_id = AcademicYear.get_by_id(holiday.year_id).school_id
    with database.atomic():
        Holiday.delete().where(Holiday.id == holiday.id).execute()
        audit.record("roster.holiday.remove", holiday, user=by, school_id=school_id,
                     data={"name": holiday.name, "start": holiday.start, "end": holiday.end})


def create_class(school, year, parallel: int, letter: str, *, class_teacher: User | None = None, by=None) -> SchoolClass:
    with database.atomic():
        cls = SchoolClass.create(school=school, year=year, parallel=parallel, letter=letter.upper())
        audit.record("roster.class.create", cls, user=by, school_id=cls.school_id, data={"name": cls.name})
        if class_teacher is not None:
            _set_class_teacher(cls, class_teacher, by=by)
    return cls


def _set_class_teacher(cls: SchoolClass, teacher: User | None, *, by=None) -> None:
    old = cls.class_teacher_id
    new = getattr(teacher, "id", teacher)
    if old == new:
        return
    if old:
        access.revoke(old, "class_teacher", scope_type="class", scope_id=cls.id)
    SchoolClass.update(class_teacher=new).where(SchoolClass.id == cls.id).execute()
    cls.class_teacher = teacher
    if new is not None:
        access.grant(new, "class_teacher", school=cls.school_id, scope_type="class", scope_id=cls.id)
    audit.record("roster.class.teacher", cls, user=by, school_id=cls.school_id, data={"class_teacher": [old, new]})


def set_class_teacher(cls: SchoolClass, teacher: User | None, *, by=None) -> None:
    """Make ``teacher`` the class teacher of ``cls`` (their role is scoped to this class)."""
    with database.atomic():
        if getattr(teacher, "id", teacher) != cls.class_teacher_id:
            SchoolClass.update(version=SchoolClass.version + 1).where(SchoolClass.id == cls.id).execute()
        _set_class_teacher(cls, teacher, by=by)


def update_class(cls: SchoolClass, changes: dict, *, version: int | None = None, by=None) -> SchoolClass:
    """Change a class's letter, room or class teacher (``changes["class_teacher"]``: a User or None).

    :raises StaleEdit: ``version`` is not the class's current version
    """
    if version is not None and cls.version != version:
        raise StaleEdit(SchoolClass.get_by_id(cls.id))
    diff = _diff(cls, changes, CLASS_FIELDS)
    teacher_changes = ("class_teacher" in changes and
                       getattr(changes["class_teacher"], "id", changes["class_teacher"]) != cls.class_teacher_id)
    if not diff and not teacher_changes:
        return cls
    with database.atomic():
        q = SchoolClass.update(**{k: changes[k] for k in diff}, version=SchoolClass.version + 1).where(
            SchoolClass.id == cls.id)
        if version is not None:
            q = q.where(SchoolClass.version == version)
        if q.execute() == 0:
            raise StaleEdit(SchoolClass.get_by_id(cls.id))
        if diff:
            audit.record("roster.class.update", cls, user=by, school_id=cls.school_id, data=diff)
        if teacher_changes:
            _set_class_teacher(cls, changes["class_teacher"], by=by)
    return SchoolClass.get_by_id(cls.id)


def add_subject(school, name: str, short_name: str = "", *, by=None) -> Subject:
    with database.atomic():
        s = Subject.create(school=school, name=name, short_name=short_name)
        audit.record("roster.subject.create", s, user=by, school_id=s.school_id, data={"name": name})
    return s


def assign_teaching(teacher: User, subject: Subject, *, school_class: SchoolClass | None = None,
                    group: StudyGroup | None = None, year=None, by=None) -> TeachingAssignment:
    if (school_class is None) == (group is None):
        raise ValueError("give either a class or a group")
    year = year or (school_class or group).year
    with database.atomic():
        ta, created = TeachingAssignment.get_or_create(
            teacher=teacher, subject=subject, school_class=school_class, group=group,
            defaults={"school": subject.school_id, "year": year})
        access.grant(teacher, "teacher", school=subject.school_id)
        if created:
            audit.record("roster.teaching.assign", ta, user=by, school_id=subject.school_id,
                         data={"teacher": teacher.id, "subject": subject.id,
                               "class": getattr(school_class, "id", None), "group": getattr(group, "id", None)})
    return ta


def remove_teaching(ta: TeachingAssignment, *, by=None) -> None:
    """End a teaching assignment. The teacher keeps their staff role (they may teach elsewhere)."""
    with database.atomic():
        data = {"teacher": ta.teacher_id, "subject": ta.subject_id, "class": ta.school_class_id, "group": ta.group_id}
        TeachingAssignment.delete().where(TeachingAssignment.id == ta.id).execute()
        audit.record("roster.teaching.remove", ta, user=by, school_id=ta.school_id, data=data)


def create_student(school, school_class: SchoolClass | None, data: dict, *, by=None) -> Student:
    with database.atomic():
        st = Student.create(school=school, school_class=school_class,
                            **{k: v for k, v in data.items() if k in STUDENT_FIELDS})
        audit.record("roster.student.create", st, user=by, school_id=st.school_id,
                     data={"class": getattr(school_class, "id", None), "name": st.full_name})
    signals.send(signals.student_changed, student_id=st.id, class_id=st.school_class_id, action="created",
                 by=by, school_id=st.school_id)
    return st


def _leave_split_groups(student_id: int, old_class_id: int | None) -> list[int]:
    """A student moving out of a class leaves that class's split groups; returns their ids."""
    if not old_class_id:
        return []
    ids = [g for (g,) in GroupMember.select(GroupMember.group).join(StudyGroup)
           .where((GroupMember.student == student_id) & (StudyGroup.school_class == old_class_id) &
                  (StudyGroup.kind == "split")).tuples()]
    if ids:
        GroupMember.delete().where((GroupMember.student == student_id) & GroupMember.group.in_(ids)).execute()
    return ids


def update_student(student: Student, changes: dict, *, version: int | None = None, by=None) -> Student:
    """Change a student's data, move them (``changes["school_class"]``) or record that they left
    (``changes["left_at"]``); refuses a stale ``version`` with :class:`StaleEdit`."""
    if version is not None and student.version != version:
        raise StaleEdit(Student.get_by_id(student.id))
    diff = _diff(student, changes, STUDENT_UPDATE_FIELDS)
    new_class = changes.get("school_class", student.school_class_id)
    new_class_id = getattr(new_class, "id", new_class)
    moved = new_class_id != student.school_class_id
    if moved:
        diff["class"] = [student.school_class_id, new_class_id]
    if not diff:
        return student
    with database.atomic():
        upd = {k: changes[k] for k in STUDENT_UPDATE_FIELDS if k in diff}
        if moved:
            upd["school_class"] = new_class_id
        q = Student.update(**upd, version=Student.version + 1).where(Student.id == student.id)
        if version is not None:
            q = q.where(Student.version == version)
        if q.execute() == 0:
            raise StaleEdit(Student.get_by_id(student.id))
        if moved:
            left_groups = _leave_split_groups(student.id, student.school_class_id)
            if left_groups:
                diff["left_groups"] = left_groups
        audit.record("roster.student.update", student, user=by, school_id=student.school_id, data=diff)
    fresh = Student.get_by_id(student.id)
    action = "moved" if moved else "left" if fresh.left_at and "left_at" in diff else "updated"
    signals.send(signals.student_changed, student_id=fresh.id, class_id=fresh.school_class_id,
                 action=action, by=by, school_id=fresh.school_id)
    return fresh


def student_left(student: Student, day: dt.date, *, by=None) -> None:
    with database.atomic():
        Student.update(left_at=day, version=Student.version + 1).where(Student.id == student.id).execute()
        audit.record("roster.student.left", student, user=by, school_id=student.school_id,
                     data={"class": student.school_class_id, "date": day.isoformat()})
    signals.send(signals.student_changed, student_id=student.id, class_id=student.school_class_id,
                 action="left", by=by, school_id=student.school_id)


def create_guardian(school, data: dict, *, student: Student | None = None, relation: str = "guardian",
                    by=None) -> Guardian:
    """Add a guardian, linked to ``student`` in the same transaction when given."""
    with database.atomic():
        g = Guardian.create(school=school, **{k: v for k, v in data.items() if k in GUARDIAN_FIELDS})
        audit.record("roster.guardian.create", g, user=by, school_id=g.school_id, data={"name": g.full_name})
        if student is not None:
            link_guardian(student, g, relation, by=by)
    return g


def update_guardian(guardian: Guardian, changes: dict, *, version: int | None = None, by=None) -> Guardian:
    if version is not None and guardian.version != version:
        raise StaleEdit(Guardian.get_by_id(guardian.id))
    diff = _diff(guardian, changes, GUARDIAN_FIELDS)
    if not diff:
        return guardian
    with database.atomic():
        q = Guardian.update(**{k: changes[k] for k in diff},
                            version=Guardian.version + 1).where(Guardian.id == guardian.id)
        if version is not None:
            q = q.where(Guardian.version == version)
        if q.execute() == 0:
            raise StaleEdit(Guardian.get_by_id(guardian.id))
        audit.record("roster.guardian.update", guardian, user=by, school_id=guardian.school_id, data=diff)
    return Guardian.get_by_id(guardian.id)


def link_guardian(student: Student, guardian: Guardian, relation: str = "guardian", *, by=None) -> bool:
    """Link (or change the relation of) a guardian and a student; False when nothing changed."""
    with database.atomic():
        link = StudentGuardian.get_or_none((StudentGuardian.student == student.id) &
                                           (StudentGuardian.guardian == guardian.id))
        if link is not None and link.relation == relation:
            return False
        if link is None:
            StudentGuardian.insert(student=student.id, guardian=guardian.id, relation=relation).on_conflict_ignore().execute()
        else:
            StudentGuardian.update(relation=relation).where(StudentGuardian.id == link.id).execute()
        if guardian.user_id:
            access.grant(guardian.user_id, "parent", school=student.school_id, scope_type="student", scope_id=student.id)
        audit.record("roster.guardian.link", student, user=by, school_id=student.school_id,
                     data={"guardian": guardian.id, "relation": relation,
                           **({"was": link.relation} if link is not None else {})})
    return True


def _link_new(student: Student, guardian: Guardian, relation: str, *, by=None) -> None:
    """Link a guardian to a pupil just created in this transaction (an import): what
    :func:`link_guardian` does, without looking for a link that cannot exist."""
    StudentGuardian.insert(student=student.id, guardian=guardian.id, relation=relation).execute()
    if guardian.user_id:
        access.grant(guardian.user_id, "parent", school=student.school_id, scope_type="student", scope_id=student.id)
    audit.record("roster.guardian.link", student, user=by, school_id=student.school_id,
                 data={"guardian": guardian.id, "relation": relation})


def unlink_guardian(student: Student, guardian: Guardian, *, by=None) -> None:
    with database.atomic():
        StudentGuardian.delete().where((StudentGuardian.student == student) &
                                       (StudentGuardian.guardian == guardian)).execute()
        if guardian.user_id:
            access.revoke(guardian.user_id, "parent", scope_type="student", scope_id=student.id)
        audit.record("roster.guardian.unlink", student, user=by, school_id=student.school_id,
                     data={"guardian": guardian.id})


# --- accounts and login slips ------------------------------------------------------------------------

def _unique_login(base: str) -> str:
    base = base.strip(".") or "user"
    login, n = base, 1
    while User.select().where(User.login == login).exists():
        n += 1
        login = f"{base}{n}"
    return login


def give_guardian_account(guardian: Guardian, *, login: str | None = None, by=None) -> tuple[User, str]:
    """Create the guardian's account (issued password, to be changed) with a parent role per child."""
    if guardian.user_id:
        raise ValueError("this guardian already has an account")
    from .translit import translit
    with database.atomic():
        login = login or _unique_login(translit(guardian.last_name + "." + guardian.first_name[:1]).lower())
        # a guardian's contacts live in the Guardian record only (core.notify.address)
        user, password = identity.create_user(login, guardian.full_name, school=guardian.school_id)
        Guardian.update(user=user).where(Guardian.id == guardian.id).execute()
        guardian.user = user
        for link in StudentGuardian.select().where(StudentGuardian.guardian == guardian.id):
            access.grant(user, "parent", school=guardian.school_id, scope_type="student", scope_id=link.student_id)
        audit.record("roster.account.issue", guardian, user=by, school_id=guardian.school_id,
                     data={"login": user.login, "reissued": False})
    return user, password


def give_student_account(student: Student, *, login: str | None = None, by=None) -> tuple[User, str]:
    if student.user_id:
        raise ValueError("this student already has an account")
    from .translit import translit
    with database.atomic():
        login = login or _unique_login(translit(student.last_name + "." + student.first_name[:1]).lower())
        user, password = identity.create_user(login, student.full_name, school=student.school_id)
        Student.update(user=user).where(Student.id == student.id).execute()
        student.user = user
        access.grant(user, "student", school=student.school_id, scope_type="student", scope_id=student.id)
        audit.record("roster.account.issue", student, user=by, school_id=student.school_id,
                     data={"login": user.login, "reissued": False})
    return user, password


class AccountStopped(Exception):
    """The person's account is stopped (locked by an admin or reported compromised): no new code."""


@dataclass
class IssuedAccount:
    """What a login slip shows. The one-time activation code exists only here: it is stored
    hashed (:mod:`core.identity.activation`) and never shown again."""
    person: Student | Guardian
    kind: str  # "student" | "guardian"
    login: str
    code: str
    expires_at: dt.datetime
    reissued: bool
    user_id: int = 0


def activation_days() -> int:
    """How many days an activation code on a slip stays valid (setting ``activation_days``)."""
    from flask import current_app
    info = current_app.extensions["zhurnal"].plugins.infos.get("roster")
    return int(((info.settings or {}) if info else {}).get("activation_days", 14))


def issue_account(person: Student | Guardian, *, by=None) -> IssuedAccount:
    """Give the person an account with a one-time activation code, or a new code for the
    account they have (the old code or password stops working and every session of theirs ends).

    :raises AccountStopped: the account is stopped; an administrator must deal with it first
    """
    from core.identity import activation
    kind = "student" if isinstance(person, Student) else "guardian"
    reissued = bool(person.user_id)
    if reissued:
        user = User.get_by_id(person.user_id)
        if not user.is_active:
            raise AccountStopped(user.login)
    with database.atomic():
        if not reissued:
            give = give_student_account if kind == "student" else give_guardian_account
            user, _password = give(person, by=by)  # the generated password is replaced by the code at once
        code, expires = activation.issue(user, days=activation_days(), by=by)
        if reissued:
            audit.record("roster.account.issue", person, user=by, school_id=person.school_id,
                         data={"login": user.login, "reissued": True})
    issued = IssuedAccount(person, kind, user.login, code, expires, reissued, user.id)
    signals.send(signals.account_issued, user_id=user.id, person_kind=kind, person_id=person.id,
                 expires_at=expires, reissued=reissued, by=by, school_id=person.school_id)
    return issued


# --- study groups ------------------------------------------------------------------------------------------

def create_group(school, year, name: str, kind: str, *, subject=None, school_class=None, parallel=None,
                 student_ids: Iterable[int] = (), by=None) -> StudyGroup:
    with database.atomic():
        grp = StudyGroup.create(school=school, year=year, name=name, kind=kind, subject=subject,
                                school_class=school_class, parallel=parallel)
        ids = sorted(set(student_ids))
        if ids:
            GroupMember.insert_many([{"group": grp.id, "student": s} for s in ids]).execute()
        audit.record("roster.group.create", grp, user=by, school_id=grp.school_id,
                     data={"name": name, "kind": kind, "students": ids})
    return grp


def update_group(group: StudyGroup, changes: dict, *, version: int | None = None, by=None) -> StudyGroup:
    """Rename a group or change its subject (``changes["subject"]``: a Subject or None)."""
    if version is not None and group.version != version:
        raise StaleEdit(StudyGroup.get_by_id(group.id))
    diff = _diff(group, changes, ("name",))
    if "subject" in changes:
        new_subject = getattr(changes["subject"], "id", changes["subject"])
        if new_subject != group.subject_id:
            diff["subject"] = [group.subject_id, new_subject]
    if not diff:
        return group
    with database.atomic():
        upd = {"name": changes["name"]} if "name" in diff else {}
        if "subject" in diff:
            upd["subject"] = diff["subject"][1]
        q = StudyGroup.update(**upd, version=StudyGroup.version + 1).where(StudyGroup.id == group.id)
        if version is not None:
            q = q.where(StudyGroup.version == version)
        if q.execute() == 0:
            raise StaleEdit(StudyGroup.get_by_id(group.id))
        audit.record("roster.group.update", group, user=by, school_id=group.school_id, data=diff)
    return StudyGroup.get_by_id(group.id)


def set_group_members(group: StudyGroup, student_ids: Iterable[int], *, version: int | None = None,
                      by=None) -> StudyGroup:
    """Replace the group's members; refuses a stale ``version`` with :class:`StaleEdit`."""
    ids = sorted(set(student_ids))
    with database.atomic():
        q = StudyGroup.update(version=StudyGroup.version + 1).where(StudyGroup.id == group.id)
        if version is not None:
            q = q.where(StudyGroup.version == version)
        if q.execute() == 0:
            raise StaleEdit(StudyGroup.get_by_id(group.id))
        old = sorted(s for (s,) in GroupMember.select(GroupMember.student).where(GroupMember.group == group.id).tuples())
        GroupMember.delete().where(GroupMember.group == group.id).execute()
        if ids:
            GroupMember.insert_many([{"group": group.id, "student": s} for s in ids]).execute()
        audit.record("roster.group.members", group, user=by, school_id=group.school_id,
                     data={"added": sorted(set(ids) - set(old)), "removed": sorted(set(old) - set(ids))})
    return StudyGroup.get_by_id(group.id)


# --- import (the plan is checked by importer.py; this writes it) ----------------------------------------

@dataclass
class GuardianPlan:
    """One guardian of an import: an existing record (with ``data`` = changes) or a new one.

    Several rows (siblings) may share one plan; the record is created once.
    """
    existing: Guardian | None
    data: dict
    record: Guardian | None = None


@dataclass
class StudentPlan:
    """One student of an import: a new one (``existing`` is None) or changes to an existing one."""
    rows: list[int]
    school_class: SchoolClass
    existing: Student | None
    data: dict
    guardians: list[tuple[GuardianPlan, str]] = field(default_factory=list)


def apply_import(school, plans: list[StudentPlan], *, source: str = "", by=None) -> tuple[int, int]:
    """Write a checked import in one transaction: all of it or nothing.

    :returns: (students created, students changed)
    :raises StaleEdit: a student changed between the check and the write (nothing is written)
    """
    created = changed = 0
    class_ids: set[int] = set()
    sid = getattr(school, "id", school)
    with database.atomic():
        for plan in plans:
            class_ids.add(plan.school_class.id)
            touched = False
            if plan.existing is None:
                st = Student.create(school=sid, school_class=plan.school_class,
                                    **{k: v for k, v in plan.data.items() if k in STUDENT_FIELDS})
                audit.record("roster.student.create", st, user=by, school_id=sid,
                             data={"class": plan.school_class.id, "name": st.full_name, "via": "import"})
                created += 1
            else:
                st = plan.existing
                diff = _diff(st, plan.data, STUDENT_FIELDS)
                moved = plan.school_class.id != st.school_class_id
                if moved:
                    diff["class"] = [st.school_class_id, plan.school_class.id]
                if diff:
                    upd = {k: plan.data[k] for k in STUDENT_FIELDS if k in diff}
                    if moved:
                        upd["school_class"] = plan.school_class.id
                    n = (Student.update(**upd, version=Student.version + 1)
                         .where((Student.id == st.id) & (Student.version == st.version)).execute())
                    if n == 0:
                        raise StaleEdit(Student.get_by_id(st.id))
                    if moved:
                        _leave_split_groups(st.id, st.school_class_id)
                    audit.record("roster.student.update", st, user=by, school_id=sid, data={**diff, "via": "import"})
                    touched = True
            for gp, relation in plan.guardians:
                if gp.record is None:
                    if gp.existing is None:
                        gp.record = Guardian.create(school=sid, **{k: v for k, v in gp.data.items() if k in GUARDIAN_FIELDS})
                        audit.record("roster.guardian.create", gp.record, user=by, school_id=sid,
                                     data={"name": gp.record.full_name, "via": "import"})
                    else:
                        gp.record = gp.existing
                        gdiff = _diff(gp.existing, gp.data, GUARDIAN_FIELDS)
                        if gdiff:
                            Guardian.update(**{k: gp.data[k] for k in gdiff}, version=Guardian.version + 1).where(
                                Guardian.id == gp.existing.id).execute()
                            audit.record("roster.guardian.update", gp.existing, user=by, school_id=sid,
                                         data={**gdiff, "via": "import"})
                            touched = True
                if plan.existing is None:  # a new pupil has no links yet: no look-up
                    _link_new(st, gp.record, relation, by=by)
                elif link_guardian(st, gp.record, relation, by=by):
                    touched = True
            if touched and plan.existing is not None:
                changed += 1
        audit.record("roster.import", object_type="roster_import", school_id=sid, user=by,
                     data={"source": source, "created": created, "changed": changed, "classes": sorted(class_ids)})
    signals.send(signals.roster_imported, class_ids=sorted(class_ids), created=created, updated=changed,
                 by=by, school_id=sid)
    return created, changed


# --- audited reads ------------------------------------------------------------------------------------------

def record_read(obj, *, via: str, by=None) -> None:
    """Audit a read of personal data: ``roster.student.read`` / ``roster.guardian.read``."""
    kind = "student" if isinstance(obj, Student) else "guardian"
    with database.atomic():
        audit.record(f"roster.{kind}.read", obj, user=by, school_id=obj.school_id, data={"via": via})


def record_export(school, class_ids: Iterable[int], rows: int, fmt: str, *, by=None) -> None:
    """Audit an export of class lists (names, birth dates, addresses, guardians' contacts)."""
    with database.atomic():
        audit.record("roster.export", object_type="roster_export", school_id=getattr(school, "id", school),
                     user=by, data={"classes": sorted(class_ids), "rows": rows, "format": fmt})
