"""Study groups: a split of a class, a stream of a parallel, an individual plan; their members and
the classes a group belongs to."""
from __future__ import annotations

from typing import Iterable

import peewee as pw

from zhurnal.core import audit
from zhurnal.core.db import database
from zhurnal.core.errors import StaleEdit
from zhurnal.core.prepared import Prepared, slot

from .edits import changed_fields
from .models import GroupMember, SchoolClass, Student, StudyGroup


_GROUP_STUDENTS = Prepared(lambda: Student.select(*Student._meta.sorted_fields).join(GroupMember).where(
    (GroupMember.group == slot("grp")) & Student.left_at.is_null())
    .order_by(Student.last_name, Student.first_name, Student.middle_name, Student.id), model=Student)


def group_students(group_id: int) -> list[Student]:
    """Current members of a study group, in the order of the class list."""
    return _GROUP_STUDENTS.objects(grp=group_id)


def group_class_ids(group: StudyGroup) -> set[int]:
    """The classes of a group: its class, or (a stream) the classes of its members."""
    return class_ids_of(group.school_class_id, group.id)


def class_ids_of(class_id: int | None, group_id: int | None) -> set[int]:
    """The classes of something given to a class or to a group — a group itself, a lesson, a
    timetable slot: its class, or (a stream, which has none) the classes of the group's members.
    A query only for a stream."""
    if class_id:
        return {class_id}
    return member_class_ids(group_id) if group_id else set()


def member_class_ids(group_id: int) -> set[int]:
    """The classes the members of a group are in."""
    return classes_of_members([group_id])


# Which pupils are in which groups: a teacher's own assignment rows name the groups they teach, and
# these answer the membership questions about them (one query each, none for no groups).

def classes_of_members(group_ids: Iterable[int]) -> set[int]:
    """The classes the members of any of these groups are in (an empty split group adds none)."""
    ids = list(group_ids)
    if not ids:
        return set()
    return {c for (c,) in Student.select(Student.school_class).join(GroupMember)
            .where(GroupMember.group.in_(ids)).distinct().tuples() if c}


def members_in_class(group_ids: Iterable[int], class_id: int) -> set[int]:
    """Students of ``class_id`` who are in any of these groups (a split of the class, a stream
    across classes, an individual plan)."""
    ids = list(group_ids)
    if not ids:
        return set()
    return {s for (s,) in GroupMember.select(GroupMember.student).join(Student)
            .where(GroupMember.group.in_(ids) & (Student.school_class == class_id)).distinct().tuples()}


def groups_of_student(student_id: int, group_ids: Iterable[int]) -> set[int]:
    """Those of these groups the student is in."""
    ids = list(group_ids)
    if not ids:
        return set()
    return {gid for (gid,) in GroupMember.select(GroupMember.group)
            .where((GroupMember.student == student_id) & GroupMember.group.in_(ids)).tuples()}


def groups_class_ids(group_ids: Iterable[int]) -> dict[int, set[int]]:
    """group id -> its classes (as :func:`group_class_ids`), for many groups in two queries."""
    ids = sorted(set(group_ids))
    out: dict[int, set[int]] = {i: set() for i in ids}
    if not ids:
        return out
    streams = []
    for gid, cid in StudyGroup.select(StudyGroup.id, StudyGroup.school_class).where(StudyGroup.id.in_(ids)).tuples():
        if cid:
            out[gid].add(cid)
        else:
            streams.append(gid)
    if streams:
        for gid, cid in (GroupMember.select(GroupMember.group, Student.school_class).join(Student)
                         .where(GroupMember.group.in_(streams)).distinct().tuples()):
            if cid:
                out[gid].add(cid)
    return out


def group_in_classes(class_ids: Iterable[int]):
    """Condition on :class:`StudyGroup`: the group concerns one of these classes — it is the class's own
    (a split or an individual plan) or has members in it (a stream). For lists of a class's groups."""
    ids = sorted(set(class_ids))
    return StudyGroup.school_class.in_(ids) | StudyGroup.id.in_(_groups_with_members(Student.school_class.in_(ids)))


def given_to_class(model, class_id):
    """Condition on ``model`` — anything given to a class or to a study group, with ``school_class`` and
    ``group`` columns (a lesson, a timetable slot): the row is the class's (the whole class's or one of
    its groups') or a stream's that one of its students is in (a stream's rows have no class).

    One condition with a subquery, no query of its own: ``class_id`` is a value or a
    :func:`zhurnal.core.prepared.slot`, so a prepared statement takes the rule as it is.
    """
    return (model.school_class == class_id) | (
        model.school_class.is_null() & model.group.in_(_groups_with_members(Student.school_class == class_id)))


def _groups_with_members(students_where):
    return GroupMember.select(GroupMember.group).join(Student).where(students_where)


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


def leave_split_groups(student_id: int, old_class_id: int | None) -> list[int]:
    """A student moving out of a class leaves that class's split groups; returns their ids."""
    if not old_class_id:
        return []
    ids = [g for (g,) in GroupMember.select(GroupMember.group).join(StudyGroup)
           .where((GroupMember.student == student_id) & (StudyGroup.school_class == old_class_id) &
                  (StudyGroup.kind == "split")).tuples()]
    if ids:
        GroupMember.delete().where((GroupMember.student == student_id) & GroupMember.group.in_(ids)).execute()
    return ids


# --- writes -------------------------------------------------------------------------------------------

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
    diff = changed_fields(group, changes, ("name",))
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
