"""Roster pages: issuing students' and guardians' accounts of a class, and printing their login slips."""
from __future__ import annotations

from flask import current_app, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from zhurnal.core.identity.models import School, User
from zhurnal.core.ui import login_required

from . import lookup, service
from .blueprints import pages as bp
from .models import Guardian, SchoolClass, StudentGuardian
from .views import relation_label


def _class_people(cls: SchoolClass):
    """Students of the class and their guardians (each once), with logins: 3 queries."""
    students = service.class_students(cls.id)
    links = list(StudentGuardian.select(StudentGuardian, Guardian).join(Guardian)
                 .where(StudentGuardian.student.in_([s.id for s in students] or [0])))
    by_student: dict[int, list] = {}
    guardians: dict[int, Guardian] = {}
    for link in links:
        by_student.setdefault(link.student_id, []).append(link)
        guardians[link.guardian_id] = link.guardian
    user_ids = [p.user_id for p in list(students) + list(guardians.values()) if p.user_id]
    users = {u.id: u for u in User.select().where(User.id.in_(user_ids or [0]))}
    return students, by_student, guardians, users


@bp.route("/classes/<id:class_id>/accounts", methods=["GET", "POST"])
@login_required
def accounts(class_id: int):
    cls = lookup.find_class(class_id, "roster.accounts.issue")
    students, by_student, guardians, users = _class_people(cls)
    if request.method == "GET":
        return render_template("roster/accounts.html", cls=cls, students=students, by_student=by_student,
                               users=users, relation_label=relation_label)
    wanted = set(request.form.getlist("person"))
    reissue = request.form.get("reissue") in ("1", "on")
    people = [s for s in students if f"s:{s.id}" in wanted] + \
             [gd for gid, gd in sorted(guardians.items(), key=lambda x: x[1].last_name) if f"g:{gid}" in wanted]
    issued, skipped, stopped = [], [], []
    for person in people:
        if person.user_id and not reissue:
            skipped.append(person)
            continue
        try:
            issued.append(service.issue_account(person, by=g.user))
        except service.AccountStopped:
            stopped.append(person)
    if not issued:
        if skipped:
            flash(_("They already have accounts. Tick «issue new passwords» to replace their passwords."), "error")
        elif stopped:
            flash(_("These accounts are stopped; an administrator must deal with them first."), "error")
        else:
            flash(_("Choose whom to issue accounts for."), "error")
        return redirect(url_for("roster.accounts", class_id=cls.id))
    children: dict[int, list[str]] = {}
    for sid, links in by_student.items():
        name = next((s.short_name for s in students if s.id == sid), "")
        for link in links:
            children.setdefault(link.guardian_id, []).append(name)
    school = School.get_by_id(cls.school_id)
    base = current_app.extensions["zhurnal"].settings.base_url.rstrip("/")
    resp = make_response(render_template("roster/slips.html", cls=cls, issued=issued, skipped=skipped,
                                         stopped=stopped, school=school, login_url=base + url_for("identity.login"),
                                         children=children))
    resp.headers["Cache-Control"] = "no-store"  # the passwords exist only on this page
    return resp
