"""What a user may read of health data, shared by the API, the pages and the card section.

Denials follow the kernel's rule: 403 when the user may know the student or
class exists (they see class lists or the card), 404 otherwise. The callers
audit every read with :func:`zhurnal.plugins.health_sheet.service.record_read`.
"""
from __future__ import annotations

from flask import abort

from zhurnal.core import access
from zhurnal.core.clock import today
from zhurnal.plugins.roster import service as roster
from zhurnal.plugins.roster.models import SchoolClass, Student

from . import schemas, service
from .models import HEALTH_GROUPS, PE_GROUPS
from .permissions import knows, pe_student_ids, view_for


def deny(user, obj):
    abort(403 if knows(user, obj) else 404)


def _get_or_404(model, ident: int):
    obj = model.get_or_none(model.id == ident)
    if obj is None:
        abort(404)
    return obj


def _readable(user, obj) -> tuple:
    view = view_for(user, obj)
    if view is None:
        deny(user, obj)
    return obj, view


def student_for(user, student_id: int) -> tuple[Student, str]:
    """The student and the view ("full" or "pe") ``user`` has of their health data, or abort."""
    return _readable(user, _get_or_404(Student, student_id))


def class_for(user, class_id: int) -> tuple[SchoolClass, str]:
    """The class and the view ``user`` has of its health sheet, or abort."""
    return _readable(user, _get_or_404(SchoolClass, class_id))


def writable(user, model, ident: int, perm: str):
    """The student or class ``ident`` if ``user`` may ``perm`` on it; else 404, or 403 when they
    may read its health data (or otherwise know it exists)."""
    obj = _get_or_404(model, ident)
    if not access.can(user, perm, obj):
        if view_for(user, obj) is not None:
            abort(403)
        deny(user, obj)
    return obj


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
