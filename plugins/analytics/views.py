"""Analytics pages: class, student and school reports with charts; sending reports; what was
received and opened; the school's thresholds. Every report page also answers
``?format=xlsx`` / ``?format=csv`` (the same figures as a table) and prints cleanly."""
from __future__ import annotations

import datetime as dt
import io

from flask import Blueprint, abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import format_date, gettext as _

from zhurnal.core import access, audit, tabular
from zhurnal.core.access import Scope
from zhurnal.core.db import database
from zhurnal.core.identity.models import User
from zhurnal.core.ui import NavItem, Widget, login_required
from zhurnal.plugins.roster import service as roster
from zhurnal.plugins.roster.models import AcademicYear, Period, SchoolClass, Student

from . import permissions as P, present, schemas, service
from .guard import get_or_404
from .models import SentReport

bp = Blueprint("analytics", __name__, url_prefix="/analytics", template_folder="templates")


def nav_items(user, school):
    if school is None:
        return []
    items = []
    if access.can(user, P.SCHOOL_READ, Scope.of(school.id)):
        items.append(NavItem(_("Analytics"), "analytics.index", priority=60))
    elif access.can(user, P.RECEIVED_READ) or access.can(user, P.CLASS_READ) or access.can(user, P.CLASS_SUBJECT_READ):
        items.append(NavItem(_("Analytics"), "analytics.index", priority=60))
    elif _guardian_view(user, school.id):
        items.append(NavItem(_("Analytics"), "analytics.index", priority=60))
    return items


def _guardian_view(user, school_id: int) -> bool:
    """A guardian sees the analytics page when the school lets guardians see their child's report."""
    return "parent" in access.roles(user) and service.settings_for(school_id)["guardians_see_reports"]


def dashboard_widgets(user, school):
    if school is None or not access.can(user, P.RECEIVED_READ):
        return []
    rows = [(r, d) for r, d in service.received(user, limit=5)]
    if not rows:
        return []
    return [Widget(_("Analytic reports for you"), template="analytics/_widget.html",
                   context={"rows": rows, "unopened": sum(1 for _r, d in rows if d.opened_at is None)}, priority=15)]


def _school_id() -> int:
    if g.get("school") is None:
        abort(404)
    return g.school.id


def _get(model, ident: int):
    _school_id()  # a page needs the user's school
    return get_or_404(model, ident)


def _range() -> tuple[dt.date, dt.date]:
    """A reporting period chosen by ``period_id``, else ``from``/``to`` of the query string (400 for
    junk or a bad pair), else the current period."""
    pid = request.args.get("period_id", "").strip()
    if pid:
        if not pid.isdigit() or int(pid) > schemas.MAX_ID:
            abort(400)
        period = (Period.select().join(AcademicYear)
                  .where((Period.id == int(pid)) & (AcademicYear.school == _school_id())).first())
        if period is None:
            abort(404)
        return period.start, period.end

    def parse(name):
        v = request.args.get(name, "").strip()
        if not v:
            return None
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            abort(400)
    a, b = parse("from"), parse("to")
    errors = schemas.check_range(a, b)
    if errors:
        abort(400, "; ".join(_(m) for m in errors.values()))
    return (a, b) if a else schemas.default_range(_school_id())


def _periods():
    year = roster.current_year(_school_id())
    return roster.periods(year) if year else []


def _export(rep: dict, filename: str):
    fmt = request.args.get("format")
    if fmt not in ("csv", "xlsx"):
        abort(400)
    titles, rows = present.export_rows(rep)
    buf = io.BytesIO()
    tabular.write_table(buf, fmt, titles, rows, sheet_title=filename[:31])
    with database.atomic():
        audit.record("analytics.export", object_type="analytics_report", school_id=_school_id(),
                     data={"kind": rep["kind"], "format": fmt, "rows": len(rows), "name": filename})
    buf.seek(0)
    return send_file(buf, as_attachment=True, download_name=f"{filename}.{fmt}",
                     mimetype="text/csv" if fmt == "csv" else
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _pdf_hooks():
    """The school's hooks when a plugin enabled for it renders PDFs (``zhurnal_render_pdf``), else None."""
    from flask import current_app
    host = current_app.extensions["zhurnal"].plugins
    off = host.disabled_for(g.get("school"))
    names = {host.pm.get_name(i.plugin) for i in host.pm.hook.zhurnal_render_pdf.get_hookimpls()}
    return host.hook_for(g.get("school")) if names - off else None


def _show(rep: dict, filename: str, **ctx):
    maker = {"class": present.class_charts, "student": present.student_charts, "school": present.school_charts}
    fmt = request.args.get("format")
    view = dict(rep=rep, charts=maker[rep["kind"]](rep), periods=_periods(), reason_text=present.reason_text,
                title=present.title(rep), d=lambda iso: format_date(dt.date.fromisoformat(iso)), **ctx)
    if fmt == "pdf":
        hooks = _pdf_hooks()
        data = hooks.zhurnal_render_pdf(html=render_template("analytics/report_pdf.html", **view)) if hooks else None
        if data is None:
            abort(404)
        with database.atomic():
            audit.record("analytics.export", object_type="analytics_report", school_id=_school_id(),
                         data={"kind": rep["kind"], "format": "pdf", "name": filename})
        return send_file(io.BytesIO(data), as_attachment=True, download_name=f"{filename}.pdf",
                         mimetype="application/pdf")
    if fmt:
        return _export(rep, filename)
    return render_template("analytics/report.html", pdf=_pdf_hooks() is not None, **view)


@bp.get("/")
@login_required
def index():
    sid = _school_id()
    admin = access.can(g.user, P.SEND, Scope.of(sid))
    classes = roster.classes(sid)
    if not admin:
        classes = [c for c in classes if access.can(g.user, P.CLASS_READ, c) or access.can(g.user, P.CLASS_SUBJECT_READ, c)]
    sent = service.sent_reports(sid) if admin else []
    deliveries = service.deliveries_of([r.id for r in sent])
    received = service.received(g.user) if access.can(g.user, P.RECEIVED_READ) else []
    children = ([s for s in roster.children_of(g.user) if access.can(g.user, P.STUDENT_READ, s)]
                if _guardian_view(g.user, sid) else [])
    # a teacher with no class yet (an empty school) gets the page with nothing in it, as the menu promised
    may_read = access.can(g.user, P.CLASS_READ) or access.can(g.user, P.CLASS_SUBJECT_READ)
    if not (admin or classes or received or children or may_read or access.can(g.user, P.RECEIVED_READ)):
        abort(403)
    names = {c.id: c.name for c in roster.classes(sid)}
    uids = {d.recipient_id for ds in deliveries.values() for d in ds}
    users = dict(User.select(User.id, User.display_name).where(User.id.in_(list(uids) or [0])).tuples())
    a, b = schemas.default_range(sid)
    return render_template("analytics/index.html", admin=admin, classes=classes, sent=sent, deliveries=deliveries,
                           received=received, children=children, class_names=names, users=users, periods=_periods(),
                           date_from=a, date_to=b)


@bp.get("/classes/<int:class_id>")
@login_required
def class_page(class_id: int):
    cls = _get(SchoolClass, class_id)
    only, pupils = P.class_view(g.user, cls)
    a, b = _range()
    rep = service.class_report(cls, a, b, only, pupils)
    service.record_class_read(cls, via="analytics.class_page", by=g.user)
    return _show(rep, f"analytics-{cls.name}-{a}-{b}", cls=cls, can_send=access.can(g.user, P.SEND, cls),
                 student_link=lambda st: access.can(g.user, P.STUDENT_READ, st) or access.can(g.user, P.STUDENT_SUBJECT_READ, st))


@bp.get("/students/<int:student_id>")
@login_required
def student_page(student_id: int):
    student = _get(Student, student_id)
    only = P.student_subjects(g.user, student)
    a, b = _range()
    rep = service.student_report(student, a, b, only)
    service.record_student_read(student, via="analytics.student_page", by=g.user)
    return _show(rep, f"analytics-student-{student.id}-{a}-{b}")


@bp.get("/school")
@login_required
def school_page():
    sid = _school_id()
    access.require(g.user, P.SCHOOL_READ, Scope.of(sid))
    a, b = _range()
    return _show(service.school_report(sid, a, b), f"analytics-school-{a}-{b}")


@bp.post("/send")
@login_required
def send():
    sid = _school_id()
    access.require(g.user, P.SEND, Scope.of(sid))
    try:
        a = dt.date.fromisoformat(request.form.get("from", ""))
        b = dt.date.fromisoformat(request.form.get("to", ""))
    except ValueError:
        flash(_("Give the period's dates."), "error")
        return redirect(url_for("analytics.index"))
    errors = schemas.check_range(a, b)
    if errors:
        flash("; ".join(_(m) for m in errors.values()), "error")
        return redirect(url_for("analytics.index"))
    target = request.form.get("target", "")
    if target == "school":
        sent = service.send_school(sid, a, b, by=g.user)
    else:
        try:
            cid = int(target)
        except ValueError:
            abort(400)
        sent = service.send_class(_get(SchoolClass, cid), a, b, by=g.user)
    flash(_("Reports sent: %(n)s.", n=len(sent)), "success")
    return redirect(url_for("analytics.index"))


@bp.get("/reports/<int:report_id>")
@login_required
def report_page(report_id: int):
    r = _get(SentReport, report_id)
    if not access.can(g.user, P.RECEIVED_READ, r):
        abort(404)
    service.mark_opened(r, g.user)
    rep = service.figures(r)
    return _show(rep, f"analytics-report-{r.id}", sent=r)


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    sid = _school_id()
    access.require(g.user, P.SETTINGS, Scope.of(sid))
    current = service.settings_for(sid)
    errors = {}
    if request.method == "POST":
        form = request.form
        values = {}
        for key, lo, hi, kind in (("min_marks", 0, 100, int), ("risk_absences", 1, 1000, int),
                                  ("risk_drop", 0.01, 10, float)):
            try:
                v = kind(form.get(key, "").replace(",", "."))
                if not lo <= v <= hi:
                    raise ValueError
                values[key] = v
            except ValueError:
                errors[key] = _("Must be between %(a)s and %(b)s.", a=lo, b=hi)
        values["guardians_see_reports"] = form.get("guardians_see_reports") == "on"
        if not errors:
            service.save_settings(sid, values, by=g.user)
            flash(_("Saved."), "success")
            return redirect(url_for("analytics.settings"))
        current = {**current, **values}
    return render_template("analytics/settings.html", s=current, errors=errors), (422 if errors else 200)
