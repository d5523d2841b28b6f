"""Consent API under /api/v1 (contract of issue 9).

* ``GET /guardians/<id>/consents`` — a guardian's history, newest first;
* ``POST /guardians/<id>/consents`` ``{"status", "date", "document"}`` → 201;
* ``GET /classes/<id>/consents`` — one row per guardian of the class.

The caller's permission is checked before the body is read, so a caller who
may not register learns nothing from validation errors. Every read is audited.
"""
from __future__ import annotations

from flask import Blueprint, g
from flask_babel import gettext as _

from zhurnal.core import access
from zhurnal.core.api import ApiError, endpoint, invalid
from zhurnal.plugins.roster.models import Guardian, SchoolClass

from . import schemas, service
from .permissions import READ, WRITE

bp = Blueprint("consent_api", __name__, url_prefix="/api/v1")


# --- finding what the path names ------------------------------------------------------------------

def _knows_school(school_id: int) -> bool:
    return any(a.scope_type == "deployment" or a.school_id == school_id for a in access.assignments(g.user))


def find_guardian(guardian_id: int, perm: str) -> Guardian:
    """The guardian if ``g.user`` holds ``perm`` on them; 403 if they know the guardian, else 404."""
    gd = Guardian.get_or_none(Guardian.id == guardian_id) if guardian_id <= schemas.MAX_ID else None
    if gd is None:
        raise ApiError(404, "not_found", _("No such guardian."))
    if access.can(g.user, perm, gd):
        return gd
    known = any(access.can(g.user, p, gd) for p in (READ, WRITE, "roster.student.card", "roster.class.read"))
    if known:
        raise ApiError(403, "forbidden", _("You are not allowed to do this."))
    raise ApiError(404, "not_found", _("No such guardian."))


def find_class(class_id: int, perm: str) -> SchoolClass:
    cls = SchoolClass.get_or_none(SchoolClass.id == class_id) if class_id <= schemas.MAX_ID else None
    if cls is None or not _knows_school(cls.school_id):
        raise ApiError(404, "not_found", _("No such class."))
    if not access.can(g.user, perm, cls):
        raise ApiError(403, "forbidden", _("You are not allowed to do this."))
    return cls


def _refused(e: service.Refused) -> ApiError:
    message = _(e.message, **e.params)
    if e.status == 409:
        return ApiError(409, "conflict", message, {e.field: message})
    return invalid({e.field: message})


# --- endpoints --------------------------------------------------------------------------------------

@endpoint(bp, "/guardians/<int:guardian_id>/consents", summary="A guardian's consent history, newest first",
          query=schemas.HistoryArgs, response=schemas.HistoryOut)
def guardian_consents(guardian_id: int, args: dict):
    gd = find_guardian(guardian_id, READ)
    # a class teacher reads the records of the children of their class, the administration all
    visible = {s.id for s in service.linked_students(gd.id) if access.can(g.user, READ, s)}
    q = service.history(gd.id, visible)
    total = q.count()
    rows = list(q.paginate(args["page"], args["per_page"]))
    users = schemas.users_by_id(r.registered_by_id for r in rows)
    children = [s.id for s in service.children_of(gd.id) if s.id in visible]
    latest = service.latest_records(guardian_ids=[gd.id], student_ids=children)
    status = service.summary_status(latest[(gd.id, s)].status if (gd.id, s) in latest else "none" for s in children)
    service.record_read(gd, via="api", school_id=gd.school_id)
    return {"guardian_id": gd.id, "status": status, "items": [schemas.record(r, users) for r in rows],
            "total": total, "page": args["page"], "per_page": args["per_page"]}


@endpoint(bp, "/guardians/<int:guardian_id>/consents", ["POST"], status=201,
          summary="Register a guardian's signed consent, refusal or withdrawal (a new record; nothing is edited)",
          body=schemas.ConsentIn, response=schemas.RegisteredOut)
def register_consent(guardian_id: int, body):
    gd = find_guardian(guardian_id, WRITE)
    data = dict(body)  # validated here, after the permission check
    mine = [s.id for s in service.children_of(gd.id) if access.can(g.user, WRITE, s)]
    if data["student_ids"] is None:
        student_ids = mine
    else:
        student_ids = data["student_ids"]
        all_children = {s.id for s in service.children_of(gd.id)}
        foreign = [i for i in student_ids if i not in all_children]
        if foreign:
            raise invalid({"student_ids": _("Name children of this guardian.")})
        if any(i not in mine for i in student_ids):
            raise ApiError(403, "forbidden", _("You may not register consent for this child."))
    try:
        records = service.register(gd, data["status"], data["date"], data["document"]["number"],
                                   data["document"]["kept_at"], student_ids=student_ids, by=g.user, via="api")
    except service.Refused as e:
        raise _refused(e) from None
    users = {g.user.id: g.user}
    return {"guardian_id": gd.id, "status": data["status"], "student_ids": [r.student_id for r in records],
            "records": [schemas.record(r, users) for r in records]}


@endpoint(bp, "/classes/<int:class_id>/consents",
          summary="Consent of each guardian of a class: one row per guardian with their children in the class",
          query=schemas.ClassArgs, response=schemas.ClassConsentsOut)
def class_consents(class_id: int, args: dict):
    cls = find_class(class_id, READ)
    rows = service.class_overview(cls.id)
    if args["status"] == "paper":
        rows = [r for r in rows if any(c["status"] != "granted" for c in r["children"])]
    elif args["status"]:
        rows = [r for r in rows if r["status"] == args["status"]]
    service.record_read(cls, via="api", school_id=cls.school_id)
    return {"class_id": cls.id, "items": [schemas.class_row(r) for r in rows], "total": len(rows)}
