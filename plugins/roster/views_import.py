"""Roster pages: the class-list import (its form and preview: :mod:`.import_views`) and the export."""
from __future__ import annotations

from flask import abort, g, make_response
from zhurnal.core.identity.models import School
from zhurnal.core.ui import login_required

from . import lookup, service
from .blueprints import pages as bp
from .views import can, user_school


@bp.route("/import", methods=["GET", "POST"], defaults={"class_id": None})
@bp.route("/classes/<id:class_id>/import", methods=["GET", "POST"])
@login_required
def import_page(class_id: int | None):
    if class_id is None:
        school = user_school()
        cls = None
        if not can("roster.import", school):
            abort(403)
    else:
        cls = lookup.find_class(class_id, "roster.import")
        school = School.get_by_id(cls.school_id)
    from .import_views import import_post
    return import_post(school, cls)


@bp.get("/export.<any(csv,xlsx):fmt>", defaults={"class_id": None})
@bp.get("/classes/<id:class_id>/export.<any(csv,xlsx):fmt>")
@login_required
def export(class_id: int | None, fmt: str):
    from .importer import export_bytes
    if class_id is None:
        school = user_school()
        if not can("roster.import", school):
            abort(403)
        classes, name = service.classes(school), "all"
    else:
        cls = lookup.find_class(class_id, "roster.import")
        school, classes, name = School.get_by_id(cls.school_id), [cls], cls.name
    payload, rows = export_bytes(school, classes, fmt)
    service.record_export(school, [c.id for c in classes], rows, fmt, by=g.user)
    resp = make_response(payload)
    resp.headers["Content-Type"] = ("text/csv; charset=utf-8" if fmt == "csv" else
                                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    from urllib.parse import quote
    resp.headers["Content-Disposition"] = f"attachment; filename=students.{fmt}; filename*=UTF-8''{quote(f'students-{name}.{fmt}')}"
    resp.headers["Cache-Control"] = "no-store"
    return resp
