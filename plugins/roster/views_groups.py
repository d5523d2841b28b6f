"""Roster pages: a class's study groups and one group with its members."""
from __future__ import annotations

import peewee as pw
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from zhurnal.core.fields import bounded_int
from zhurnal.core.ui import login_required

from . import lookup, service
from .blueprints import pages as bp
from .models import GroupMember, SchoolClass, Student, StudyGroup, Subject
from .views import can


def _members_by_group(group_ids: list[int]) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {i: set() for i in group_ids}
    if group_ids:
        for gid, sid in GroupMember.select(GroupMember.group, GroupMember.student).where(
                GroupMember.group.in_(group_ids)).tuples():
            out[gid].add(sid)
    return out


@bp.route("/classes/<id:class_id>/groups", methods=["GET", "POST"])
@login_required
def class_groups(class_id: int):
    cls = lookup.find_class(class_id, "roster.class.read")
    can_write = can("roster.group.write", cls)
    students = service.class_students(cls.id)
    subjects = list(Subject.select().where(Subject.school == cls.school_id).order_by(Subject.name))
    errors, values, status = {}, {}, 200
    if request.method == "POST":
        if not can_write:
            abort(403)
        values = {"name": (request.form.get("name") or "").strip(), "subject_id": request.form.get("subject_id", ""),
                  "student_ids": request.form.getlist("student_ids")}
        ids = {s.id for s in students}
        chosen = sorted({int(x) for x in values["student_ids"] if x.isdigit()})
        subject = next((s for s in subjects if str(s.id) == values["subject_id"]), None)
        if not values["name"]:
            errors["name"] = _("This field is required.")
        elif len(values["name"]) > 100:
            errors["name"] = _("This is too long.")
        if values["subject_id"] and subject is None:
            errors["subject_id"] = _("Choose one of the offered values.")
        if any(i not in ids for i in chosen):
            errors["student_ids"] = _("Choose students of this class.")
        if not errors:
            grp = service.create_group(cls.school_id, cls.year_id, values["name"], "split", subject=subject,
                                       school_class=cls, student_ids=chosen, by=g.user)
            flash(_("The group «%(name)s» is created.", name=grp.name), "ok")
            return redirect(url_for("roster.class_groups", class_id=cls.id))
        status = 422
    class_ids = {s.id for s in students}
    groups = list(StudyGroup.select(StudyGroup, Subject)
                  .join(Subject, pw.JOIN.LEFT_OUTER, on=(StudyGroup.subject == Subject.id))
                  .where((StudyGroup.school_class == cls.id) | StudyGroup.id.in_(
                      GroupMember.select(GroupMember.group).where(GroupMember.student.in_(sorted(class_ids) or [0]))))
                  .order_by(StudyGroup.kind.desc(), StudyGroup.name))
    members = _members_by_group([grp.id for grp in groups])
    return render_template("roster/groups.html", cls=cls, students=students, groups=groups, members=members,
                           subjects=subjects, can_write=can_write, errors=errors, values=values), status


def _eligible(grp: StudyGroup) -> list[Student]:
    """Who may be in the group: the class for a split or individual plan, the parallel for a stream."""
    if grp.school_class_id:
        return service.class_students(grp.school_class_id)
    return list(Student.select(Student, SchoolClass).join(SchoolClass, on=(Student.school_class == SchoolClass.id))
                .where((SchoolClass.year == grp.year_id) & (SchoolClass.parallel == grp.parallel) &
                       Student.left_at.is_null())
                .order_by(SchoolClass.letter, Student.last_name, Student.first_name))


@bp.route("/groups/<id:group_id>", methods=["GET", "POST"])
@login_required
def group(group_id: int):
    grp = lookup.find_group(group_id, "roster.class.read")
    can_write = can("roster.group.write", grp)
    eligible = _eligible(grp)
    subjects = list(Subject.select().where(Subject.school == grp.school_id).order_by(Subject.name))
    errors, stale, status = {}, False, 200
    if request.method == "POST":
        if not can_write:
            abort(403)
        ids = {s.id for s in eligible}
        chosen = sorted({int(x) for x in request.form.getlist("student_ids") if x.isdigit()})
        name = (request.form.get("name") or "").strip()
        subject_id = request.form.get("subject_id", "")
        subject = next((s for s in subjects if str(s.id) == subject_id), None)
        try:
            version = bounded_int(request.form.get("version", ""))
        except ValueError:
            abort(400)
        if not name:
            errors["name"] = _("This field is required.")
        if any(i not in ids for i in chosen):
            errors["student_ids"] = _("Choose students of this class.")
        if grp.kind == "individual" and len(chosen) > 1:
            errors["student_ids"] = _("An individual plan group has one student.")
        if not errors:
            try:
                grp = service.update_group(grp, {"name": name[:100], "subject": subject}, version=version, by=g.user)
                service.set_group_members(grp, chosen, version=grp.version, by=g.user)
            except service.StaleEdit:
                stale, status = True, 409
                grp = StudyGroup.get_by_id(grp.id)
            else:
                flash(_("Saved."), "ok")
                return redirect(url_for("roster.group", group_id=grp.id))
        else:
            status = 422
    members = _members_by_group([grp.id])[grp.id]
    cls = SchoolClass.get_by_id(grp.school_class_id) if grp.school_class_id else None
    return render_template("roster/group.html", grp=grp, cls=cls, eligible=eligible, members=members,
                           subjects=subjects, can_write=can_write, errors=errors, stale=stale), status
