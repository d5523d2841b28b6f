"""What a user may read of health data, shared by the API, the pages and the card section.

Denials follow the kernel's rule: 403 when the user may know the student or
class exists (they see class lists or the card), 404 otherwise. The callers
audit every read with :func:`plugins.health_sheet.service.record_read`.
"""
from __future__ import annotations

from flask import abort

from core.clock import today
from plugins.roster import service as roster
from plugins.roster.models import SchoolClass, Student

from . import schemas, service
from .models import HEALTH_GROUPS, PE_GROUPS
from .permissions import knows, pe_student_ids, view_for


def deny(user, obj):
    abort(403 if knows(user, obj) else 404)


def student_for(user, student_id: int) -> tuple[Student, str]:
    """The student and the view ("full" or "pe") ``user`` has of their health data, or abort."""
    student = Student.get_or_none(Student.id == student_id)
    if student is None:
        abort(404)
    view = view_for(user, student)
    if view is None:
        deny(user, student)
    return student, view


def class_for(user, class_id: int) -> tuple[SchoolClass, str]:
    cls = SchoolClass.get_or_none(SchoolClass.id == class_id)
    if cls is None:
        abort(404)
    view = view_for(user, cls)
    if view is None:
        deny(user, cls)
    return cls, view


def student_sheet(student: Student, view: str) -> dict:
    rec = service.sheet_of(student.id)
    cert = service.certificates_covering([student.id], today()).get(student.id) if view == "full" else None
    return schemas.sheet(student, rec, view, cert=cert)


def class_table(user, cls: SchoolClass, view: str) -> dict:
    """The health sheet of a class: one row per current student (for a PE teacher: the students
    they teach PE, PE fields only). A constant number of queries whatever the class size."""
    students = roster.class_students(cls.id)
    if view == "pe":
        only = pe_student_ids(user, cls.id)
        if only is not None:
            students = [s for s in students if s.id in only]
    ids = [s.id for s in students]
    recs = service.sheets_of(ids)
    day = today()
    certs = service.certificates_covering(ids, day) if view == "full" else {}
    users = schemas.users_by_id(r.entered_by_id for r in recs.values()) if view == "full" else {}
    rows = [schemas.sheet(s, recs.get(s.id), view, users=users, cert=certs.get(s.id), day=day, school_class=cls)
            for s in students]
    pe_counts = {g: 0 for g in PE_GROUPS + ("none",)}
    for r in rows:
        pe_counts[r["pe_group"] or "none"] += 1
    summary = {"students": len(rows), "pe_groups": pe_counts}
    if view == "full":
        hg = {str(g): 0 for g in HEALTH_GROUPS}
        hg["none"] = 0
        for r in rows:
            hg[str(r["health_group"]) if r["health_group"] else "none"] += 1
        summary["health_groups"] = hg
        summary["certificates_today"] = len(certs)
    return {"class_id": cls.id, "class_name": cls.name, "view": view, "date": day, "rows": rows,
            "summary": summary}
