"""Paper export's API: a student's extract as PDF."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, current_app, g
from marshmallow import Schema

from zhurnal.core import fields
from zhurnal.core.access import can
from zhurnal.core.api import endpoint, invalid, not_found
from zhurnal.plugins.roster.models import Student

from . import service
from .permissions import CLASS, EXTRACT

bp = Blueprint("paper_export_api", __name__, url_prefix="/api/v1")

MAX_ID = 2 ** 63 - 1


class ExtractArgs(Schema):
    date_from = fields.Date(data_key="from", required=True)
    date_to = fields.Date(data_key="to", required=True)
    homework = fields.Bool(load_default=False)
    tear_off = fields.Bool(load_default=False)


def pdf_response(body: bytes, filename: str):
    resp = current_app.response_class(body, mimetype="application/pdf")
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    resp.headers["Content-Disposition"] = f"attachment; filename={ascii_name}; filename*=UTF-8''{quote(filename)}"
    resp.headers["Cache-Control"] = "no-store"
    return resp


def readable_student(student_id: int, via: str) -> Student:
    """The student if ``g.user`` may have their extract; else 404, and the attempt is audited."""
    st = Student.get_or_none(Student.id == student_id) if 0 < student_id <= MAX_ID else None
    if st is None or not can(g.user, EXTRACT, st):
        service.record_refused(g.user, student_id if student_id <= MAX_ID else None, via=via)
        raise not_found()
    return st


@endpoint(bp, "/students/<int:student_id>/extract.pdf", summary="A student's journal extract for the dates, as PDF "
          "(recorded in the handover register and the audit)", query=ExtractArgs)
def student_extract(student_id, args):
    st = readable_student(student_id, "api")
    try:
        date_from, date_to = service.check_dates(args["date_from"], args["date_to"])
    except service.Invalid as e:
        raise invalid(e.fields)
    # a family's own download is audited but is no paper copy for the class teacher to hand over
    via = "api" if can(g.user, CLASS, st) else "family"
    body = service.extract_pdf(st, date_from, date_to, by=g.user, via=via, with_homework=args["homework"],
                               tear_off=args["tear_off"])
    return pdf_response(body, f"{st.last_name}-{date_from.isoformat()}-{date_to.isoformat()}.pdf")
