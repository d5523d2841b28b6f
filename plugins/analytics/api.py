"""Analytics JSON API under /api/v1 (the contract of issue 13).

* ``GET /classes/<id>/report?from=&to=`` — the class figures (a subject teacher: their subjects);
* ``GET /students/<id>/report?from=&to=`` — one student's figures (audited: marks and absences);
* ``POST /reports`` ``{"class_id": n}`` or ``{"school": true}`` with ``from``, ``to`` — 201 with
  the snapshots sent;
* ``GET /reports/<id>`` — a sent report's figures as they were when it was sent.
"""
from __future__ import annotations

from flask import Blueprint, abort, g

from zhurnal.core import access
from zhurnal.core.access import Scope
from zhurnal.core.api import endpoint
from zhurnal.plugins.roster.models import SchoolClass, Student

from . import permissions as P, schemas, service
from .guard import get_or_404
from .models import SentReport

bp = Blueprint("analytics_api", __name__, url_prefix="/api/v1")


def _range(args: dict, school_id: int):
    if args.get("date_from") is None:
        return schemas.default_range(school_id)
    return args["date_from"], args["date_to"]


@endpoint(bp, "/classes/<int:class_id>/report", summary="A class's performance and attendance for a period",
          query=schemas.ReportArgs, response=schemas.ReportFigures)
def class_report(class_id: int, args: dict):
    cls = get_or_404(SchoolClass, class_id)
    only, pupils = P.class_view(g.user, cls)
    a, b = _range(args, cls.school_id)
    out = service.class_report(cls, a, b, only, pupils)
    service.record_class_read(cls, via="analytics_api.class_report", by=g.user)
    return out


@endpoint(bp, "/students/<int:student_id>/report", summary="A student's performance and attendance for a period",
          query=schemas.ReportArgs, response=schemas.ReportFigures)
def student_report(student_id: int, args: dict):
    student = get_or_404(Student, student_id)
    only = P.student_subjects(g.user, student)
    a, b = _range(args, student.school_id)
    out = service.student_report(student, a, b, only)
    service.record_student_read(student, via="analytics_api.student_report", by=g.user)
    return out


def report_out(r: SentReport, with_figures: bool = True) -> dict:
    out = {"id": r.id, "kind": r.kind, "class_id": r.school_class_id, "date_from": r.date_from, "date_to": r.date_to,
           "created_at": r.created_at, "created_by": r.created_by_id, "batch": r.batch,
           "recipients": [{"user_id": d.recipient_id, "delivered_at": d.delivered_at, "opened_at": d.opened_at}
                          for d in service.deliveries(r.id)]}
    if with_figures:
        out["figures"] = service.figures(r)
    return out


@endpoint(bp, "/reports", ["POST"], summary="Generate a class's or the whole school's report and send it",
          body=schemas.SendReport, response=schemas.SentReportsOut, status=201)
def send_report(body):
    school = g.get("school")
    if school is None or not access.can(g.user, P.SEND, Scope.of(school.id)):
        abort(403)
    if body.get("school"):
        sent = service.send_school(g.school.id, body["date_from"], body["date_to"], by=g.user)
    else:
        cls = get_or_404(SchoolClass, body["class_id"])
        if not access.can(g.user, P.SEND, cls):
            P.deny(g.user, cls)
        sent = service.send_class(cls, body["date_from"], body["date_to"], by=g.user)
    return {"reports": [report_out(r) for r in sent]}, 201


@endpoint(bp, "/reports/<int:report_id>", summary="A sent report: its figures as they were when it was sent",
          response=schemas.SentReportOut)
def sent_report(report_id: int):
    r = get_or_404(SentReport, report_id)
    if not access.can(g.user, P.RECEIVED_READ, r):
        abort(404)
    service.mark_opened(r, g.user)
    return report_out(r)
