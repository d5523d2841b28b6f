"""Who may see and enter health data.

Health data is visible only to those who need it (152-FZ). By default:

* the full sheet and the certificates: the nurse and the director (their school),
  the class teacher (their class), a parent (their children), a student (themself);
* the PE view (PE group, its period and limits, nothing else): a teacher, but
  only for students they teach PE to (class or study group) — a scoped check;
* entering data: the nurse, and the class teacher for their class (recorded as
  "from the nurse's data").

The deputy, the administrator and other teachers get nothing unless the
deployment grants it in ``[grants]``.
"""
from __future__ import annotations

from flask import current_app, g

from zhurnal.core import access
from zhurnal.core.access import Permission, Scope

READ = "health_sheet.sheet.read"
PE_READ = "health_sheet.pe.read"
WRITE = "health_sheet.sheet.write"
CERT_WRITE = "health_sheet.certificate.write"
IMPORT = "health_sheet.sheet.import"

DEFAULT_PE_SUBJECTS = ("Физическая культура",)


def pe_subject_names() -> list[str]:
    """Names of the subjects counted as PE (setting ``pe_subjects``)."""
    info = current_app.extensions["zhurnal"].plugins.infos.get("health_sheet")
    names = (info.settings or {}).get("pe_subjects") if info else None
    return list(names or DEFAULT_PE_SUBJECTS)


def pe_teaching(user) -> tuple[frozenset, frozenset]:
    """(class ids, group ids) the user teaches PE to; one query per request."""
    from zhurnal.plugins.roster.models import Subject, TeachingAssignment
    uid = getattr(user, "id", user)
    cache = g.setdefault("_hs_pe_teaching", {})
    if uid not in cache:
        rows = list(TeachingAssignment.select(TeachingAssignment.school_class, TeachingAssignment.group)
                    .join(Subject).where((TeachingAssignment.teacher == uid) &
                                         Subject.name.in_(pe_subject_names())).tuples())
        cache[uid] = (frozenset(c for c, _ in rows if c), frozenset(gr for _, gr in rows if gr))
    return cache[uid]


def pe_student_ids(user, class_id: int) -> set[int] | None:
    """Students of ``class_id`` the user teaches PE to: ``None`` means the whole class."""
    from zhurnal.plugins.roster import service as roster
    classes, groups = pe_teaching(user)
    if class_id in classes:
        return None
    return roster.members_in_class(groups, class_id)


def _student_of(obj):
    from zhurnal.plugins.roster.models import Student
    from .models import HealthRecord, MedicalCertificate
    if isinstance(obj, Student):
        return obj
    if isinstance(obj, (HealthRecord, MedicalCertificate)):
        return obj.student
    return None


def teaches_pe(user, obj, scope: Scope) -> bool:
    """The check of the PE view: does ``user`` teach PE to this student (class or group) or class?"""
    from zhurnal.plugins.roster import service as roster
    from zhurnal.plugins.roster.models import SchoolClass
    classes, groups = pe_teaching(user)
    if not classes and not groups:
        return False
    student = _student_of(obj)
    if student is not None:
        if student.school_class_id in classes:
            return True
        return bool(roster.groups_of_student(student.id, groups))
    if isinstance(obj, SchoolClass):
        if obj.id in classes:
            return True
        return bool(pe_student_ids(user, obj.id))
    return False


def view_for(user, obj) -> str | None:
    """What ``user`` may read of a student's (or a class's) health data: "full", "pe" or None."""
    if access.can(user, READ, obj):
        return "full"
    if access.can(user, PE_READ, obj):
        return "pe"
    return None


def knows(user, obj) -> bool:
    """May ``user`` know that ``obj`` (a student or a class) exists? Decides 403 over 404."""
    from zhurnal.plugins.roster.models import SchoolClass
    if access.can(user, "roster.class.read", obj) or access.can(user, "roster.student.card", obj):
        return True
    return isinstance(obj, SchoolClass) and access.can(user, "roster.school.read", obj)


def teaches_pe_anywhere(user) -> bool:
    classes, groups = pe_teaching(user)
    return bool(classes or groups)


PERMISSIONS = [
    Permission(READ, "Read students' health sheets and medical certificates (every read is audited)",
               roles=("director", "nurse", "class_teacher", "parent", "student")),
    Permission(PE_READ, "See the PE group, its period and limits of the students one teaches PE (audited)",
               roles=("teacher",), checks={"teacher": teaches_pe}),
    Permission(WRITE, "Enter health sheets (a class teacher enters them from the nurse's data)",
               roles=("nurse", "class_teacher")),
    Permission(CERT_WRITE, "Enter and remove medical certificates", roles=("nurse", "class_teacher")),
    Permission(IMPORT, "Import the health sheet of a class from a file", roles=("nurse", "class_teacher")),
]
