"""The class teacher's pages: the class's diaries, the acknowledgement control and its
export, and announcements to the families."""
from __future__ import annotations

import datetime as dt

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext

from zhurnal.core import access as core_access, clock
from zhurnal.core.ui import login_required
from zhurnal.plugins.roster import service as roster

from .. import access, acknowledgement, messages as messaging
from ..week import monday_of
from . import bp, week_param


@bp.get("/classes/<id:class_id>")
@login_required
def class_page(class_id: int):
    """The class list with a link to each student's diary (read-only for staff)."""
    cls = access.school_class(class_id)
    students = roster.class_students(cls.id)
    return render_template("diary/class.html", cls=cls, students=students,
                           can_announce=core_access.can(g.user, "diary.announce", cls))


@bp.get("/classes/<id:class_id>/acknowledgements")
@login_required
def control_page(class_id: int):
    cls = access.school_class(class_id)
    monday = week_param()
    data = acknowledgement.class_week(cls, monday)
    return render_template("diary/control.html", d=data, cls=cls, monday=monday, end=monday + dt.timedelta(days=6),
                           this_week=monday_of(clock.today()), delta=dt.timedelta(days=7))


@bp.get("/classes/<id:class_id>/acknowledgements.<fmt>")
@login_required
def control_export(class_id: int, fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    cls = access.school_class(class_id)
    monday = week_param()
    data = acknowledgement.class_week(cls, monday)
    acknowledgement.record_export(g.user, cls, monday, fmt)
    return acknowledgement.export_response(data, fmt)


@bp.route("/classes/<id:class_id>/announce", methods=["GET", "POST"])
@login_required
def announce(class_id: int):
    cls = access.school_class(class_id, "diary.announce")
    recipients = messaging.class_guardian_users(cls.id)
    error = None
    form = {"subject": "", "body": ""}
    if request.method == "POST":
        form = {k: (request.form.get(k) or "").strip() for k in form}
        if not form["subject"] or not form["body"]:
            error = _("Write a subject and a message.")
        elif len(form["subject"]) > 200 or len(form["body"]) > 5000:
            error = _("The text is too long.")
        elif not recipients:
            error = _("No guardian of this class has an account yet.")
        else:
            thread, _msg = messaging.announce(g.user, cls, recipients, subject=form["subject"], body=form["body"])
            flash(ngettext("The announcement was sent to %(num)d guardian.",
                           "The announcement was sent to %(num)d guardians.", len(recipients)), "ok")
            return redirect(url_for("diary.thread", thread_id=thread.id))
    return render_template("diary/announce.html", cls=cls, recipients=len(recipients), error=error, form=form), \
        (422 if error else 200)
