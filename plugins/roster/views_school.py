"""Roster pages: the school's structure — school years with periods and holidays, subjects, classes and
their class teachers, who teaches what."""
from __future__ import annotations

import peewee as pw
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import EXCLUDE, ValidationError

from zhurnal.core.fields import bounded_int
from zhurnal.core.identity.models import School, User
from zhurnal.core.ui import login_required

from . import lookup, service
from .blueprints import pages as bp
from .inputs import ClassIn, HolidayIn, SubjectIn, YearIn, form_errors
from .models import PERIOD_KINDS, AcademicYear, SchoolClass, StudyGroup, Subject, TeachingAssignment
from .views import can, period_kind_label, user_school


def _school_page(school: School, year_id: int | None = None, *, errors: dict | None = None,
                 form: str = "", values: dict | None = None):
    """The school's structure; ``errors`` and ``values`` refill the form named ``form`` (422)."""
    years = list(AcademicYear.select().where(AcademicYear.school == school.id).order_by(AcademicYear.start.desc()))
    year = service.current_year(school)
    year = next((y for y in years if y.id == year_id), year)
    periods = service.periods(year) if year else []
    holidays = service.holidays(year) if year else []
    subjects = list(Subject.select().where(Subject.school == school.id).order_by(Subject.name))
    classes = list(SchoolClass.select(SchoolClass, User)
                   .join(User, pw.JOIN.LEFT_OUTER, on=(SchoolClass.class_teacher == User.id))
                   .where((SchoolClass.school == school.id) & (SchoolClass.year == (year.id if year else 0)))
                   .order_by(SchoolClass.parallel, SchoolClass.letter))
    counts = service.student_counts(c.id for c in classes)
    groups = list(StudyGroup.select().where((StudyGroup.school == school.id) &
                                            (StudyGroup.year == (year.id if year else 0))).order_by(StudyGroup.name))
    class_names = {c.id: c.name for c in classes}
    group_names = {grp.id: grp.name for grp in groups}
    teaching = list(TeachingAssignment.select(TeachingAssignment, User, Subject)
                    .join(User, on=(TeachingAssignment.teacher == User.id)).switch(TeachingAssignment)
                    .join(Subject, on=(TeachingAssignment.subject == Subject.id))
                    .where((TeachingAssignment.school == school.id) &
                           (TeachingAssignment.year == (year.id if year else 0)))
                    .order_by(User.display_name, Subject.name))
    return render_template("roster/school.html", school=school, years=years, year=year, periods=periods,
                           holidays=holidays, subjects=subjects, classes=classes, counts=counts, groups=groups,
                           class_names=class_names, group_names=group_names, teaching=teaching,
                           teachers=service.school_teachers(school), period_kinds=PERIOD_KINDS,
                           period_kind_label=period_kind_label, errors=errors or {}, form=form,
                           values=values or {}), (422 if errors else 200)


def _managed_school() -> School:
    school = user_school()
    if not can("roster.school.manage", school):
        abort(403)
    return school


@bp.get("/school")
@login_required
def school():
    school = _managed_school()
    return _school_page(school, request.args.get("year_id", type=bounded_int))


@bp.post("/school/years")
@login_required
def create_year():
    school = _managed_school()
    values = {k: request.form.get(k, "") for k in ("name", "start", "end", "period_kind")}
    rows = []
    for i in range(1, 5):
        a, b = request.form.get(f"p{i}_start", "").strip(), request.form.get(f"p{i}_end", "").strip()
        values[f"p{i}_start"], values[f"p{i}_end"] = a, b
        if a or b:
            rows.append({"start": a, "end": b})
    try:
        data = YearIn().load({"name": values["name"], "start": values["start"], "end": values["end"],
                              "period_kind": values["period_kind"] or "quarters", "periods": rows},
                             unknown=EXCLUDE)
    except ValidationError as e:
        return _school_page(school, errors=form_errors(e), form="year", values=values)
    name = data["name"] or f"{data['start'].year}/{data['start'].year + 1}"
    clash = AcademicYear.select().where((AcademicYear.school == school.id) & (
        (AcademicYear.name == name) | ((AcademicYear.start <= data["end"]) & (AcademicYear.end >= data["start"]))))
    if clash.exists():
        return _school_page(school, errors={"start": _("The dates overlap another school year.")}, form="year",
                            values=values)
    year = service.create_year(school, name, data["start"], data["end"], data["period_kind"],
                               [(p["start"], p["end"]) for p in data["periods"]], by=g.user)
    flash(_("School year %(name)s is added.", name=year.name), "ok")
    return redirect(url_for("roster.school", year_id=year.id) + "#years")


@bp.post("/school/years/<id:year_id>/holidays")
@login_required
def add_holiday(year_id: int):
    year = lookup.find_year(year_id, "roster.school.manage")
    values = {k: request.form.get(k, "").strip() for k in ("name", "start", "end")}
    try:
        data = HolidayIn().load({"name": values["name"], "start": values["start"], "end": values["end"] or None},
                                unknown=EXCLUDE)
    except ValidationError as e:
        return _school_page(year.school, year.id, errors=form_errors(e), form="holiday", values=values)
    end = data["end"] or data["start"]
    problems = service.holiday_problems(year, data["start"], end)
    if problems:
        return _school_page(year.school, year.id, errors={k: _(v) for k, v in problems.items()}, form="holiday",
                            values=values)
    service.add_holiday(year, data["name"], data["start"], end, by=g.user)
    flash(_("Saved."), "ok")
    return redirect(url_for("roster.school", year_id=year.id) + "#holidays")


@bp.post("/school/holidays/<id:holiday_id>/delete")
@login_required
def delete_holiday(holiday_id: int):
    holiday, year = lookup.find_holiday(holiday_id, "roster.school.manage")
    service.remove_holiday(holiday, by=g.user)
    flash(_("Removed."), "ok")
    return redirect(url_for("roster.school", year_id=year.id) + "#holidays")


@bp.post("/school/subjects")
@login_required
def add_subject():
    school = _managed_school()
    values = {k: request.form.get(k, "") for k in ("name", "short_name")}
    try:
        data = SubjectIn().load(values, unknown=EXCLUDE)
    except ValidationError as e:
        return _school_page(school, errors=form_errors(e), form="subject", values=values)
    if Subject.select().where((Subject.school == school.id) & (Subject.name == data["name"])).exists():
        return _school_page(school, errors={"name": _("This subject already exists.")}, form="subject",
                            values=values)
    service.add_subject(school, data["name"], data["short_name"], by=g.user)
    flash(_("Saved."), "ok")
    return redirect(url_for("roster.school") + "#subjects")


def _form_teacher(school_id: int, raw: str):
    """The class teacher chosen in a form: none for an empty choice, 400 for anyone not teaching in the school."""
    if not raw:
        return None
    teacher = next((u for u in service.school_teachers(school_id) if str(u.id) == raw), None)
    if teacher is None:
        abort(400)
    return teacher


@bp.post("/school/years/<id:year_id>/classes")
@login_required
def add_class(year_id: int):
    year = lookup.find_year(year_id, "roster.school.manage")
    values = {k: request.form.get(k, "") for k in ("parallel", "letter", "teacher_id")}
    try:
        data = ClassIn().load({"parallel": values["parallel"], "letter": values["letter"]}, unknown=EXCLUDE)
    except ValidationError as e:
        return _school_page(year.school, year.id, errors=form_errors(e), form="class", values=values)
    letter = service.parse_class_name(f"{data['parallel']}{data['letter']}")[1]
    if SchoolClass.select().where((SchoolClass.year == year.id) & (SchoolClass.parallel == data["parallel"]) &
                                  (SchoolClass.letter == letter)).exists():
        return _school_page(year.school, year.id, errors={"letter": _("This class already exists in the school year.")},
                            form="class", values=values)
    teacher = _form_teacher(year.school_id, values["teacher_id"])
    cls = service.create_class(year.school_id, year, data["parallel"], letter, class_teacher=teacher, by=g.user)
    flash(_("Class %(name)s is added.", name=cls.name), "ok")
    return redirect(url_for("roster.school", year_id=year.id) + "#classes")


@bp.post("/school/classes/<id:class_id>/teacher")
@login_required
def set_class_teacher(class_id: int):
    cls = lookup.find_class(class_id, "roster.school.manage")
    teacher = _form_teacher(cls.school_id, request.form.get("teacher_id", ""))
    service.set_class_teacher(cls, teacher, by=g.user)
    flash(_("Saved."), "ok")
    return redirect(url_for("roster.school", year_id=cls.year_id) + "#classes")


@bp.post("/school/teaching")
@login_required
def add_teaching():
    school = user_school()
    if not can("roster.school.manage", school):
        abort(403)
    teacher = next((u for u in service.school_teachers(school) if str(u.id) == request.form.get("teacher_id")), None)
    subject = Subject.get_or_none((Subject.id == request.form.get("subject_id", type=bounded_int)) &
                                  (Subject.school == school.id))
    target = request.form.get("target", "")
    cls = grp = None
    if target.startswith("c:") and target[2:].isdigit():
        cls = SchoolClass.get_or_none((SchoolClass.id == int(target[2:])) & (SchoolClass.school == school.id))
    elif target.startswith("g:") and target[2:].isdigit():
        grp = StudyGroup.get_or_none((StudyGroup.id == int(target[2:])) & (StudyGroup.school == school.id))
    if teacher is None or subject is None or (cls is None and grp is None):
        flash(_("Choose a teacher, a subject and a class or group."), "error")
        return redirect(url_for("roster.school") + "#teaching")
    ta = service.assign_teaching(teacher, subject, school_class=cls, group=grp, by=g.user)
    flash(_("Saved."), "ok")
    return redirect(url_for("roster.school", year_id=ta.year_id) + "#teaching")


@bp.post("/school/teaching/<id:ta_id>/delete")
@login_required
def delete_teaching(ta_id: int):
    ta = lookup.find_teaching(ta_id, "roster.school.manage")
    service.remove_teaching(ta, by=g.user)
    flash(_("Saved."), "ok")
    return redirect(url_for("roster.school", year_id=ta.year_id) + "#teaching")
