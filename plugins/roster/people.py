"""Students and guardians: reading them (the student card, children and guardians, a person's data
for a subject access request) and writing them (add, change, move, leave; link a guardian)."""
from __future__ import annotations

import datetime as dt
from typing import Iterable

import peewee as pw

from zhurnal.core import access, audit
from zhurnal.core.db import database
from zhurnal.core.errors import StaleEdit
from zhurnal.core.identity.models import User

from .edits import GUARDIAN_FIELDS, STUDENT_FIELDS, STUDENT_UPDATE_FIELDS, changed_fields
from .groups import leave_split_groups
from .models import GroupMember, Guardian, SchoolClass, Student, StudentGuardian, StudyGroup, Subject
from . import signals


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


# --- writes -------------------------------------------------------------------------------------------

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
    """Change a student's data, move them (``changes["school_class"]``) or record that they left
    (``changes["left_at"]``); refuses a stale ``version`` with :class:`StaleEdit`."""
    if version is not None and student.version != version:
        raise StaleEdit(Student.get_by_id(student.id))
    diff = changed_fields(student, changes, STUDENT_UPDATE_FIELDS)
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
            left_groups = leave_split_groups(student.id, student.school_class_id)
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
    diff = changed_fields(guardian, changes, GUARDIAN_FIELDS)
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


def link_new(student: Student, guardian: Guardian, relation: str, *, by=None) -> None:
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


# --- audited reads ------------------------------------------------------------------------------------------

def record_read(obj, *, via: str, by=None) -> None:
    """Audit a read of personal data: ``roster.student.read`` / ``roster.guardian.read``."""
    kind = "student" if isinstance(obj, Student) else "guardian"
    with database.atomic():
        audit.record(f"roster.{kind}.read", obj, user=by, school_id=obj.school_id, data={"via": via})
