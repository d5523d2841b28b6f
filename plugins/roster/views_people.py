"""Roster pages: the student card, adding and editing a student, a student's guardians, editing a guardian."""
from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import EXCLUDE, ValidationError

from zhurnal.core.fields import bounded_int
from zhurnal.core.ui import Widget, login_required

from . import lookup, service
from .blueprints import pages as bp
from .inputs import GuardianIn, GuardianPatch, StudentIn, StudentPatch, form_errors
from .models import GENDERS, RELATIONS, Guardian, SchoolClass, Student
from .views import can, gender_label, posted_form, relation_label

STUDENT_FORM = ("last_name", "first_name", "middle_name", "birth_date", "gender", "address", "phone", "email",
                "snils")
GUARDIAN_FORM = ("last_name", "first_name", "middle_name", "phone", "email")


def _year_classes(school, perm: str | None = None) -> list[SchoolClass]:
    classes = service.classes(school)
    return [c for c in classes if perm is None or can(perm, c)]


def _card_sections(student: Student) -> list[Widget]:
    ext = current_app.extensions["zhurnal"]
    results = ext.plugins.hook_for(ext.school_by_id(student.school_id)).zhurnal_student_card_sections(
        student=student, user=g.user)
    return sorted((w for r in results for w in (r or [])), key=lambda w: (w.priority, w.title))


@bp.get("/students/<id:student_id>")
@login_required
def card(student_id: int):
    st = lookup.find_student(student_id, "roster.student.card")
    data = service.student_card(st)
    sections = _card_sections(st)
    service.record_read(st, via="web", by=g.user)
    return render_template("roster/card.html", st=st, card=data, sections=sections,
                           can_write=can("roster.student.write", st), can_guardians=can("roster.guardian.write", st),
                           relation_label=relation_label, gender_label=gender_label)


@bp.route("/classes/<id:class_id>/students/new", methods=["GET", "POST"])
@login_required
def add_student(class_id: int):
    cls = lookup.find_class(class_id, "roster.student.write")
    errors, values = {}, {}
    if request.method == "POST":
        values = posted_form(STUDENT_FORM, checkboxes=("individual_plan",))
        try:
            data = StudentIn().load(dict(values, class_id=cls.id), unknown=EXCLUDE)
        except ValidationError as e:
            errors = form_errors(e)
        else:
            data.pop("class_id")
            st = service.create_student(cls.school_id, cls, data, by=g.user)
            flash(_("%(name)s is added to class %(cls)s.", name=st.full_name, cls=cls.name), "ok")
            if request.form.get("next") == "guardians":
                return redirect(url_for("roster.student_guardians", student_id=st.id))
            return redirect(url_for("roster.class_list", class_id=cls.id))
    return render_template("roster/student_form.html", cls=cls, st=None, values=values, errors=errors,
                           genders=GENDERS, gender_label=gender_label, classes=[], stale=None), (422 if errors else 200)


@bp.route("/students/<id:student_id>/edit", methods=["GET", "POST"])
@login_required
def edit_student(student_id: int):
    st = lookup.find_student(student_id, "roster.student.write")
    cls = st.school_class if st.school_class_id else None
    movable = [c for c in _year_classes(st.school_id, "roster.student.write")]
    if cls is not None and all(c.id != cls.id for c in movable):
        movable.insert(0, cls)
    errors, values, stale, status = {}, {}, None, 200
    if request.method == "POST":
        values = posted_form(STUDENT_FORM + ("version", "class_id", "left_at"), checkboxes=("individual_plan",))
        try:
            body = StudentPatch().load(values, unknown=EXCLUDE)
        except ValidationError as e:
            errors, status = form_errors(e), 422
        else:
            changes = {k: v for k, v in body.items() if k not in ("version", "class_id")}
            if body.get("class_id") and body["class_id"] != st.school_class_id:
                target = next((c for c in movable if c.id == body["class_id"]), None)
                if target is None:
                    abort(403)
                changes["school_class"] = target
            try:
                service.update_student(st, changes, version=body["version"], by=g.user)
            except service.StaleEdit as e:
                # show the current data, keep the user's input beside it, and take the new version
                stale, status = values, 409
                st = lookup.find_student(e.current.id, "roster.student.write")
                values = {}
            else:
                flash(_("Saved."), "ok")
                return redirect(url_for("roster.card", student_id=st.id))
    return render_template("roster/student_form.html", cls=cls, st=st, values=values, errors=errors,
                           genders=GENDERS, gender_label=gender_label, classes=movable, stale=stale), status


# --- guardians ------------------------------------------------------------------------------------------

@bp.route("/students/<id:student_id>/guardians", methods=["GET", "POST"])
@login_required
def student_guardians(student_id: int):
    st = lookup.find_student(student_id, "roster.guardian.write")
    errors, values, status = {}, {}, 200
    if request.method == "POST":
        action = request.form.get("action")
        if action == "create":
            values = posted_form(GUARDIAN_FORM + ("relation",))
            try:
                data = GuardianIn().load(values, unknown=EXCLUDE)
            except ValidationError as e:
                errors, status = form_errors(e), 422
            else:
                gd = service.create_guardian(st.school_id, {k: data[k] for k in GUARDIAN_FORM}, student=st,
                                             relation=data["relation"], by=g.user)
                flash(_("%(name)s is added.", name=gd.full_name), "ok")
                return redirect(url_for("roster.student_guardians", student_id=st.id))
        elif action in ("link", "unlink", "relation"):
            try:
                gid = bounded_int(request.form.get("guardian_id", ""))
            except ValueError:
                abort(400)
            gd = lookup.find_guardian(gid, "roster.school.read")
            if gd.school_id != st.school_id:
                abort(404)
            relation = request.form.get("relation", "guardian")
            if relation not in RELATIONS:
                abort(400)
            if action == "unlink":
                service.unlink_guardian(st, gd, by=g.user)
            else:
                service.link_guardian(st, gd, relation, by=g.user)
            flash(_("Saved."), "ok")
            return redirect(url_for("roster.student_guardians", student_id=st.id))
        else:
            abort(400)
    card = service.student_card(st)
    q = (request.args.get("q") or "").strip()
    found = []
    if q:
        cond = lookup.guardian_filter()
        if cond is not None:
            linked = [gd["id"] for gd in card["guardians"]]
            found = list(Guardian.select().where(cond & (Guardian.school == st.school_id) &
                                                 lookup.name_search(q, Guardian) & Guardian.id.not_in(linked or [0]))
                         .order_by(Guardian.last_name, Guardian.first_name).limit(20))
            kids = service.children_of_guardians(gd.id for gd in found)
            for gd in found:
                gd.children = kids.get(gd.id, [])
    return render_template("roster/guardians.html", st=st, card=card, values=values, errors=errors, q=q,
                           found=found, relations=RELATIONS, relation_label=relation_label), status


@bp.route("/guardians/<id:guardian_id>/edit", methods=["GET", "POST"])
@login_required
def edit_guardian(guardian_id: int):
    gd = lookup.find_guardian(guardian_id, "roster.guardian.write")
    errors, values, stale, status = {}, {}, None, 200
    if request.method == "POST":
        values = posted_form(GUARDIAN_FORM + ("version",))
        try:
            body = GuardianPatch().load(values, unknown=EXCLUDE)
        except ValidationError as e:
            errors, status = form_errors(e), 422
        else:
            try:
                service.update_guardian(gd, {k: v for k, v in body.items() if k != "version"},
                                        version=body["version"], by=g.user)
            except service.StaleEdit as e:
                stale, status, gd, values = values, 409, e.current, {}
            else:
                flash(_("Saved."), "ok")
                back = request.args.get("student")
                if back and back.isdigit():
                    return redirect(url_for("roster.student_guardians", student_id=int(back)))
                return redirect(url_for("roster.edit_guardian", guardian_id=gd.id))
    kids = service.children_of_guardians([gd.id])[gd.id]
    return render_template("roster/guardian_form.html", gd=gd, kids=kids, values=values, errors=errors,
                           stale=stale, relation_label=relation_label), status
