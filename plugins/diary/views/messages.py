"""Message pages: my conversations, a new message about a student, one conversation."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from zhurnal.core.fields import bounded_int
from zhurnal.core.ui import login_required
from zhurnal.plugins.roster.models import Student

from .. import access, messages as messaging
from ..access import kids_of
from ..messages import students_of_staff
from . import bp


@bp.get("/messages")
@login_required
def messages():
    access.require("diary.message.read")
    page = max(1, request.args.get("page", 1, type=bounded_int))
    rows, total = messaging.threads_of(g.user.id, page, 20)
    return render_template("diary/messages.html", rows=rows, total=total, page=page, per_page=20,
                           students=_writable_students())


def _writable_students() -> list:
    """Students the user can start a conversation about: a family's children; for staff the
    pupils of the classes they lead and the pupils they teach (a whole class, or their groups' members)."""
    kids = kids_of(g.user)
    if kids:
        return kids
    return students_of_staff(g.user)


@bp.route("/messages/new", methods=["GET", "POST"])
@login_required
def new_message():
    access.require("diary.message.read")
    sid = request.values.get("student_id", type=bounded_int)
    if sid is None:
        abort(404)
    st = access.student(sid, "diary.message.send")
    side, people = messaging.allowed_recipients(g.user, st)
    form = {"subject": "", "body": "", "recipients": [str(u) for u in messaging.default_recipients(side, people)]}
    error = None
    if request.method == "POST":
        form = {"subject": (request.form.get("subject") or "").strip(), "body": (request.form.get("body") or "").strip(),
                "recipients": request.form.getlist("recipients")}
        try:
            wanted = [int(x) for x in form["recipients"]]
        except ValueError:
            abort(400)
        if not form["subject"] or not form["body"]:
            error = _("Write a subject and a message.")
        elif len(form["subject"]) > 200 or len(form["body"]) > 5000:
            error = _("The text is too long.")
        elif not wanted:
            error = _("Choose at least one recipient.")
        elif any(u not in people for u in wanted):
            abort(403)
        else:
            thread, _msg = messaging.start_thread(g.user, st, side=side, recipient_ids=wanted,
                                                subject=form["subject"], body=form["body"])
            flash(_("Message sent."), "ok")
            return redirect(url_for("diary.thread", thread_id=thread.id))
    return render_template("diary/new_message.html", st=st, side=side, people=people, form=form, error=error), \
        (422 if error else 200)


@bp.route("/messages/<id:thread_id>", methods=["GET", "POST"])
@login_required
def thread(thread_id: int):
    th, member = access.thread(thread_id)
    error = None
    if request.method == "POST":
        body = (request.form.get("body") or "").strip()
        if not body or len(body) > 5000:
            error = _("Write a message (at most 5000 characters).")
        else:
            try:
                messaging.reply(g.user, th, member, body)
            except access.Refused:
                abort(403)
            return redirect(url_for("diary.thread", thread_id=th.id) + "#last")
    msgs = messaging.thread_messages(th)
    if msgs:
        messaging.mark_read(g.user, th, member, msgs[-1]["id"])
    student = Student.get_or_none(Student.id == th.student_id) if th.student_id else None
    return render_template("diary/thread.html", th=th, member=member, msgs=msgs, student=student,
                           members=messaging.thread_members(th, member),
                           can_reply=th.kind == "direct" or member.side == "staff", error=error), \
        (422 if error else 200)
