"""A guardian's notification log (sent, waiting, failed and why), for the class teacher and the administrator.

``GET /api/v1/guardians/<id>/deliveries`` and the page ``/roster/guardians/<id>/deliveries``:
whoever may edit the guardian (``roster.guardian.write``: the class teacher, deputy and administrator).
"""
from __future__ import annotations

from flask import g, render_template
from flask_login import login_required

from zhurnal.core.api import PageArgs, endpoint, load_args, paginate
from zhurnal.core.notify.views import DeliveryOut, deliveries_of

from . import lookup, service
from .blueprints import api as api_bp, pages as views_bp


def _log_query(gd):
    return deliveries_of(gd.user_id if gd.user_id is not None else -1)


@endpoint(api_bp, "/guardians/<int:guardian_id>/deliveries", query=PageArgs,
          summary="A guardian's notification log: sent, waiting, failed and why (paged)")
def guardian_deliveries(guardian_id, args):
    gd = lookup.find_guardian(guardian_id, "roster.guardian.write")
    service.record_read(gd, via="api:deliveries", by=g.user)
    return paginate(_log_query(gd), DeliveryOut(), args=args)


@views_bp.get("/guardians/<int:guardian_id>/deliveries")
@login_required
def guardian_deliveries_page(guardian_id: int):
    gd = lookup.find_guardian(guardian_id, "roster.guardian.write")
    service.record_read(gd, via="page:deliveries", by=g.user)
    args = load_args(PageArgs)
    q = _log_query(gd)
    total = q.count()
    return render_template("roster/guardian_deliveries.html", guardian=gd, total=total, page=args["page"],
                           per_page=args["per_page"], rows=list(q.paginate(args["page"], args["per_page"])),
                           viewer=g.user)
