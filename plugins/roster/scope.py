"""Where roster objects belong, for scoped permission checks."""
from __future__ import annotations

from zhurnal.core.access import Scope

from .models import (AcademicYear, Period, Guardian, SchoolClass, Student, StudentGuardian, StudyGroup, Subject,
                     TeachingAssignment)


def scope_of(obj) -> Scope | None:
    if isinstance(obj, Student):
        return Scope.of(obj.school_id, [obj.school_class_id] if obj.school_class_id else [], [obj.id])
    if isinstance(obj, SchoolClass):
        return Scope.of(obj.school_id, [obj.id])
    if isinstance(obj, StudyGroup):
        from .service import group_class_ids
        return Scope.of(obj.school_id, group_class_ids(obj))
    if isinstance(obj, Guardian):
        rows = (StudentGuardian.select(Student.id, Student.school_class).join(Student)
                .where(StudentGuardian.guardian == obj.id).tuples())
        students = [r[0] for r in rows]
        return Scope.of(obj.school_id, [r[1] for r in rows if r[1]], students)
    if isinstance(obj, (Subject, AcademicYear)):
        return Scope.of(obj.school_id, school_wide=True)
    if isinstance(obj, Period):
        return Scope.of(AcademicYear.get_by_id(obj.year_id).school_id)
    if isinstance(obj, TeachingAssignment):
        return Scope.of(obj.school_id)
    return None
