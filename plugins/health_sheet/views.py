"""Health sheet pages: the index (classes and children), a class's table and its print version,
a student's sheet (with the edit form, certificates and history) and the class import.

Every page that shows health data audits the read (``via`` = the page's endpoint).
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, has_request_context, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from zhurnal.core import access
from zhurnal.core.clock import today
from zhurnal.core.errors import StaleEdit
from zhurnal.core.fields import bounded_int
from zhurnal.core.i18n import N_
from zhurnal.core.ui import NavItem, Widget, login_required
from zhurnal.plugins.roster import service as roster
from zhurnal.plugins.roster.models import SchoolClass, Student

from . import reading, schemas, service
from .models import HEALTH_GROUPS, PE_GROUP_LABELS, PE_GROUPS, REASON_LABELS, REASONS, ROMAN, MedicalCertificate
from .permissions import CERT_WRITE, IMPORT, PE_READ, READ, WRITE, pe_teaching, teaches_pe_anywhere, view_for

bp = Blueprint("health_sheet", __name__, url_prefix="/health_sheet", template_folder="templates")
service.audit_refusals(bp)

HISTORY_PER_PAGE = 10


def _audit(students, view, school_id, obj=None, via=None):
    service.record_read([getattr(s, "id", s) for s in students], via=via or request.endpoint, view=view,
                        school_id=school_id, obj=obj)


def _messages(e: ValidationError) -> dict:
    """{field: "message; message"} from a marshmallow error (our schemas are flat)."""
    return {k: "; ".join(v) if isinstance(v, list) else str(v) for k, v in e.messages.items()}


FIELD_LABELS = {"health_group": N_("Health group"), "pe_group": N_("PE group"), "pe_valid_from": N_("Valid from"),
                "pe_valid_to": N_("Valid until"), "pe_limits": N_("Limits in PE"),
                "recommendations": N_("Recommendations for lessons"), "allergies": N_("Allergies"), "notes": N_("Notes")}
CHANNEL_LABELS = {"web": N_("web page"), "api": N_("API"), "import": N_("file import"), "demo": N_("demo")}


def _choices() -> dict:
    return {"field_labels": {k: _(v) for k, v in FIELD_LABELS.items()},
            "channel_labels": {k: _(v) for k, v in CHANNEL_LABELS.items()},
            "health_groups": [(n, ROMAN[n]) for n in HEALTH_GROUPS],
            "pe_groups": [(c, _(PE_GROUP_LABELS[c])) for c in PE_GROUPS],
            "reasons": [(c, _(REASON_LABELS[c])) for c in REASONS]}


# --- index ---------------------------------------------------------------------------------------

def _visible_classes(user) -> list[tuple[SchoolClass, str]]:
    """Classes of the current year whose health sheet ``user`` may open, with the view."""
    school = g.get("school")
    if school is None:
        return []
    year = roster.current_year(school, today())
    classes = roster.classes(school, year) if year else []
    v = access.visible(user, READ)
    out = []
    pe_classes, pe_groups = pe_teaching(user) if access.can(user, PE_READ) else (frozenset(), frozenset())
    pe_group_classes = roster.classes_of_members(pe_groups)
    for c in classes:
        if v.everything or c.school_id in v.schools or c.id in v.classes:
            out.append((c, "full"))
        elif c.id in pe_classes or c.id in pe_group_classes:
            out.append((c, "pe"))
    return out


def _own_students(user) -> list[Student]:
    """Students the user holds the read permission for one by one (their children, themself)."""
    ids = access.visible(user, READ).students
    if not ids:
        return []
    return list(Student.select().where(Student.id.in_(list(ids)) & Student.left_at.is_null())
                .order_by(Student.last_name, Student.first_name))


@bp.get("/")
@login_required
def index():
    classes = _visible_classes(g.user)
    students = _own_students(g.user)
    if not classes and not students and not access.can(g.user, READ, g.get("school")):
        abort(403)
    return render_template("health_sheet/index.html", classes=classes, students=students)


# --- a class -------------------------------------------------------------------------------------

def _class_table(class_id: int) -> tuple[SchoolClass, dict]:
    """The class and its health sheet as the user may see it; the read is audited."""
    cls, view = reading.class_for(g.user, class_id)
    table = reading.class_table(g.user, cls, view)
    _audit([r["student_id"] for r in table["rows"]], view, cls.school_id, obj=cls)
    return cls, table


@bp.get("/classes/<id:class_id>")
@login_required
def class_sheet(class_id: int):
    cls, table = _class_table(class_id)
    return render_template("health_sheet/class.html", cls=cls, t=table,
                           can_import=access.can(g.user, IMPORT, cls), **_choices())


@bp.get("/classes/<id:class_id>/print")
@login_required
def class_print(class_id: int):
    cls, table = _class_table(class_id)
    teacher = cls.class_teacher.display_name if cls.class_teacher_id else ""
    return render_template("health_sheet/class_print.html", cls=cls, t=table, class_teacher=teacher)


@bp.route("/classes/<id:class_id>/import", methods=["GET", "POST"])
@login_required
def class_import(class_id: int):
    cls = reading.writable(g.user, SchoolClass, class_id, IMPORT)
    report = None
    status = 200
    if request.method == "POST":
        from .importer import import_health
        f = request.files.get("file")
        if f is None or not f.filename:
            flash(_("Choose a file."), "error")
            return redirect(url_for("health_sheet.class_import", class_id=cls.id))
        report = import_health(f.stream, f.filename, cls.school_id, g.user, request.form.get("dry_run") == "1",
                               school_class=cls)
        status = 200 if report.ok else 422
    return render_template("health_sheet/import.html", cls=cls, report=report), status


# --- a student -------------------------------------------------------------------------------------

def _form_data(form) -> dict:
    """The edit form as the API's body: empty strings are "not set"."""
    data = {}
    for k in ("version", "health_group", "pe_group", "pe_valid_from", "pe_valid_to"):
        v = (form.get(k) or "").strip()
        data[k] = v or None
    for k in ("pe_limits", "recommendations", "allergies", "notes"):
        data[k] = form.get(k, "")
    if data["version"] is None:
        data["version"] = "0"
    return data


def _render_student(student: Student, view: str, *, status: int = 200, form: dict | None = None,
                    errors: dict | None = None, cert_form: dict | None = None, cert_errors: dict | None = None,
                    notice: str | None = None):
    sheet = reading.student_sheet(student, view)
    ctx = {"student": student, "s": sheet, "view": view, "form": form, "errors": errors or {},
           "cert_form": cert_form or {}, "cert_errors": cert_errors or {}, "notice": notice,
           "can_write": False, "can_cert": False, "certs": [], "history": [], **_choices(),
           "class_link": bool(student.school_class) and view_for(g.user, student.school_class) is not None}
    if view == "full":
        ctx["can_write"] = access.can(g.user, WRITE, student)
        ctx["can_cert"] = access.can(g.user, CERT_WRITE, student)
        certs = list(service.certificates(student.id, include_removed=True).limit(200))
        page = max(1, request.args.get("page", 1, type=bounded_int) or 1)
        q = service.history(student.id)
        total = q.count()
        rows = list(q.offset((page - 1) * HISTORY_PER_PAGE).limit(HISTORY_PER_PAGE + 1))
        users = schemas.users_by_id([c.created_by_id for c in certs] + [c.removed_by_id for c in certs] +
                                    [v.entered_by_id for v in rows])
        ctx["certs"] = [schemas.certificate(c, users) for c in certs]
        ctx["history"] = [schemas.version(v, rows[i + 1] if i + 1 < len(rows) else None, users)
                          for i, v in enumerate(rows[:HISTORY_PER_PAGE])]
        ctx.update(total=total, page=page, per_page=HISTORY_PER_PAGE)
    _audit([student], view, student.school_id)
    return render_template("health_sheet/student.html", **ctx), status


@bp.route("/students/<id:student_id>", methods=["GET", "POST"])
@login_required
def student_sheet(student_id: int):
    student, view = reading.student_for(g.user, student_id)
    if request.method == "GET":
        return _render_student(student, view)
    if view != "full" or not access.can(g.user, WRITE, student):
        abort(403)
    form = _form_data(request.form)
    try:
        body = schemas.HealthSheetIn().load(form)
    except ValidationError as e:
        return _render_student(student, view, status=422, form=request.form, errors=_messages(e))
    version = body.pop("version")
    try:
        _rec, changed = service.save_sheet(student, body, version=version, by=g.user, via="web")
    except StaleEdit:
        return _render_student(student, view, status=409, notice=_(
            "Someone else changed this health sheet while you were editing it. The current data is shown; "
            "enter your changes again."))
    flash(_("Saved.") if changed else _("Nothing changed."), "ok")
    return redirect(url_for("health_sheet.student_sheet", student_id=student.id))


@bp.post("/students/<id:student_id>/certificates")
@login_required
def add_certificate(student_id: int):
    student, view = reading.student_for(g.user, student_id)
    if view != "full" or not access.can(g.user, CERT_WRITE, student):
        abort(403)
    data = {k: (request.form.get(k) or "").strip() for k in ("date_from", "date_to", "issued_by", "number", "reason")}
    data = {k: v for k, v in data.items() if v or k in ("issued_by",)}
    try:
        body = schemas.MedicalCertificateIn().load(data)
    except ValidationError as e:
        return _render_student(student, view, status=422, cert_form=request.form, cert_errors=_messages(e))
    service.add_certificate(student, body, by=g.user, via="web")
    flash(_("The certificate is recorded."), "ok")
    return redirect(url_for("health_sheet.student_sheet", student_id=student.id))


@bp.post("/certificates/<id:certificate_id>/remove")
@login_required
def remove_certificate(certificate_id: int):
    cert = MedicalCertificate.get_or_none(MedicalCertificate.id == certificate_id)
    if cert is None:
        abort(404)
    student, view = reading.student_for(g.user, cert.student_id)
    if view != "full" or not access.can(g.user, CERT_WRITE, student):
        abort(403)
    try:
        service.remove_certificate(cert, by=g.user, via="web")
        flash(_("The certificate is removed."), "ok")
    except service.AlreadyRemoved:
        flash(_("The certificate was already removed."), "error")
    return redirect(url_for("health_sheet.student_sheet", student_id=student.id))


# --- hooks ---------------------------------------------------------------------------------------------

def nav_items(user, school):
    if access.can(user, READ) or (access.can(user, PE_READ) and teaches_pe_anywhere(user)):
        return [NavItem(_("Health sheet"), "health_sheet.index", priority=60)]
    return []


def card_sections(student, user):
    """The health section of a student's card, only for those who may read it; the read is audited."""
    view = view_for(user, student)
    if view is None:
        return []
    sheet = reading.student_sheet(student, view)
    via = f"student_card:{request.endpoint}" if has_request_context() else "student_card"
    service.record_read([student.id], via=via, view=view, school_id=student.school_id, user=user)
    return [Widget(_("Health"), template="health_sheet/_card.html", context={"s": sheet, "student": student},
                   priority=60)]
