"""Where journal objects belong, for scoped permission checks."""
from __future__ import annotations

from dataclasses import dataclass

from flask import g

from zhurnal.core.access import Scope
from zhurnal.plugins.roster import service as roster
from zhurnal.plugins.roster.models import SchoolClass, Student, StudyGroup

from .models import Lesson, Remark, TimetableEntry



@dataclass(frozen=True)
class JournalOf:
    """The journal of a class or of a study group, in one subject (or all subjects).

    What ``journal.read`` and the write permissions are checked against when no
    single lesson is at hand (the grid, "add a lesson", term marks).
    """
    school_id: int
    class_id: int | None = None
    group_id: int | None = None
    subject_id: int | None = None
    class_ids: frozenset = frozenset()

    @property
    def id(self) -> str:  # the access layer caches scopes by (type, id)
        return f"{self.class_id}:{self.group_id}:{self.subject_id}"

    @classmethod
    def of_class(cls, school_class: SchoolClass, subject_id: int | None = None) -> "JournalOf":
        return cls(school_class.school_id, class_id=school_class.id, subject_id=subject_id,
                   class_ids=frozenset([school_class.id]))

    @classmethod
    def of_group(cls, group: StudyGroup, subject_id: int | None = None) -> "JournalOf":
        return cls(group.school_id, group_id=group.id, class_id=group.school_class_id,
                   subject_id=subject_id if subject_id is not None else group.subject_id,
                   class_ids=frozenset(classes_of(group.school_class_id, group.id)))


@dataclass(frozen=True)
class PupilOf:
    """One student, as a target of journal permissions (remarks, a student's control works)."""
    school_id: int
    student_id: int
    class_id: int | None = None

    @property
    def id(self) -> str:
        return f"pupil:{self.student_id}"

    @classmethod
    def of(cls, student: Student) -> "PupilOf":
        return cls(student.school_id, student.id, student.school_class_id)


def classes_of(class_id: int | None, group_id: int | None) -> set[int]:
    """Classes of a group, a lesson or a timetable slot (its class, or the classes of a stream's
    members: :func:`roster.class_ids_of <zhurnal.plugins.roster.service.class_ids_of>`); cached per request."""
    cache = g.setdefault("_journal_group_classes", {})
    key = (class_id, group_id)
    if key not in cache:
        cache[key] = roster.class_ids_of(class_id, group_id)
    return cache[key]


def lesson_access_key(lesson: Lesson) -> tuple:
    """Everything about a lesson that its scope (below) and the journal's permission checks
    (``permissions.teacher_check``) read: two lessons with the same key get the same answer
    from ``access.can`` for the same user, so a page of many lessons may ask once per key."""
    return (lesson.school_id, lesson.school_class_id, lesson.group_id, lesson.subject_id, lesson.teacher_id)


def scope_of(obj) -> Scope | None:
    if isinstance(obj, JournalOf):
        return Scope.of(obj.school_id, obj.class_ids)
    if isinstance(obj, PupilOf):
        return Scope.of(obj.school_id, [obj.class_id] if obj.class_id else [], [obj.student_id])
    if isinstance(obj, (Lesson, TimetableEntry)):
        return Scope.of(obj.school_id, classes_of(obj.school_class_id, obj.group_id))
    if isinstance(obj, Remark):
        st = Student.get_by_id(obj.student_id)
        return Scope.of(st.school_id, [st.school_class_id] if st.school_class_id else [], [st.id])
    return None


def student_groups(student_ids) -> dict[int, list[StudyGroup]]:
    """The study groups of each student (one query each for memberships and groups)."""
    from zhurnal.plugins.roster.models import GroupMember
    pairs = list(GroupMember.select(GroupMember.student, GroupMember.group)
                 .where(GroupMember.student.in_(list(student_ids))).tuples())
    groups = {x.id: x for x in StudyGroup.select().where(StudyGroup.id.in_({gid for _s, gid in pairs}))} if pairs else {}
    out: dict[int, list[StudyGroup]] = {}
    for sid, gid in pairs:
        out.setdefault(sid, []).append(groups[gid])
    return out


def may_in_subject(user, perm: str, student: Student, subject_id: int | None, groups: list[StudyGroup]) -> bool:
    """May ``user`` ``perm`` (``journal.read``, ``journal.remark.write``) the student's journal in a subject?

    Through the student's class journal in that subject (a whole-class teacher, the class
    teacher, the administration) or through a study group of the student in that subject
    (the group's teacher): the same scope as the class and group grids.
    """
    from zhurnal.core import access
    cid = student.school_class_id
    if cid and access.can(user, perm, JournalOf(student.school_id, class_id=cid, subject_id=subject_id,
                                                 class_ids=frozenset([cid]))):
        return True
    return any(access.can(user, perm, JournalOf.of_group(grp, subject_id)) for grp in groups
               if subject_id is None or grp.subject_id in (None, subject_id))
