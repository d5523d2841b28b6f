"""The first-run pages: a fresh deployment's admin creates the school, then follows the checklist
(year with periods and holidays, staff, classes, subjects, class lists) to a working school.

Routes live on the roster blueprint (``roster.setup_page``, ``roster.create_school``, ``roster.add_staff``,
and the empty state ``roster/no_school.html``). The school's structure itself is edited on the existing «School» page.
"""
from __future__ import annotations

import re

from flask import abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from zhurnal.core import access
from zhurnal.core.db import database
from zhurnal.core.identity.models import School
from zhurnal.core.ui import login_required

from . import setup
from .blueprints import pages as bp

STAFF_ROLES = ("director", "deputy", "teacher", "nurse")


def may_set_up(user, school) -> bool:
    """Whether ``user`` sets the school up (or, with no school yet, may create one)."""
    if school is None:
        return access.can(user, "core.schools.manage")
    return access.can(user, "roster.school.manage", school)


def no_school_response():
    """What a roster page answers while the deployment has no school: the set-up for those who may
    create one, an empty state naming who can for everyone else (never a 404)."""
    if access.can(g.user, "core.schools.manage"):
        return redirect(url_for("roster.setup_page"))
    return render_template("roster/no_school.html")


def _values(*names: str) -> dict:
    return {k: (request.form.get(k) or "").strip() for k in names}


@bp.get("/setup")
@login_required
def setup_page():
    school = g.get("school")
    if not may_set_up(g.user, school):
        abort(403)
    return _render(school)


def _render(school, *, errors: dict | None = None, form: str = "", values: dict | None = None,
            new_account=None):
    steps = setup.checklist(school, g.user) if school is not None else []
    upcoming = next((s for s in steps if not s.done), None)
    prof = setup.profile(school) if school is not None else None
    return render_template("roster/setup.html", school=school, steps=steps, upcoming=upcoming, profile=prof,
                           errors=errors or {}, form=form, values=values or {}, timezones=setup.RUSSIAN_TIMEZONES,
                           default_tz=setup.DEFAULT_TIMEZONE, staff_roles=STAFF_ROLES, new_account=new_account,
                           may_users=school is not None and access.can(g.user, "core.users.manage", school)
                           ), (422 if errors else 200)


def _school_problems(v: dict) -> dict:
    errors = {}
    if not v["name"]:
        errors["name"] = _("This field is required.")
    elif len(v["name"]) > 300:
        errors["name"] = _("This is too long.")
    if not v["short_name"]:
        errors["short_name"] = _("This field is required.")
    elif len(v["short_name"]) > 100:
        errors["short_name"] = _("This is too long.")
    if len(v["address"]) > 300:
        errors["address"] = _("This is too long.")
    problem = setup.timezone_problem(v["timezone"])
    if problem:
        errors["timezone"] = _(problem)
    return errors


@bp.post("/setup/school")
@login_required
def create_school():
    if not access.can(g.user, "core.schools.manage"):
        abort(403)
    v = _values("name", "short_name", "address", "timezone")
    errors = _school_problems(v)
    if not errors and School.select().where(School.short_name == v["short_name"]).exists():
        errors["short_name"] = _("A school with this name exists already.")
    if errors:
        return _render(g.get("school"), errors=errors, form="school", values=v)
    school = setup.create_school(v["name"], v["short_name"], v["address"], v["timezone"], by=g.user)
    if g.user.school_id is None:
        session["school_id"] = school.id  # deployment staff now work in the new school
    flash(_("The school is created. Next: the school year."), "ok")
    return redirect(url_for("roster.setup_page"))


@bp.post("/setup/profile")
@login_required
def save_profile():
    school = g.get("school")
    if school is None or not access.can(g.user, "roster.school.manage", school):
        abort(403)
    v = _values("name", "short_name", "address", "timezone")
    errors = _school_problems(v)
    if errors:
        return _render(school, errors=errors, form="profile", values=v)
    from . import service
    with database.atomic():
        service.update_school(school, {"name": v["name"], "short_name": v["short_name"]}, by=g.user)
        setup.update_profile(school, v["address"], v["timezone"], by=g.user)
    flash(_("Saved."), "ok")
    return redirect(url_for("roster.setup_page"))


@bp.post("/setup/staff")
@login_required
def add_staff():
    school = g.get("school")
    if school is None or not access.can(g.user, "core.users.manage", school):
        abort(403)
    v = _values("login", "display_name", "role", "email")
    errors = {}
    if not v["display_name"]:
        errors["display_name"] = _("This field is required.")
    elif len(v["display_name"]) > 200:
        errors["display_name"] = _("This is too long.")
    if v["role"] not in STAFF_ROLES:
        errors["role"] = _("Choose one of the offered values.")
    if not errors:
        from zhurnal.core.identity import service as identity
        try:
            with database.atomic():
                user, password = identity.create_user(v["login"], v["display_name"], school=school,
                                                      email=v["email"] or None)
                access.grant(user, v["role"], school=school)
        except ValueError as e:
            errors["login"] = (_("This login is taken.") if "taken" in str(e) else
                               _("Use Latin letters, digits, «.», «_» and «-» only."))
    if errors:
        return _render(school, errors=errors, form="staff", values=v)
    return _render(school, new_account=(user, password))


def parse_class_list(text: str) -> tuple[list[tuple[int, str]], list[str]]:
    """«5А, 5Б; 6 «А»» or «5А 5Б 6А» -> (parsed classes in order, parts that are no class name)."""
    from . import service
    parsed, bad = [], []
    for part in re.split(r"[,;\n]+", text or ""):
        part = part.strip()
        if not part:
            continue
        one = service.parse_class_name(part)
        if one is not None:
            parsed.append(one)
            continue
        for token in part.split():
            one = service.parse_class_name(token)
            (parsed.append(one) if one is not None else bad.append(token))
    return parsed, bad


@bp.post("/setup/classes")
@login_required
def add_classes():
    """Several classes of the current (or newest) school year at once: all of them or none."""
    school = g.get("school")
    if school is None or not access.can(g.user, "roster.school.manage", school):
        abort(403)
    from . import service
    from .models import AcademicYear, SchoolClass
    v = _values("names")
    year = service.current_year(school) or (AcademicYear.select().where(AcademicYear.school == school.id)
                                            .order_by(AcademicYear.start.desc()).first())
    parsed, bad = parse_class_list(v["names"])
    errors = {}
    if year is None:
        errors["names"] = _("Add the school year first.")
    elif bad:
        errors["names"] = _("Not a class name: %(names)s. Write them like 5А, 5Б, 6А.", names=", ".join(bad))
    elif not parsed:
        errors["names"] = _("This field is required.")
    else:
        existing = {(c.parallel, c.letter) for c in SchoolClass.select().where(SchoolClass.year == year.id)}
        twice = sorted({f"{p}{letter}" for p, letter in parsed if (p, letter) in existing or parsed.count((p, letter)) > 1})
        if twice:
            errors["names"] = _("These classes exist already or are named twice: %(names)s.", names=", ".join(twice))
    if errors:
        return _render(school, errors=errors, form="classes", values=v)
    with database.atomic():
        for par, letter in parsed:
            service.create_class(school, year, par, letter, by=g.user)
    flash(_("Classes added: %(names)s.", names=", ".join(f"{p}{letter}" for p, letter in parsed)), "ok")
    return redirect(url_for("roster.setup_page"))
