"""The «Ознакомлен» link of the weekly summary: ``/diary/ack/<token>``.

GET shows what is being confirmed and a button (mail scanners open links: a GET
changes nothing); POST records the acknowledgement with :func:`..acknowledgement.acknowledge`,
as the guardian the signed link names, and uses the link up.
"""
from __future__ import annotations

import datetime as dt

from flask import render_template, request
from flask_babel import gettext as _

from zhurnal.core.db import database
from zhurnal.core.identity.models import User
from zhurnal.core.notify import links
from zhurnal.plugins.roster.models import Student

from ..access import Refused
from ..acknowledgement import acknowledge
from ..summary import PURPOSE
from . import bp


def _target(data: dict):
    user = User.get_or_none((User.id == data.get("u")) & (User.is_active == True))  # noqa: E712
    student = Student.get_or_none(Student.id == data.get("s"))
    try:
        week = dt.date.fromisoformat(str(data.get("w")))
    except ValueError:
        week = None
    return user, student, week


@bp.route("/ack/<token>", methods=["GET", "POST"])
def ack_link(token: str):
    reasons = {"expired": _("This link has expired. Open the diary to acknowledge the week."),
               "invalid": _("This link is not valid."),
               "used": _("This link has already been used.")}
    try:
        data = links.peek(PURPOSE, token)
    except links.LinkError as e:
        return render_template("diary/ack_link.html", error=reasons[e.reason]), 410 if e.reason != "invalid" else 404
    user, student, week = _target(data)
    if user is None or student is None or week is None:
        return render_template("diary/ack_link.html", error=reasons["invalid"]), 404
    if request.method == "GET":
        return render_template("diary/ack_link.html", student=student, week=week, error=None, done=False)
    try:
        with database.atomic():
            links.use(PURPOSE, token)
            _ack, created = acknowledge(user, student, week)
    except links.LinkError as e:
        return render_template("diary/ack_link.html", error=reasons[e.reason]), 410
    except Refused:
        return render_template("diary/ack_link.html", error=_("Only a guardian of this student can acknowledge "
                                                              "the diary.")), 403
    return render_template("diary/ack_link.html", student=student, week=week, error=None, done=True)
