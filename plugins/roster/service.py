"""The roster's public service API: the only place that writes roster tables.

Plugins depending on ``roster`` read the school's structure through the
functions here (and the models); every write is audited and, after commit,
announced with a signal from :mod:`core.signals`.
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable

from core import access, audit, signals
from core.db import database
from core.identity.models import RoleAssignment, School, User
from core.identity import service as identity

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
    day = day or dt.date.today()
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


def class_students(class_id: int) -> list[Student]:
    """Current students of a class, in the order of the class list."""
    return list(Student.select().where((Student.school_class == class_id) & Student.left_at.is_null())
                .order_by(Student.last_name, Student.first_name, Student.middle_name))


def group_students(group_id: int) -> list[Student]:
    return list(Student.select().join(GroupMember).where((GroupMember.group == group_id) & Student.left_at.is_null())
                .order_by(Student.last_name, Student.first_name, Student.middle_name))


def group_class_ids(group: StudyGroup) -> set[int]:
    if group.school_class_id:
        return {group.school_class_id}
    return {r[0] for r in Student.select(Student.school_class).join(GroupMember)
            .where(GroupMember.group == group.id).distinct().tuples() if r[0]}


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


# --- writes ---------------------------------------------------------------------------------------

STUDENT_FIELDS = ("last_name", "first_name", "middle_name", "birth_date", "gender", "address", "phone",
                  "email", "individual_plan")
GUARDIAN_FIELDS = ("last_name", "first_name", "middle_name", "phone", "email")


def _diff(obj, changes: dict, fields: Iterable[str]) -> dict:
    out = {}
    for f in fields:
        if f in changes and getattr(obj, f) != changes[f]:
            out[f] = [getattr(obj, f), changes[f]]
    return out


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


def create_class(school, year, parallel: int, letter: str, *, class_teacher: User | None = None, by=None) -> SchoolClass:
    with database.atomic():
        cls = SchoolClass.create(school=school, year=year, parallel=parallel, letter=letter.upper())
        audit.record("roster.class.create", cls, user=by, school_id=cls.school_id, data={"name": cls.name})
        if class_teacher is not None:
            set_class_teacher(cls, class_teacher, by=by)
    return cls


def set_class_teacher(cls: SchoolClass, teacher: User | None, *, by=None) -> None:
    """Make ``teacher`` the class teacher of ``cls`` (their role is scoped to this class)."""
    with database.atomic():
        old = cls.class_teacher_id
        if old:
            access.revoke(old, "class_teacher", scope_type="class", scope_id=cls.id)
        SchoolClass.update(class_teacher=teacher).where(SchoolClass.id == cls.id).execute()
        cls.class_teacher = teacher
        if teacher is not None:
            access.grant(teacher, "class_teacher", school=cls.school_id, scope_type="class", scope_id=cls.id)
        audit.record("roster.class.teacher", cls, user=by, school_id=cls.school_id,
                     data={"class_teacher": [old, getattr(teacher, "id", None)]})


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


def create_student(school, school_class: SchoolClass | None, data: dict, *, by=None) -> Student:
    with database.atomic():
        st = Student.create(school=school, school_class=school_class,
                            **{k: v for k, v in data.items() if k in STUDENT_FIELDS})
        audit.record("roster.student.create", st, user=by, school_id=st.school_id,
                     data={"class": getattr(school_class, "id", None), "name": st.full_name})
    signals.send(signals.student_changed, student_id=st.id, class_id=st.school_class_id, action="created",
                 by=by, school_id=st.school_id)
    return st


def update_student(student: Student, changes: dict, *, version: int | None = None, by=None) -> Student:
    """Change a student's data; refuses a stale ``version`` with :class:`StaleEdit`."""
    diff = _diff(student, changes, STUDENT_FIELDS)
    new_class = changes.get("school_class", student.school_class_id)
    new_class_id = getattr(new_class, "id", new_class)
    moved = new_class_id != student.school_class_id
    if moved:
        diff["class"] = [student.school_class_id, new_class_id]
    if not diff:
        return student
    with database.atomic():
        upd = {k: v for k, v in changes.items() if k in STUDENT_FIELDS}
        if moved:
            upd["school_class"] = new_class_id
        q = Student.update(**upd, version=Student.version + 1).where(Student.id == student.id)
        if version is not None:
            q = q.where(Student.version == version)
        if q.execute() == 0:
            raise StaleEdit(Student.get_by_id(student.id))
        audit.record("roster.student.update", student, user=by, school_id=student.school_id, data=diff)
    fresh = Student.get_by_id(student.id)
    signals.send(signals.student_changed, student_id=fresh.id, class_id=fresh.school_class_id,
                 action="moved" if moved else "updated", by=by, school_id=fresh.school_id)
    return fresh


def student_left(student: Student, day: dt.date, *, by=None) -> None:
    with database.atomic():
        Student.update(left_at=day, version=Student.version + 1).where(Student.id == student.id).execute()
        audit.record("roster.student.left", student, user=by, school_id=student.school_id,
                     data={"class": student.school_class_id, "date": day.isoformat()})
    signals.send(signals.student_changed, student_id=student.id, class_id=student.school_class_id,
                 action="left", by=by, school_id=student.school_id)


def create_guardian(school, data: dict, *, by=None) -> Guardian:
    with database.atomic():
        g = Guardian.create(school=school, **{k: v for k, v in data.items() if k in GUARDIAN_FIELDS})
        audit.record("roster.guardian.create", g, user=by, school_id=g.school_id, data={"name": g.full_name})
    return g


def update_guardian(guardian: Guardian, changes: dict, *, version: int | None = None, by=None) -> Guardian:
    diff = _diff(guardian, changes, GUARDIAN_FIELDS)
    if not diff:
        return guardian
    with database.atomic():
        q = Guardian.update(**{k: v for k, v in changes.items() if k in GUARDIAN_FIELDS},
                            version=Guardian.version + 1).where(Guardian.id == guardian.id)
        if version is not None:
            q = q.where(Guardian.version == version)
        if q.execute() == 0:
            raise StaleEdit(Guardian.get_by_id(guardian.id))
        audit.record("roster.guardian.update", guardian, user=by, school_id=guardian.school_id, data=diff)
    return Guardian.get_by_id(guardian.id)


def link_guardian(student: Student, guardian: Guardian, relation: str = "guardian", *, by=None) -> None:
    with database.atomic():
        StudentGuardian.insert(student=student, guardian=guardian, relation=relation).on_conflict_ignore().execute()
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


def _unique_login(base: str) -> str:
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
        user, password = identity.create_user(login, guardian.full_name, school=guardian.school_id,
                                              email=guardian.email or None, phone=guardian.phone or None)
        Guardian.update(user=user).where(Guardian.id == guardian.id).execute()
        guardian.user = user
        for link in StudentGuardian.select().where(StudentGuardian.guardian == guardian.id):
            access.grant(user, "parent", school=guardian.school_id, scope_type="student", scope_id=link.student_id)
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
    return user, password


def create_group(school, year, name: str, kind: str, *, subject=None, school_class=None, parallel=None,
                 student_ids: Iterable[int] = (), by=None) -> StudyGroup:
    with database.atomic():
        grp = StudyGroup.create(school=school, year=year, name=name, kind=kind, subject=subject,
                                school_class=school_class, parallel=parallel)
        ids = list(student_ids)
        if ids:
            GroupMember.insert_many([{"group": grp.id, "student": s} for s in ids]).execute()
        audit.record("roster.group.create", grp, user=by, school_id=grp.school_id,
                     data={"name": name, "kind": kind, "students": ids})
    return grp


def set_group_members(group: StudyGroup, student_ids: Iterable[int], *, by=None) -> None:
    ids = sorted(set(student_ids))
    with database.atomic():
        old = sorted(s for (s,) in GroupMember.select(GroupMember.student).where(GroupMember.group == group.id).tuples())
        GroupMember.delete().where(GroupMember.group == group.id).execute()
        if ids:
            GroupMember.insert_many([{"group": group.id, "student": s} for s in ids]).execute()
        audit.record("roster.group.members", group, user=by, school_id=group.school_id,
                     data={"added": sorted(set(ids) - set(old)), "removed": sorted(set(old) - set(ids))})
