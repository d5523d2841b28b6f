"""The class teacher's paper page: extracts (one, a batch, the paper list), their handover
register, schedules, the journal archive; and the login slips page."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import (Blueprint, abort, flash, g, jsonify, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _

from zhurnal.core import access, clock
from zhurnal.core.identity.models import User
from zhurnal.core.api import PageArgs, load_args
from zhurnal.core.ui import NavItem, Widget, login_required, serve_assets
from zhurnal.plugins.roster import service as roster
from zhurnal.plugins.roster.models import Guardian, SchoolClass, StudentGuardian

from . import service, slips
from .api import pdf_response
from .models import Archive, Batch, Handover, Schedule, SlipIssue
from .permissions import ARCHIVE, CLASS, SLIPS

bp = Blueprint("paper_export", __name__, url_prefix="/paper_export", template_folder="templates")

STATIC = Path(__file__).parent / "static"

MAX_ID = 2 ** 63 - 1


def _class(class_id: int, perm: str | tuple = CLASS) -> SchoolClass:
    """The class if the user may ``perm`` (one of them) on it: 403 if they may see it, else 404."""
    cls = SchoolClass.get_or_none(SchoolClass.id == class_id) if class_id <= MAX_ID else None
    if cls is None:
        abort(404)
    if not any(access.can(g.user, p, cls) for p in ((perm,) if isinstance(perm, str) else perm)):
        abort(403 if access.can(g.user, "roster.class.read", cls) else 404)
    return cls


def _owned(model, obj_id: int, perm: str = CLASS):
    obj = model.get_or_none(model.id == obj_id) if obj_id <= MAX_ID else None
    if obj is None or not access.can(g.user, perm, obj):
        abort(404)
    return obj


def _batch(batch_id: int) -> Batch:
    b = Batch.get_or_none(Batch.id == batch_id) if batch_id <= MAX_ID else None
    if b is None or not access.can(g.user, ARCHIVE if b.kind == "archive" else CLASS, b):
        abort(404)
    return b


def _date(name: str, default: dt.date | None = None) -> dt.date | None:
    raw = (request.values.get(name) or "").strip()
    if not raw:
        return default
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise service.Invalid({name: _("Not a valid date (use YYYY-MM-DD).")})


def _period_dates(cls: SchoolClass) -> tuple[dt.date, dt.date] | None:
    """The dates of the period (or ``year``) chosen on the form, if one was."""
    raw = request.form.get("period") or ""
    if not raw:
        return None
    from zhurnal.plugins.roster.models import AcademicYear, Period
    year = AcademicYear.get_or_none(AcademicYear.id == cls.year_id)
    if raw == "year":
        return year.start, year.end
    p = Period.get_or_none((Period.id == int(raw)) & (Period.year == cls.year_id)) \
        if raw.isdigit() and int(raw) <= MAX_ID else None
    if p is None:
        raise service.Invalid({"period": _("Invalid value.")})
    return p.start, p.end


def _default_dates(cls: SchoolClass) -> tuple[dt.date, dt.date]:
    today = clock.today()
    period = roster.period_for(service.school_of(cls), today)
    return (period.start, min(today, period.end)) if period else (today - dt.timedelta(days=13), today)


def _page(cls: SchoolClass, errors: dict | None = None, status: int = 200):
    students = roster.class_students(cls.id)
    names = {s.id: s.short_name for s in students}
    guardians = {}
    for link in (StudentGuardian.select(StudentGuardian, Guardian).join(Guardian)
                 .where(StudentGuardian.student.in_(list(names) or [0]))):
        guardians.setdefault(link.student_id, []).append(link.guardian)
    args = load_args(PageArgs)
    if args["page"] > 100000:
        abort(404)
    register_q = Handover.select().where((Handover.school_class == cls.id) & (Handover.via != "family"))
    total = register_q.count()
    register = list(register_q.order_by(Handover.printed_at.desc(), Handover.id.desc())
                    .paginate(args["page"], args["per_page"]))
    users = {u.id: u.display_name for u in User.select(User.id, User.display_name).where(
        User.id.in_({h.printed_by_id for h in register} | {h.handed_by_id for h in register} or {0}))}
    batches = list(Batch.select(Batch.id, Batch.kind, Batch.date_from, Batch.date_to, Batch.status, Batch.done,
                                Batch.total, Batch.pages, Batch.created_at, Batch.schedule, Batch.selection,
                                Batch.error).where(Batch.school_class == cls.id).order_by(Batch.id.desc()).limit(20))
    date_from, date_to = _default_dates(cls)
    paper = service.paper_list(cls)
    return render_template(
        "paper_export/class.html", cls=cls, students=students, names=names, guardians=guardians, register=register,
        users=users, batches=batches, total=total, page=args["page"], per_page=args["per_page"], paper=paper,
        date_from=date_from, date_to=date_to, errors=errors or {},
        schedule=Schedule.get_or_none((Schedule.school_class == cls.id) & Schedule.active),
        notices=service.pending_notices(cls), archives=list(Archive.select().where(Archive.school_class == cls.id)
                                                             .order_by(Archive.id.desc()).limit(10)),
        periods=roster.periods(cls.year_id), can_print=access.can(g.user, CLASS, cls), can_archive=access.can(g.user, ARCHIVE, cls),
        can_slips=access.can(g.user, SLIPS, cls)), status


serve_assets(bp, STATIC)   # the pages' script (paper_export.asset)


@bp.get("/classes/<int:class_id>")
@login_required
def class_page(class_id: int):
    return _page(_class(class_id, (CLASS, ARCHIVE)))


@bp.post("/classes/<int:class_id>/batches")
@login_required
def start_batch(class_id: int):
    kind = "archive" if request.form.get("kind") == "archive" else "extracts"
    cls = _class(class_id, ARCHIVE if kind == "archive" else CLASS)
    try:
        date_from, date_to = _period_dates(cls) or service.check_dates(_date("from"), _date("to"))
        selection = request.form.get("selection", "class")
        if selection not in ("class", "paper", "chosen"):
            raise service.Invalid({"selection": _("Invalid value.")})
        chosen = [int(x) for x in request.form.getlist("student") if x.isdigit() and int(x) <= MAX_ID]
        if kind == "extracts" and selection == "chosen" and not chosen:
            raise service.Invalid({"students": _("Choose the students.")})
        batch = service.start_batch(cls, date_from, date_to, by=g.user, selection=selection,
                                    student_ids=chosen if selection == "chosen" else None,
                                    with_homework=request.form.get("homework") == "1",
                                    tear_off=request.form.get("tear_off") == "1",
                                    kind=kind)
    except service.Invalid as e:
        return _page(cls, e.fields, 422)
    flash(_("The document is being prepared."), "ok")
    return redirect(url_for("paper_export.class_page", class_id=cls.id, batch=batch.id))


@bp.get("/batches/<int:batch_id>.json")
@login_required
def batch_status(batch_id: int):
    b = _batch(batch_id)
    return jsonify({"id": b.id, "status": b.status, "done": b.done, "total": b.total, "percent": b.percent,
                    "pages": b.pages, "error": b.error})


@bp.get("/batches/<int:batch_id>.pdf")
@login_required
def batch_pdf(batch_id: int):
    b = _batch(batch_id)
    if b.status != "done":
        abort(409)
    where = SchoolClass.get_by_id(b.school_class_id).name if b.school_class_id else "school"
    name = "journal" if b.kind == "archive" else "extracts"
    return pdf_response(service.open_batch(b, by=g.user),
                        f"{name}-{where}-{b.date_from.isoformat()}-{b.date_to.isoformat()}.pdf")


@bp.post("/handovers/<int:handover_id>")
@login_required
def tick_handover(handover_id: int):
    h = _owned(Handover, handover_id)
    raw = request.form.get("guardian") or ""
    try:
        service.tick_handover(h, handed=request.form.get("handed") == "1", by=g.user,
                              guardian_id=int(raw) if raw.isdigit() and int(raw) <= MAX_ID else None,
                              signed_slip=request.form.get("signed_slip") == "1", on=_date("on"))
    except service.Invalid as e:
        return _page(SchoolClass.get_by_id(h.school_class_id), e.fields, 422)
    return redirect(url_for("paper_export.class_page", class_id=h.school_class_id) + "#register")


@bp.post("/classes/<int:class_id>/schedule")
@login_required
def set_schedule(class_id: int):
    cls = _class(class_id)
    raw = (request.form.get("every_days") or "").strip()
    selection = "class" if request.form.get("selection") == "class" else "paper"
    try:
        if raw and (not raw.isdigit() or len(raw) > 4):
            raise service.Invalid({"every_days": _("Between 1 and 120 days.")})
        if selection == "paper" and raw and service.paper_list(cls) is None:
            raise service.Invalid({"selection": _("No paper-delivery list is kept here: choose the students by hand.")})
        service.set_schedule(cls, int(raw) if raw else None, selection=selection, by=g.user)
    except service.Invalid as e:
        return _page(cls, e.fields, 422)
    return redirect(url_for("paper_export.class_page", class_id=cls.id))


# --- the whole school -------------------------------------------------------------------------------------

@bp.route("/school", methods=["GET", "POST"])
@login_required
def school_page():
    """Extracts of every student of the school as one PDF (the administrator)."""
    school = g.get("school")
    if school is None or not access.can(g.user, CLASS, school):
        abort(404)
    errors, status = {}, 200
    if request.method == "POST":
        try:
            date_from, date_to = service.check_dates(_date("from"), _date("to"))
            batch = service.start_school_batch(school, date_from, date_to, by=g.user)
        except service.Invalid as e:
            errors, status = e.fields, 422
        else:
            flash(_("The document is being prepared."), "ok")
            return redirect(url_for("paper_export.school_page", batch=batch.id))
    batches = list(Batch.select(Batch.id, Batch.kind, Batch.date_from, Batch.date_to, Batch.status, Batch.done,
                                Batch.total, Batch.pages, Batch.schedule).where(
        (Batch.school == school.id) & Batch.school_class.is_null()).order_by(Batch.id.desc()).limit(20))
    today = clock.today()
    period = roster.period_for(school, today)
    date_from, date_to = (period.start, min(today, period.end)) if period else (today - dt.timedelta(days=13), today)
    return render_template("paper_export/school.html", school=school, batches=batches, errors=errors,
                           date_from=date_from, date_to=date_to), status


# --- login slips ---------------------------------------------------------------------------------------

@bp.route("/classes/<int:class_id>/slips", methods=["GET", "POST"])
@login_required
def slips_page(class_id: int):
    cls = _class(class_id, SLIPS)
    if request.method == "POST":
        wanted = set(request.form.getlist("person"))
        body, issued = slips.issue_pdf(cls, wanted, reissue=request.form.get("reissue") == "1", by=g.user)
        if body is None:
            flash(_("Nobody to issue slips for: choose people without an account, or tick «issue new codes»."),
                  "error")
            return redirect(url_for("paper_export.slips_page", class_id=cls.id))
        return pdf_response(body, f"slips-{cls.name}.pdf")
    return render_template("paper_export/slips_page.html", cls=cls, **slips.register(cls))


@bp.post("/slips/<int:slip_id>")
@login_required
def tick_slip(slip_id: int):
    slip = _owned(SlipIssue, slip_id, SLIPS)
    service.tick_slip(slip, handed=request.form.get("handed") == "1", by=g.user)
    return redirect(url_for("paper_export.slips_page", class_id=slip.school_class_id))


# --- navigation ---------------------------------------------------------------------------------------------

def _led(user, school) -> list[SchoolClass]:
    if school is None or "class_teacher" not in access.roles(user):
        return []
    year = roster.current_year(school)
    return [c for c in roster.classes_led_by(user) if year is not None and c.year_id == year.id]


def nav_items(user, school):
    led = _led(user, school)
    items = [NavItem(_("Paper %(name)s", name=c.name) if len(led) > 1 else _("Paper documents"),
                     "paper_export.class_page", priority=60, params=(("class_id", c.id),)) for c in led]
    if school is not None and not led and access.can(user, CLASS, school):
        items.append(NavItem(_("Paper documents"), "paper_export.school_page", priority=60))
    return items


def dashboard_widgets(user, school):
    out = []
    for cls in _led(user, school):
        notices = service.pending_notices(cls)
        if notices:
            out.append(Widget(_("Paper extracts are ready"), template="paper_export/widget_ready.html",
                              context={"cls": cls, "batches": notices}, priority=5))
    return out

