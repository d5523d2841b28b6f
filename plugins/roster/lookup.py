"""Finding roster objects for the current user, for the API and the pages alike.

``find_*`` answer 404 for an object the user may not know about (another
school, another family's child) and 403 for one they know but may not use
this way; ``*_filter`` narrow list queries to what the user may see.
"""
from __future__ import annotations

import operator
from functools import reduce

import peewee as pw
from flask import abort, current_app, g

from zhurnal.core import access
from zhurnal.core.identity.models import School

from .groups import group_in_classes
from .models import (AcademicYear, Guardian, Holiday, SchoolClass, Student, StudentGuardian, StudyGroup,
                     TeachingAssignment)


def _can(perm: str, obj) -> bool:
    return access.can(g.user, perm, obj)


def reads_school(school_id: int | None) -> bool:
    """May the user see this school's structure (years, classes, subjects, teachers)?

    Parents and students hold ``roster.school.read`` scoped to a child; a scope of
    students never contains a school-level object, so :func:`zhurnal.core.access.can` says
    no to them. The structure is not personal: the school the role was granted in
    is enough.
    """
    if school_id is None:
        return False
    ids = school_ids("roster.school.read")
    return ids is None or school_id in ids


def knows_student(st: Student) -> bool:
    return _can("roster.class.read", st) or _can("roster.student.card", st)


def knows_guardian(gd: Guardian) -> bool:
    return (_can("roster.student.card", gd) or _can("roster.class.read", gd) or
            _can("roster.guardian.write", gd))


def _check(obj, perm: str, known: bool):
    if obj is None or not known:
        abort(404)
    if not _can(perm, obj):
        abort(403)
    return obj


def _check_school_level(obj, perm: str):
    """Objects of the school's structure are known to whoever reads the school."""
    known = obj is not None and reads_school(obj.id if isinstance(obj, School) else obj.school_id)
    if obj is None or not known:
        abort(404)
    if perm == "roster.school.read":
        return obj
    if not _can(perm, obj):
        abort(403)
    return obj


def find_school(school_id: int, perm: str = "roster.school.read") -> School:
    return _check_school_level(School.get_or_none(School.id == school_id), perm)


def find_class(class_id: int, perm: str) -> SchoolClass:
    return _check_school_level(SchoolClass.get_or_none(SchoolClass.id == class_id), perm)


def find_student(student_id: int, perm: str) -> Student:
    st = (Student.select(Student, SchoolClass)
          .join(SchoolClass, pw.JOIN.LEFT_OUTER, on=(Student.school_class == SchoolClass.id))
          .where(Student.id == student_id).first())
    return _check(st, perm, st is not None and knows_student(st))


def find_guardian(guardian_id: int, perm: str) -> Guardian:
    gd = Guardian.get_or_none(Guardian.id == guardian_id)
    return _check(gd, perm, gd is not None and knows_guardian(gd))


def find_group(group_id: int, perm: str) -> StudyGroup:
    return _check_school_level(StudyGroup.get_or_none(StudyGroup.id == group_id), perm)


def find_teaching(ta_id: int, perm: str) -> TeachingAssignment:
    return _check_school_level(TeachingAssignment.get_or_none(TeachingAssignment.id == ta_id), perm)


def find_year(year_id: int, perm: str) -> AcademicYear:
    return _check_school_level(AcademicYear.get_or_none(AcademicYear.id == year_id), perm)


def find_holiday(holiday_id: int, perm: str) -> tuple[Holiday, AcademicYear]:
    """A holiday and its school year; permissions are checked on the year."""
    h = Holiday.get_or_none(Holiday.id == holiday_id)
    year = find_year(h.year_id if h is not None else 0, perm)
    return h, year


def school_for_list(school_id: int | None) -> School | None:
    """The school a list is about: the one asked for (404 if unknown to the user) or the user's."""
    if school_id is None:
        return g.get("school")
    return find_school(school_id)


def school_ids(perm: str) -> set[int] | None:
    """Schools where the user holds ``perm`` in some scope; ``None`` means every school."""
    grants = current_app.extensions["zhurnal"].access.grants
    out = set()
    for a in access.assignments(g.user):
        if perm in grants[a.role]:
            if a.scope_type == "deployment":
                return None
            out.add(a.school_id)
    return out


def student_filter():
    """Condition on Student for the students the user may see in lists (class lists or
    their own children / themself); ``None`` when they may see none."""
    seen = [access.visible(g.user, "roster.class.read"), access.visible(g.user, "roster.student.card")]
    if all(v.nothing for v in seen):
        return None
    if any(v.everything for v in seen):
        return Student.id.is_null(False)
    parts = []
    schools = set().union(*(v.schools for v in seen))
    classes = set().union(*(v.classes for v in seen))
    students = set().union(*(v.students for v in seen))
    if schools:
        parts.append(Student.school.in_(sorted(schools)))
    if classes:
        parts.append(Student.school_class.in_(sorted(classes)))
    if students:
        parts.append(Student.id.in_(sorted(students)))
    return reduce(operator.or_, parts)


def guardian_filter():
    """Condition on Guardian for the guardians whose cards the user may see; ``None``: none."""
    v = access.visible(g.user, "roster.student.card")
    if v.nothing:
        return None
    if v.everything:
        return Guardian.id.is_null(False)
    parts = []
    if v.schools:
        parts.append(Guardian.school.in_(sorted(v.schools)))
    if v.classes:
        parts.append(Guardian.id.in_(StudentGuardian.select(StudentGuardian.guardian).join(Student)
                                     .where(Student.school_class.in_(sorted(v.classes)))))
    if v.students:
        parts.append(Guardian.id.in_(StudentGuardian.select(StudentGuardian.guardian)
                                     .where(StudentGuardian.student.in_(sorted(v.students)))))
    return reduce(operator.or_, parts)


def group_filter():
    """Condition on StudyGroup for the groups the user may see (those of classes they see)."""
    v = access.visible(g.user, "roster.class.read")
    if v.nothing:
        return None
    if v.everything:
        return StudyGroup.id.is_null(False)
    parts = []
    if v.schools:
        parts.append(StudyGroup.school.in_(sorted(v.schools)))
    if v.classes:
        parts.append(group_in_classes(v.classes))
    return reduce(operator.or_, parts) if parts else None


def name_search(q: str, model):
    """Condition on ``model`` (Student, Guardian): every word of ``q`` starts or occurs in the last,
    first or middle name.

    SQLite compares Cyrillic case-sensitively, so the usual spellings are tried."""
    cond = None
    for word in q.split()[:4]:
        variants = {word, word.lower(), word.capitalize(), word.upper()}
        w = None
        for v in variants:
            part = model.last_name.contains(v) | model.first_name.contains(v) | model.middle_name.contains(v)
            w = part if w is None else (w | part)
        cond = w if cond is None else (cond & w)
    return cond
