"""Roster pages: classes and class lists, the student card, editing students and guardians,
study groups, import/export, login slips and the school's structure.

Objects are found through :mod:`.lookup` (404 unknown, 403 forbidden); writes go
through :mod:`.service`; forms are checked with the API's schemas.
"""
from __future__ import annotations

import peewee as pw
from flask import (Blueprint, abort, current_app, flash, g, make_response, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from marshmallow import EXCLUDE, ValidationError

from core import access
from core.api import load_args
from core.fields import bounded_int
from core.identity.models import School, User
from core.ui import NavItem, Widget, login_required

from . import lookup, service
from .models import (GENDERS, PERIOD_KINDS, RELATIONS, Guardian, GroupMember, SchoolClass, Student, StudentGuardian,
                     StudyGroup, Subject, TeachingAssignment)
from .schemas import (Args, ClassIn, GuardianIn, GuardianPatch, HolidayIn, StudentIn, StudentPatch, SubjectIn, YearIn,
                      form_errors)

bp = Blueprint("roster", __name__, url_prefix="/roster", template_folder="templates")

STUDENT_FORM = ("last_name", "first_name", "middle_name", "birth_date", "gender", "address", "phone", "email",
                "snils")
GUARDIAN_FORM = ("last_name", "first_name", "middle_name", "phone", "email")


def _can(perm: str, obj=None) -> bool:
    return access.can(g.user, perm, obj)


def _form(fields: tuple, *, checkboxes: tuple = (), nullable: tuple = ("birth_date", "gender", "left_at")) -> dict:
    """The posted form as a schema would get it from JSON: empty dates and choices are None."""
    out = {}
    for f in fields:
        v = request.form.get(f)
        if v is None:
            continue
        out[f] = None if (f in nullable and not v.strip()) else v
    for f in checkboxes:
        out[f] = request.form.get(f) in ("1", "on", "true")
    return out


def _school() -> School:
    if g.get("school") is None:  # a fresh deployment: lead to the set-up, never a 404
        from .setup_views import no_school_response
        abort(no_school_response())
    return g.school


def _year_classes(school, perm: str | None = None) -> list[SchoolClass]:
    classes = service.classes(school)
    return [c for c in classes if perm is None or _can(perm, c)]


# --- classes and class lists ------------------------------------------------------------------------

@bp.get("/classes")
@login_required
def classes():
    school = _school()
    if not _can("roster.class.read", school):
        abort(403)
    year = service.current_year(school)
    rows = (SchoolClass.select(SchoolClass, User)
            .join(User, pw.JOIN.LEFT_OUTER, on=(SchoolClass.class_teacher == User.id))
            .where((SchoolClass.school == school.id) & (SchoolClass.year == (year.id if year else 0)))
            .order_by(SchoolClass.parallel, SchoolClass.letter))
    rows = list(rows)
    counts = service.student_counts(c.id for c in rows)
    return render_template("roster/classes.html", year=year, rows=rows, counts=counts)


@bp.get("/classes/<id:class_id>")
@login_required
def class_list(class_id: int):
    cls = lookup.find_class(class_id, "roster.class.read")
    args = load_args(Args)
    q = (request.args.get("q") or "").strip()
    query = (Student.select().where((Student.school_class == cls.id) & Student.left_at.is_null())
             .order_by(Student.last_name, Student.first_name, Student.middle_name))
    if q:
        from .api import name_search
        query = query.where(name_search(q, Student))
    total = query.count()
    students = list(query.paginate(args["page"], args["per_page"]))
    teacher = User.get_or_none(User.id == cls.class_teacher_id) if cls.class_teacher_id else None
    return render_template("roster/class.html", cls=cls, students=students, total=total, page=args["page"],
                           per_page=args["per_page"], q=q, teacher=teacher,
                           can_write=_can("roster.student.write", cls), can_card=_can("roster.student.card", cls),
                           can_import=_can("roster.import", cls), can_accounts=_can("roster.accounts.issue", cls))


# --- students -----------------------------------------------------------------------------------------

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
                           can_write=_can("roster.student.write", st), can_guardians=_can("roster.guardian.write", st),
                           relation_label=relation_label, gender_label=gender_label)


def relation_label(relation: str) -> str:
    return {"mother": _("mother"), "father": _("father"), "guardian": _("legal guardian"),
            "other": _("other relative")}.get(relation, relation)


def gender_label(gender: str | None) -> str:
    return {"m": _("male"), "f": _("female")}.get(gender or "", "")


@bp.route("/classes/<id:class_id>/students/new", methods=["GET", "POST"])
@login_required
def add_student(class_id: int):
    cls = lookup.find_class(class_id, "roster.student.write")
    errors, values = {}, {}
    if request.method == "POST":
        values = _form(STUDENT_FORM, checkboxes=("individual_plan",))
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
        values = _form(STUDENT_FORM + ("version", "class_id", "left_at"), checkboxes=("individual_plan",))
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
            values = _form(GUARDIAN_FORM + ("relation",))
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
        from .api import name_search
        cond = lookup.guardian_filter()
        if cond is not None:
            linked = [gd["id"] for gd in card["guardians"]]
            found = list(Guardian.select().where(cond & (Guardian.school == st.school_id) & name_search(q, Guardian) &
                                                 Guardian.id.not_in(linked or [0]))
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
        values = _form(GUARDIAN_FORM + ("version",))
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


# --- study groups ------------------------------------------------------------------------------------------

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
    can_write = _can("roster.group.write", cls)
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
    can_write = _can("roster.group.write", grp)
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


# --- import and export ---------------------------------------------------------------------------------------

@bp.route("/import", methods=["GET", "POST"], defaults={"class_id": None})
@bp.route("/classes/<id:class_id>/import", methods=["GET", "POST"])
@login_required
def import_page(class_id: int | None):
    if class_id is None:
        school = _school()
        cls = None
        if not _can("roster.import", school):
            abort(403)
    else:
        cls = lookup.find_class(class_id, "roster.import")
        school = School.get_by_id(cls.school_id)
    from .import_views import import_post
    return import_post(school, cls)


@bp.get("/export.<any(csv,xlsx):fmt>", defaults={"class_id": None})
@bp.get("/classes/<id:class_id>/export.<any(csv,xlsx):fmt>")
@login_required
def export(class_id: int | None, fmt: str):
    from .importer import export_bytes
    if class_id is None:
        school = _school()
        if not _can("roster.import", school):
            abort(403)
        classes, name = service.classes(school), "all"
    else:
        cls = lookup.find_class(class_id, "roster.import")
        school, classes, name = School.get_by_id(cls.school_id), [cls], cls.name
    payload, rows = export_bytes(school, classes, fmt)
    service.record_export(school, [c.id for c in classes], rows, fmt, by=g.user)
    resp = make_response(payload)
    resp.headers["Content-Type"] = ("text/csv; charset=utf-8" if fmt == "csv" else
                                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    from urllib.parse import quote
    resp.headers["Content-Disposition"] = f"attachment; filename=students.{fmt}; filename*=UTF-8''{quote(f'students-{name}.{fmt}')}"
    resp.headers["Cache-Control"] = "no-store"
    return resp


# --- accounts and login slips ----------------------------------------------------------------------------------

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


# --- the school's structure ------------------------------------------------------------------------------------

def _school_page(school: School, year_id: int | None = None, *, errors: dict | None = None,
                 form: str = "", values: dict | None = None):
    """The school's structure; ``errors`` and ``values`` refill the form named ``form`` (422)."""
    from .models import AcademicYear
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


def period_kind_label(kind: str) -> str:
    return {"quarters": _("quarters"), "trimesters": _("trimesters"), "halves": _("half-years")}.get(kind, kind)


def _managed_school() -> School:
    school = _school()
    if not _can("roster.school.manage", school):
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
    from .models import AcademicYear
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
    school = _school()
    if not _can("roster.school.manage", school):
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


# --- navigation and dashboard -----------------------------------------------------------------------------------

def _led_classes(user, school) -> list[SchoolClass]:
    if "class_teacher" not in access.roles(user) or school is None:
        return []
    year = service.current_year(school)
    return [c for c in service.classes_led_by(user) if year is not None and c.year_id == year.id]


def nav_items(user, school):
    items = []
    led = _led_classes(user, school)
    for c in led:
        label = _("My class %(name)s", name=c.name) if len(led) > 1 else _("My class")
        items.append(NavItem(label, "roster.class_list", priority=20, params=(("class_id", c.id),)))
    v = access.visible(user, "roster.class.read")
    if v.everything or v.schools:
        items.append(NavItem(_("Classes"), "roster.classes", priority=30))
    if school is not None and access.can(user, "roster.school.manage", school):
        items.append(NavItem(_("School"), "roster.school", priority=800))
    from .setup_views import may_set_up
    if may_set_up(user, school):
        items.append(NavItem(_("Set-up"), "roster.setup_page", priority=790))
    return items


def dashboard_widgets(user, school):
    widgets = []
    for cls in _led_classes(user, school):
        students = list(Student.select(Student.id, Student.gender, Student.user, Student.individual_plan)
                        .where((Student.school_class == cls.id) & Student.left_at.is_null()))
        guardians = set(StudentGuardian.select(Guardian.id, Guardian.user).join(Guardian)
                        .where(StudentGuardian.student.in_([s.id for s in students] or [0])).tuples())
        stats = {"students": len(students), "boys": sum(s.gender == "m" for s in students),
                 "girls": sum(s.gender == "f" for s in students),
                 "student_accounts": sum(s.user_id is not None for s in students),
                 "individual": sum(bool(s.individual_plan) for s in students),
                 "guardians": len(guardians), "guardian_accounts": sum(uid is not None for _gid, uid in guardians)}
        widgets.append(Widget(_("My class %(name)s", name=cls.name), template="roster/widget_class.html",
                              context={"cls": cls, "stats": stats}, priority=10))
    roles = access.roles(user)
    if "parent" in roles or "student" in roles:
        people = service.children_of(user) if "parent" in roles else []
        own = Student.get_or_none(Student.user == user.id) if "student" in roles else None
        if own is not None:
            people = [own] + [p for p in people if p.id != own.id]
        if people:
            names = {c.id: c.name for c in SchoolClass.select().where(
                SchoolClass.id.in_([p.school_class_id for p in people if p.school_class_id] or [0]))}
            widgets.append(Widget(_("My children") if "parent" in roles else _("My data"),
                                  template="roster/widget_children.html",
                                  context={"people": people, "names": names}, priority=15))
    year = service.current_year(school) if school is not None else None
    teaching = _teaching_rows(user, year) if year is not None and roles & {"teacher", "class_teacher"} else []
    if teaching:
        widgets.append(Widget(_("What I teach"), template="roster/widget_teaching.html",
                              context={"rows": teaching}, priority=20))
    from .setup_views import may_set_up
    if may_set_up(user, school):
        from .setup import checklist
        steps = checklist(school, user) if school is not None else []
        if school is None or not all(s.done for s in steps):
            widgets.append(Widget(_("Setting the school up"), template="roster/widget_setup.html",
                                  context={"school": school, "steps": steps,
                                           "upcoming": next((s for s in steps if not s.done), None)}, priority=5))
    if school is not None and access.can(user, "roster.school.manage", school):
        classes = service.classes(school)
        counts = service.student_counts(c.id for c in classes)
        widgets.append(Widget(_("School"), template="roster/widget_school.html",
                              context={"classes": len(classes), "students": sum(counts.values())}, priority=50))
    elif school is not None and not teaching and not widgets and access.can(user, "roster.class.read", school):
        # staff who read every class list without teaching (the nurse): the classes, one click away
        classes = service.classes(school, year) if year is not None else []
        widgets.append(Widget(_("Classes"), template="roster/widget_classes.html",
                              context={"classes": classes, "counts": service.student_counts(c.id for c in classes)},
                              priority=40))
    return widgets


def _teaching_rows(user, year) -> list[dict]:
    """The user's teaching this year, one row per subject: [{"subject", "targets": [(label, url)]}]."""
    assignments = service.teaching_of(user, year)
    class_ids = {ta.school_class_id for ta in assignments if ta.school_class_id}
    group_ids = {ta.group_id for ta in assignments if ta.group_id}
    classes = {c.id: c for c in SchoolClass.select().where(SchoolClass.id.in_(sorted(class_ids) or [0]))}
    groups = {grp.id: grp for grp in StudyGroup.select().where(StudyGroup.id.in_(sorted(group_ids) or [0]))}
    by_subject: dict[str, list] = {}
    for ta in sorted(assignments, key=lambda t: t.subject.name):
        targets = by_subject.setdefault(ta.subject.name, [])
        if ta.school_class_id in classes:
            c = classes[ta.school_class_id]
            targets.append(((c.parallel, c.letter, ""), c.name, url_for("roster.class_list", class_id=c.id)))
        elif ta.group_id in groups:
            grp = groups[ta.group_id]
            targets.append(((99, "", grp.name), grp.name, url_for("roster.group", group_id=grp.id)))
    return [{"subject": name, "targets": [(label, url) for _key, label, url in sorted(targets)]}
            for name, targets in by_subject.items()]


from . import setup_views  # noqa: E402,F401  (the first-run pages share this blueprint)
