"""Consent pages: the class teacher's control page of a class (filters, registration form,
CSV/XLSX export), a guardian's history, and the printable consent form.

The administration (director, admin) sees every class of the current year; a class
teacher their own class. Every page that shows whose consent stands is audited.
"""
from __future__ import annotations

import datetime as dt
import io

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from zhurnal.core import access, clock
from zhurnal.core.tabular import write_table
from zhurnal.core.ui import NavItem, Widget, login_required
from zhurnal.plugins.roster import service as roster
from zhurnal.plugins.roster.models import Guardian, SchoolClass

from . import service, texts
from .models import ALL_STATUSES, STATUS_LABELS, STATUSES
from .permissions import READ, TEXT, WRITE

bp = Blueprint("consent", __name__, url_prefix="/consent", template_folder="templates")

FILTERS = ALL_STATUSES + ("mixed", "paper")


def labels() -> dict:
    return {k: _(v) for k, v in STATUS_LABELS.items()}


def _class(class_id: int, perm: str = READ) -> SchoolClass:
    cls = SchoolClass.get_or_none(SchoolClass.id == class_id) if class_id < 2 ** 63 else None
    if cls is None or not any(a.scope_type == "deployment" or a.school_id == cls.school_id
                              for a in access.assignments(g.user)):
        abort(404)
    if not access.can(g.user, perm, cls):
        abort(403)
    return cls


def _visible_classes(user) -> list[SchoolClass]:
    school = g.get("school")
    if school is None:
        return []
    year = roster.current_year(school, clock.today())
    return [c for c in (roster.classes(school, year) if year else []) if access.can(user, READ, c)]


@bp.get("/")
@login_required
def index():
    if not access.can(g.user, READ):
        abort(403)
    classes = _visible_classes(g.user)
    if len(classes) == 1:  # a class teacher of one class goes straight to it
        return redirect(url_for("consent.class_page", class_id=classes[0].id))
    counts = {cid: _counts(rows) for cid, rows in service.class_overviews([c.id for c in classes]).items()}
    return render_template("consent/index.html", classes=classes, counts=counts, labels=labels())


def _counts(rows: list[dict]) -> dict:
    out = {s: 0 for s in ALL_STATUSES + ("mixed",)}
    for r in rows:
        out[r["status"]] += 1
    out["guardians"] = len(rows)
    return out


def _filtered(rows: list[dict], status: str | None) -> list[dict]:
    if not status:
        return rows
    if status == "paper":
        return [r for r in rows if any(c["status"] != "granted" for c in r["children"])]
    return [r for r in rows if r["status"] == status]


@bp.route("/classes/<int:class_id>", methods=["GET", "POST"])
@login_required
def class_page(class_id: int):
    cls = _class(class_id)
    can_write = access.can(g.user, WRITE, cls)
    errors: dict = {}
    form = {"guardian_id": request.values.get("guardian_id", ""), "status": "granted",
            "date": clock.today().isoformat(), "number": "", "kept_at": ""}
    if request.method == "POST":
        if not can_write:
            abort(403)
        form.update({k: (request.form.get(k) or "").strip() for k in form})
        errors = _register_from_form(cls, form)
        if not errors:
            flash(_("The paper is registered."), "ok")
            return redirect(url_for("consent.class_page", class_id=cls.id))
    status = request.args.get("status") or None
    if status not in FILTERS + (None,):
        abort(400)
    rows = service.class_overview(cls.id)
    service.record_read(cls, via="web", school_id=cls.school_id)
    return render_template("consent/class.html", cls=cls, rows=_filtered(rows, status), all_rows=rows,
                           counts=_counts(rows), status=status, filters=FILTERS, labels=labels(),
                           statuses=STATUSES, can_write=can_write, form=form, errors=errors,
                           text=service.current_text(cls.school_id)), (422 if errors else 200)


def _register_from_form(cls: SchoolClass, form: dict) -> dict:
    """Register a paper for the guardian's children in this class; {field: message} on refusal."""
    try:
        guardian_id = int(form["guardian_id"])
    except ValueError:
        return {"guardian_id": _("Choose a guardian.")}
    row = next((r for r in service.class_overview(cls.id) if r["guardian_id"] == guardian_id), None)
    if row is None:
        return {"guardian_id": _("Choose a guardian.")}
    try:
        day = dt.date.fromisoformat(form["date"])
    except ValueError:
        return {"date": _("Not a valid date (use YYYY-MM-DD).")}
    try:
        service.register(Guardian.get_by_id(guardian_id), form["status"], day, form["number"], form["kept_at"],
                         student_ids=row["student_ids"], by=g.user, via="web")
    except service.Refused as e:
        return {e.field.split(".")[-1]: _(e.message, **e.params)}
    return {}


@bp.get("/classes/<int:class_id>/export.<any(csv,xlsx):fmt>")
@login_required
def class_export(class_id: int, fmt: str):
    cls = _class(class_id)
    status = request.args.get("status") or None
    if status not in FILTERS + (None,):
        abort(400)
    rows = _filtered(service.class_overview(cls.id), status)
    lab = labels()
    table = []
    for r in rows:
        for c in r["children"]:
            rec = c["record"]
            table.append([r["guardian"], c["student"], lab[c["status"]], rec.date if rec else "",
                          rec.document_number if rec else "", rec.document_kept_at if rec else "",
                          rec.text.version if rec else "", r["login"] or "", r["phone"] or ""])
    titles = [_("Guardian"), _("Student"), _("Consent"), _("Date"), _("Document"), _("Kept at"),
              _("Form version"), _("Login"), _("Phone")]
    out = io.BytesIO()
    write_table(out, fmt, titles, table, sheet_title=_("Consents %(name)s", name=cls.name))
    service.record_export(cls, fmt, len(table), by=g.user)
    mime = "text/csv; charset=utf-8" if fmt == "csv" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    name = f"consents-{cls.parallel}-{cls.id}.{fmt}"
    return Response(out.getvalue(), mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/guardians/<int:guardian_id>")
@login_required
def guardian_page(guardian_id: int):
    gd = Guardian.get_or_none(Guardian.id == guardian_id) if guardian_id < 2 ** 63 else None
    if gd is None:
        abort(404)
    if not access.can(g.user, READ, gd):
        known = access.can(g.user, "roster.student.card", gd) or access.can(g.user, "roster.class.read", gd)
        abort(403 if known else 404)
    children = {s.id: s for s in service.linked_students(gd.id) if access.can(g.user, READ, s)}
    records = list(service.history(gd.id, children))
    from .schemas import users_by_id
    users = users_by_id(r.registered_by_id for r in records)
    service.record_read(gd, via="web", school_id=gd.school_id)
    return render_template("consent/guardian.html", gd=gd, records=records, children=children, users=users,
                           labels=labels())


@bp.get("/form")
@login_required
def form_print():
    """The consent form to print and sign: the current version, or ``?version=N``; with
    ``?class_id=`` one pre-filled form per guardian and child of the class (``&status=`` filters)."""
    if not access.can(g.user, READ) or g.get("school") is None:
        abort(403)
    school = g.school
    versions = service.text_versions(school)
    version = request.args.get("version", type=int)
    text = next((t for t in versions if t.version == version), None) if version else versions[0]
    if text is None:
        abort(404)
    forms = [{"guardian": "", "student": ""}]
    class_id = request.args.get("class_id", type=int)
    if class_id:
        cls = _class(class_id)
        status = request.args.get("status") or None
        if status not in FILTERS + (None,):
            abort(400)

        def wanted(child_status: str) -> bool:
            return (status is None or (status == "paper" and child_status != "granted")
                    or child_status == status)
        forms = [{"guardian": r["guardian"], "student": c["student"]} for r in service.class_overview(cls.id)
                 for c in r["children"] if wanted(c["status"])]
        service.record_read(cls, via="web:forms", school_id=cls.school_id)
    body = texts.render(text.body, school.name)
    return render_template("consent/form_print.html", text=text, body=body, forms=forms)


@bp.route("/texts", methods=["GET", "POST"])
@login_required
def texts_page():
    """The versions of the school's consent form; the director publishes a new one."""
    school = g.get("school")
    if school is None or not access.can(g.user, TEXT, school):
        abort(403)
    errors: dict = {}
    form = {"title": "", "body": "", "valid_from": clock.today().isoformat()}
    if request.method == "POST":
        form = {k: (request.form.get(k) or "").strip() for k in form}
        try:
            valid_from = dt.date.fromisoformat(form["valid_from"])
        except ValueError:
            errors["valid_from"] = _("Not a valid date (use YYYY-MM-DD).")
        else:
            if len(form["title"]) > 300 or len(form["body"]) > 20000:
                errors["body"] = _("The text is too long.")
            else:
                try:
                    text = service.publish_text(school, form["title"], form["body"], valid_from, by=g.user)
                except service.Refused as e:
                    errors[e.field] = _(e.message, **e.params)
                else:
                    flash(_("Version %(v)d of the form is published.", v=text.version), "ok")
                    return redirect(url_for("consent.texts_page"))
    versions = service.text_versions(school)
    if not form["title"]:
        form["title"], form["body"] = versions[0].title, form["body"] or versions[0].body
    return render_template("consent/texts.html", versions=versions, form=form, errors=errors), \
        (422 if errors else 200)


# --- navigation and dashboard ---------------------------------------------------------------------

def nav_items(user, school):
    if access.can(user, READ):
        return [NavItem(_("Consents"), "consent.index", priority=45)]
    return []


def card_sections(student, user):
    """The consent of each guardian for this child, on the student's card (for those who read consent)."""
    if not access.can(user, READ, student):
        return []
    from zhurnal.plugins.roster.models import StudentGuardian
    links = list(StudentGuardian.select(StudentGuardian, Guardian).join(Guardian)
                 .where(StudentGuardian.student == student.id).order_by(StudentGuardian.id))
    latest = service.latest_records(guardian_ids=[lk.guardian_id for lk in links], student_ids=[student.id])
    rows = [{"guardian": lk.guardian, "record": latest.get((lk.guardian_id, student.id))} for lk in links]
    return [Widget(_("Consent"), template="consent/_card.html", context={"rows": rows, "labels": labels()},
                   priority=65)]


def dashboard_widgets(user, school):
    if not access.can(user, READ):
        return []
    led = [c for c in roster.classes_led_by(user) if access.can(user, READ, c)]
    if not led:
        return []
    overviews = service.class_overviews([c.id for c in led[:3]])
    stats = [{"class": c, "none": service.nothing_registered(overviews[c.id]), "guardians": len(overviews[c.id])}
             for c in led[:3]]
    return [Widget(_("Consents"), template="consent/_widget.html", context={"stats": stats}, priority=16)]

