"""The page of one incident: deadline, who was told, the suspect window's writes, revert and resolve."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from . import access, incidents
from .identity.models import CompromiseReport
from .ui import login_required

bp = Blueprint("incidents", __name__, url_prefix="/admin/incidents")


def _incident(incident_id: int, perm: str = "core.incidents.read") -> CompromiseReport:
    if not access.can(g.user, "core.incidents.read"):
        abort(403)
    report = incidents.visible(g.user).where(CompromiseReport.id == incident_id).first()
    if report is None:
        abort(404)
    if not access.can(g.user, perm, report.user):
        abort(403)
    return report


@bp.get("/<int:incident_id>")
@login_required
def incident(incident_id: int):
    report = _incident(incident_id)
    return render_template("core/incident.html", r=report, notices=incidents.notifications([report.id]).get(report.id, []),
                           writes=incidents.writes(report), state=incidents.state(report),
                           can_manage=access.can(g.user, "core.incidents.manage", report.user))


@bp.post("/<int:incident_id>/<any(window,revert,resolve):action>")
@login_required
def act(incident_id: int, action: str):
    report = _incident(incident_id, "core.incidents.manage")
    try:
        if action == "window":
            try:
                since = dt.datetime.fromisoformat(request.form.get("since", ""))
            except ValueError:
                flash(_("Not a valid date and time."), "error")
                return redirect(url_for("incidents.incident", incident_id=incident_id))
            if since.tzinfo is not None:
                since = since.astimezone(dt.timezone.utc).replace(tzinfo=None)
            incidents.set_window(report, since, by=g.user)
        elif action == "revert":
            results = incidents.revert(report, by=g.user)
            done = sum(1 for r in results if r["status"] == "reverted")
            flash(_("Reverted: %(done)d of %(total)d.", done=done, total=len(results)), "ok")
            return redirect(url_for("incidents.incident", incident_id=incident_id))
        else:
            incidents.resolve(report, by=g.user, note=request.form.get("note", ""))
    except incidents.Refused as e:
        flash(_(str(e)), "error")
        return redirect(url_for("incidents.incident", incident_id=incident_id))
    flash(_("Saved."), "ok")
    return redirect(url_for("incidents.incident", incident_id=incident_id))
