"""Journal pages: closing and reopening reporting periods.
"""
from __future__ import annotations


from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from zhurnal.core import access, clock
from zhurnal.core.fields import bounded_int
from zhurnal.core.ui import login_required
from zhurnal.plugins.roster import service as roster
from zhurnal.plugins.roster.models import Period

from . import service
from .views_common import _or_404, _school_id, bp


@bp.route("/periods", methods=["GET", "POST"])
@login_required
def periods():
    if g.get("school") is None or not access.can(g.user, "journal.period.close", g.school):
        abort(403)
    if request.method == "POST":
        try:
            period = _or_404(Period, request.form.get("period_id", 0, type=bounded_int))
        except ValueError:
            abort(400)
        if request.form.get("action") == "close":
            service.close_period(period, by=g.user)
            flash(_("The period is closed."), "ok")
        else:
            service.reopen_period(period, by=g.user)
            flash(_("The period is open again."), "ok")
        return redirect(url_for("journal.periods"))
    year = roster.current_year(_school_id(), clock.today())
    return render_template("journal/periods.html", year=year, periods=roster.periods(year) if year else [])
