"""``/api/v1/incidents``: reports of compromised credentials for the director, support and admin."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, g
from flask_babel import gettext as _
from marshmallow import Schema, validate
from . import fields

from . import access, incidents
from .api import ApiError, endpoint, not_found
from .identity.models import CompromiseReport

api_bp = Blueprint("incidents_api", __name__, url_prefix="/api/v1")


class AccountOut(Schema):
    id = fields.Int()
    login = fields.Str()
    display_name = fields.Str()
    school_id = fields.Int(allow_none=True)


class NoticeOut(Schema):
    at = fields.DateTime()
    kind = fields.Str()
    recipients = fields.List(fields.Str())
    channels = fields.List(fields.Str())


class IncidentOut(Schema):
    id = fields.Int()
    account = fields.Function(lambda r: AccountOut().dump(r.user))
    reported_at = fields.DateTime()
    reported_by_id = fields.Int(allow_none=True)
    note = fields.Str()
    compromised_since = fields.DateTime(allow_none=True)
    deadline_at = fields.DateTime(allow_none=True)
    state = fields.Function(lambda r: incidents.state(r))
    overdue = fields.Function(lambda r: incidents.state(r) == "overdue")
    overdue_flagged_at = fields.DateTime(allow_none=True)
    notified_at = fields.DateTime(allow_none=True)
    notifications = fields.Function(lambda r: NoticeOut().dump(getattr(r, "notices", []), many=True))
    reverted_at = fields.DateTime(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)


class WriteOut(Schema):
    entry_id = fields.Int(attribute="id")
    at = fields.DateTime()
    action = fields.Str()
    object_type = fields.Str(allow_none=True)
    object_id = fields.Str(allow_none=True)
    data = fields.Function(lambda e: e.payload)


class WindowIn(Schema):
    #: from when the credentials were in other hands (before the report; naive = UTC)
    since = fields.NaiveDateTime(required=True, timezone=dt.timezone.utc)


class ResolveIn(Schema):
    note = fields.Str(load_default="", validate=validate.Length(max=500))


def _with_notices(rows: list) -> list:
    told = incidents.notifications([r.id for r in rows])
    for r in rows:
        r.notices = told.get(r.id, [])
    return rows


def _incident(incident_id: int, perm: str = "core.incidents.read") -> CompromiseReport:
    """The incident if the user may see it (404 otherwise) and hold ``perm`` (403 otherwise)."""
    if not access.can(g.user, "core.incidents.read"):
        raise ApiError(403, "forbidden", _("You are not allowed to do this."))
    report = incidents.visible(g.user).where(CompromiseReport.id == incident_id).first()
    if report is None:
        raise not_found()
    if not access.can(g.user, perm, report.user):
        raise ApiError(403, "forbidden", _("You are not allowed to do this."))
    return report


@endpoint(api_bp, "/incidents", summary="Reports of compromised credentials, newest first, each with its deadline, "
          "who was notified when, and its state", response=IncidentOut, many=True)
def list_incidents():
    if not access.can(g.user, "core.incidents.read"):
        raise ApiError(403, "forbidden", _("You are not allowed to do this."))
    return _with_notices(list(incidents.visible(g.user).limit(500)))


@endpoint(api_bp, "/incidents/<int:incident_id>", summary="One incident: deadline, notifications, state",
          response=IncidentOut)
def get_incident(incident_id):
    return _with_notices([_incident(incident_id)])[0]


@endpoint(api_bp, "/incidents/<int:incident_id>/writes", summary="Every write of the account in the suspect window, "
          "with its audit entry", response=WriteOut, many=True)
def incident_writes(incident_id):
    return incidents.writes(_incident(incident_id))


@endpoint(api_bp, "/incidents/<int:incident_id>/window", ["POST"], body=WindowIn, response=IncidentOut,
          summary="Mark the suspect window before the report: the account's entries from then on are void")
def set_window(incident_id, body):
    report = _incident(incident_id, "core.incidents.manage")
    try:
        incidents.set_window(report, body["since"], by=g.user)
    except incidents.Refused as e:
        raise ApiError(409, "conflict", _(str(e)))
    return _with_notices([report])[0]


@endpoint(api_bp, "/incidents/<int:incident_id>/revert", ["POST"],
          summary="Revert every write of the suspect window (one audited action; each revert is a new change)")
def revert_incident(incident_id):
    report = _incident(incident_id, "core.incidents.manage")
    try:
        results = incidents.revert(report, by=g.user)
    except incidents.Refused as e:
        raise ApiError(409, "conflict", _(str(e)))
    return {"results": results}


@endpoint(api_bp, "/incidents/<int:incident_id>/resolve", ["POST"], body=ResolveIn, response=IncidentOut,
          summary="Close the incident")
def resolve_incident(incident_id, body):
    report = _incident(incident_id, "core.incidents.manage")
    try:
        incidents.resolve(report, by=g.user, note=body["note"])
    except incidents.Refused as e:
        raise ApiError(409, "conflict", _(str(e)))
    return _with_notices([report])[0]
