"""Who sees which analytics.

* deputy and director: the school — every class, student and the school report; they
  generate and send reports and see who received and opened them;
* class teacher: their class and its students, all subjects; the reports sent to them;
* subject teacher: the classes (and groups' students) they teach, their own subjects only
  (the report is narrowed to those subjects);
* guardians: none of the class-level figures; their own child's report only when the
  school enables it (the school's analytics settings).
"""
from __future__ import annotations

from flask import abort, g

from zhurnal.core import access
from zhurnal.core.access import Permission
from zhurnal.plugins.roster import service as roster
from zhurnal.plugins.roster.models import SchoolClass, Student, StudyGroup, TeachingAssignment

ADMINISTRATION = ("director", "deputy")

CLASS_READ = "analytics.class.read"
CLASS_SUBJECT_READ = "analytics.class.subject.read"
STUDENT_READ = "analytics.student.read"
STUDENT_SUBJECT_READ = "analytics.student.subject.read"
SCHOOL_READ = "analytics.school.read"
SEND = "analytics.report.send"
RECEIVED_READ = "analytics.report.read"
SETTINGS = "analytics.settings.manage"


def teaching(user) -> list[tuple[int, int | None, int | None]]:
    """``(subject, class, group)`` the user teaches; once per request."""
    cache = g.setdefault("_analytics_teaching", {})
    if user.id not in cache:
        cache[user.id] = list(TeachingAssignment.select(TeachingAssignment.subject, TeachingAssignment.school_class,
                                                        TeachingAssignment.group)
                              .where(TeachingAssignment.teacher == user.id).tuples())
    return cache[user.id]


def subjects_in_class(user, class_id: int) -> set[int]:
    """Subjects the user teaches to the class, or to a group of it."""
    rows = teaching(user)
    out = {s for s, c, _g in rows if c == class_id}
    groups = [gr for _s, _c, gr in rows if gr]
    if groups:
        of_class = {gid for (gid,) in StudyGroup.select(StudyGroup.id)
                    .where(StudyGroup.id.in_(groups) & roster.group_in_classes([class_id])).tuples()}
        out |= {s for s, _c, gr in rows if gr in of_class}
    return out


def subjects_of_student(user, student: Student) -> set[int]:
    """Subjects the user teaches to the student (their class or one of their groups)."""
    rows = teaching(user)
    class_id = student.school_class_id
    out = {s for s, c, _g in rows if c is not None and c == class_id}
    mine = roster.groups_of_student(student.id, [gr for _s, _c, gr in rows if gr])
    return out | {s for s, _c, gr in rows if gr in mine}


def _teaches(user, obj, scope) -> bool:
    if isinstance(obj, SchoolClass):
        return bool(subjects_in_class(user, obj.id))
    if isinstance(obj, Student):
        return bool(subjects_of_student(user, obj))
    return False


def _guardians_allowed(user, obj, scope) -> bool:
    from .service import settings_for
    return isinstance(obj, Student) and settings_for(obj.school_id)["guardians_see_reports"]


PERMISSIONS = [
    Permission(CLASS_READ, "See a class's analytics (all subjects)", roles=ADMINISTRATION + ("class_teacher",)),
    Permission(CLASS_SUBJECT_READ, "See a class's analytics in the subjects one teaches there",
               roles=("teacher",), checks={"teacher": _teaches}),
    Permission(STUDENT_READ, "See a student's analytics (all subjects)",
               roles=ADMINISTRATION + ("class_teacher", "parent"), checks={"parent": _guardians_allowed}),
    Permission(STUDENT_SUBJECT_READ, "See a student's analytics in the subjects one teaches them",
               roles=("teacher",), checks={"teacher": _teaches}),
    Permission(SCHOOL_READ, "See the school's analytics (classes side by side, journal completeness)",
               roles=ADMINISTRATION),
    Permission(SEND, "Generate analytic reports and send them to class teachers", roles=ADMINISTRATION),
    Permission(RECEIVED_READ, "Read the analytic reports sent (class teachers: those of their class)",
               roles=ADMINISTRATION + ("class_teacher",)),
    Permission(SETTINGS, "Set the school's analytics thresholds and whether guardians see reports",
               roles=ADMINISTRATION),
]


def knows(user, obj) -> bool:
    """May ``user`` know ``obj`` (a class or a student) exists? Decides 403 over 404."""
    if isinstance(obj, Student):
        return access.can(user, "roster.student.card", obj) or access.can(user, "roster.class.read", obj)
    return access.can(user, "roster.class.read", obj) or access.can(user, "roster.school.read", obj)


def deny(user, obj):
    abort(403 if knows(user, obj) else 404)


def class_subjects(user, cls: SchoolClass) -> set[int] | None:
    """``None``: the whole class report; a set: only these subjects; aborts 403/404 otherwise."""
    if access.can(user, CLASS_READ, cls):
        return None
    if access.can(user, CLASS_SUBJECT_READ, cls):
        return subjects_in_class(user, cls.id)
    deny(user, cls)


def class_view(user, cls: SchoolClass) -> tuple[set[int] | None, set[int] | None]:
    """``(subjects, students)`` of the class report ``user`` may see (``None``: all). A subject
    teacher sees their subjects; one who teaches the class only in groups (an English group, a
    split) sees only those groups' students. Aborts 403/404 when nothing."""
    subjects = class_subjects(user, cls)
    if subjects is None:
        return None, None
    rows = teaching(user)
    if any(c == cls.id for _s, c, _g in rows):
        return subjects, None
    return subjects, roster.members_in_class([gr for _s, _c, gr in rows if gr], cls.id)


def student_subjects(user, student: Student) -> set[int] | None:
    if access.can(user, STUDENT_READ, student):
        return None
    if access.can(user, STUDENT_SUBJECT_READ, student):
        return subjects_of_student(user, student)
    deny(user, student)
