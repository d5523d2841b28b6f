"""Health sheet JSON API under /api/v1.

Every read of health data here is audited (``health_sheet.read`` with the
endpoint as ``via``). Writes are authorized before the body is validated, so a
caller who may not write learns nothing from validation errors.
"""
from __future__ import annotations

from flask import Blueprint, abort, g, request
from flask_babel import gettext as _
from zhurnal.core import fields

from zhurnal.core.api import ApiError, PageArgs, conflict, endpoint, invalid, stale_state
from zhurnal.core.i18n import N_
from zhurnal.plugins.roster.models import SchoolClass, Student

from . import reading, schemas, service
from .models import MedicalCertificate
from .permissions import CERT_WRITE, IMPORT, WRITE

bp = Blueprint("health_sheet_api", __name__, url_prefix="/api/v1")
service.audit_refusals(bp)


# --- authorization ----------------------------------------------------------------------------

def writable_student(student_id: int, perm: str) -> Student:
    """The student if ``g.user`` may ``perm`` on them; else 403 (they may read it) or 403/404."""
    return reading.writable(g.user, Student, student_id, perm)


def writable_certificate(certificate_id: int) -> MedicalCertificate:
    cert = MedicalCertificate.get_or_none(MedicalCertificate.id == certificate_id)
    if cert is None:
        abort(404)
    writable_student(cert.student_id, CERT_WRITE)
    return cert


def importable_class(class_id: int) -> SchoolClass:
    return reading.writable(g.user, SchoolClass, class_id, IMPORT)


#: endpoint -> authorization run before the body is loaded
_FIRST = {
    "health_sheet_api.save_health": lambda student_id: writable_student(student_id, WRITE),
    "health_sheet_api.add_certificate": lambda student_id: writable_student(student_id, CERT_WRITE),
    "health_sheet_api.remove_certificate": lambda certificate_id: writable_certificate(certificate_id),
    "health_sheet_api.import_class_health": lambda class_id: importable_class(class_id),
}


@bp.before_request
def _authorize_first():
    user = g.get("user")
    if user is None or user.must_change_password:
        return  # the endpoint answers 401 / 403 password_change_required itself
    check = _FIRST.get(request.endpoint)
    if check is not None:
        check(**(request.view_args or {}))


def _audit_read(students, view, school_id, obj=None):
    service.record_read([getattr(s, "id", s) for s in students], via=request.endpoint, view=view,
                        school_id=school_id, obj=obj)


# --- a student's sheet -------------------------------------------------------------------------------

@endpoint(bp, "/students/<id:student_id>/health", summary="A student's health sheet (a PE teacher gets the PE part only)",
          response=schemas.HealthSheetOut)
def student_health(student_id: int):
    student, view = reading.student_for(g.user, student_id)
    out = reading.student_sheet(student, view)
    _audit_read([student], view, student.school_id)
    return out


@endpoint(bp, "/students/<id:student_id>/health", ["PUT"], summary="Replace a student's health sheet (with the version read)",
          body=schemas.HealthSheetIn, response=schemas.HealthSheetOut)
def save_health(student_id: int, body: dict):
    student = writable_student(student_id, WRITE)
    version = body.pop("version")
    rec, _changed = service.save_sheet(student, body, version=version, by=g.user, via="api")  # stale: 409
    return schemas.sheet(student, rec, "full")


@stale_state(bp, message=N_("The health sheet was changed by someone else; here is the current one."))
def _stale_sheet(now: service.CurrentSheet) -> dict:
    """The current sheet a stale edit is answered with (409), in full: showing it is an audited read."""
    current = schemas.HealthSheetOut().dump(schemas.sheet(now.student, now.record, "full"))
    _audit_read([now.student], "full", now.student.school_id)
    return current


@endpoint(bp, "/students/<id:student_id>/health/history", summary="Every version of a student's health sheet, newest first",
          query=PageArgs, response=schemas.HealthHistoryOut)
def health_history(student_id: int, args: dict):
    student, view = reading.student_for(g.user, student_id)
    if view != "full":
        abort(403)
    q = service.history(student.id)
    total = q.count()
    # one row more than the page: the version before the page's last tells what that one changed
    rows = list(q.offset((args["page"] - 1) * args["per_page"]).limit(args["per_page"] + 1))
    users = schemas.users_by_id(v.entered_by_id for v in rows)
    items = [schemas.version(v, rows[i + 1] if i + 1 < len(rows) else None, users)
             for i, v in enumerate(rows[:args["per_page"]])]
    _audit_read([student], view, student.school_id)
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}


# --- certificates -----------------------------------------------------------------------------------

class MedicalCertificateArgs(PageArgs):
    include_removed = fields.Bool(load_default=False)


@endpoint(bp, "/students/<id:student_id>/medical-certificates", summary="A student's medical certificates",
          query=MedicalCertificateArgs, response=schemas.MedicalCertificateList)
def list_certificates(student_id: int, args: dict):
    student, view = reading.student_for(g.user, student_id)
    if view != "full":
        abort(403)
    q = service.certificates(student.id, include_removed=args["include_removed"])
    total = q.count()
    rows = list(q.paginate(args["page"], args["per_page"]))
    users = schemas.users_by_id([c.created_by_id for c in rows] + [c.removed_by_id for c in rows])
    _audit_read([student], view, student.school_id)
    return {"items": [schemas.certificate(c, users) for c in rows], "total": total,
            "page": args["page"], "per_page": args["per_page"]}


@endpoint(bp, "/students/<id:student_id>/medical-certificates", ["POST"], summary="Add a medical certificate",
          body=schemas.MedicalCertificateIn, response=schemas.MedicalCertificateOut, status=201)
def add_certificate(student_id: int, body: dict):
    student = writable_student(student_id, CERT_WRITE)
    dupe = (MedicalCertificate.select().where(
        (MedicalCertificate.student == student.id) & MedicalCertificate.removed_at.is_null() &
        (MedicalCertificate.date_from == body["date_from"]) & (MedicalCertificate.date_to == body["date_to"]) &
        (MedicalCertificate.number == (body.get("number") or "").strip())).first())
    if dupe is not None:
        raise conflict(_("This certificate is already recorded."), certificate_id=dupe.id)
    cert = service.add_certificate(student, body, by=g.user, via="api")
    return schemas.certificate(cert, schemas.users_by_id([cert.created_by_id]))


@endpoint(bp, "/medical-certificates/<id:certificate_id>", ["DELETE"],
          summary="Remove a medical certificate (kept as removed; the journal restores the absences)",
          response=schemas.MedicalCertificateOut)
def remove_certificate(certificate_id: int):
    cert = writable_certificate(certificate_id)
    try:
        cert = service.remove_certificate(cert, by=g.user, via="api")
    except service.AlreadyRemoved:
        raise conflict(_("The certificate was already removed.")) from None
    return schemas.certificate(cert, schemas.users_by_id([cert.created_by_id, cert.removed_by_id]))


# --- a class ---------------------------------------------------------------------------------------

@endpoint(bp, "/classes/<id:class_id>/health", summary="The health sheet of a class (a PE teacher gets the PE part of their students)",
          response=schemas.ClassHealthOut)
def class_health(class_id: int):
    cls, view = reading.class_for(g.user, class_id)
    out = reading.class_table(g.user, cls, view)
    _audit_read([r["student_id"] for r in out["rows"]], view, cls.school_id, obj=cls)
    return out


@endpoint(bp, "/classes/<id:class_id>/health/import", ["POST"],
          summary="Import the health sheet of a class from XLSX/CSV (multipart: file; dry_run=1 in the query "
                  "or the form only checks). All rows or nothing: a file with errors is 422 invalid_file "
                  "with every error by row and column")
def import_class_health(class_id: int):
    from .importer import import_health
    cls = importable_class(class_id)
    f = request.files.get("file")
    if f is None or not f.filename:
        raise invalid({"file": _("Send an .xlsx or .csv file as the multipart field 'file'.")})
    flag = request.args.get("dry_run") or request.form.get("dry_run") or ""
    dry = flag.lower() in ("1", "true", "yes", "on")
    report = import_health(f.stream, f.filename, cls.school_id, g.user, dry, school_class=cls)
    if not report.ok:
        # the kernel's error shape, like the roster's class list import, with the whole report
        raise ApiError(422, "invalid_file", report.summary(), {"file": report.summary()}, **report.to_dict())
    return report.to_dict()
