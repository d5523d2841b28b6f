"""Diary pages for parents and students: the week, marks of a period, the calendar.

The class teacher's pages are in :mod:`.views_staff`, messages in
:mod:`.views_messages`, help in :mod:`.views_help`; all hang on one blueprint.
"""
from __future__ import annotations

import datetime as dt
import functools

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from markupsafe import Markup

from core import access, clock
from core.fields import bounded_date, bounded_int
from core.ui import NavItem, Widget, login_required
from plugins.roster import service as roster

from . import guard, report, service
from .consent import withheld
from .reading import kids_of, open_week, viewer_role
from .week import monday_of

bp = Blueprint("diary", __name__, url_prefix="/diary", template_folder="templates")


def week_param(name: str = "week") -> dt.date:
    """The Monday of the week asked for in the query string (default: this week)."""
    raw = request.values.get(name)
    if not raw:
        return monday_of(clock.today())
    try:
        return monday_of(bounded_date(raw))
    except ValueError:
        abort(400)


@bp.get("/")
@login_required
def index():
    """Where "Дневник" leads: a family to a child's week, a class teacher to their class."""
    if not access.can(g.user, "diary.week.read"):
        abort(403)
    kids = roster.children_of(g.user)
    if kids:
        return redirect(url_for("diary.week", student_id=kids[0].id))
    from plugins.roster.models import Student
    own = Student.get_or_none((Student.user == g.user.id) & Student.left_at.is_null())
    if own is not None:
        return redirect(url_for("diary.week", student_id=own.id))
    led = [c for c in roster.classes_led_by(g.user) if access.can(g.user, "diary.control.read", c)]
    if len(led) == 1:
        return redirect(url_for("diary.class_page", class_id=led[0].id))
    classes = led
    if not classes and g.school is not None:  # the administration: every class of the year
        year = roster.current_year(g.school, clock.today())
        classes = [c for c in roster.classes(g.school, year) if access.can(g.user, "diary.control.read", c)]
    return render_template("diary/index.html", classes=classes)


@bp.get("/students/<id:student_id>")
@login_required
def week(student_id: int):
    st = guard.student(student_id)
    monday = week_param()
    if withheld(g.user, st, viewer_role(g.user, st)):
        return consent_notice(st, "week")
    data = open_week(g.user, st, monday, via="web")
    kids = kids_of(g.user) if data["role"] == "guardian" else []
    return render_template("diary/week.html", d=data, st=st, kids=kids, labels=week_labels(str(get_locale())),
                           lesson_meta=lesson_meta)


def consent_notice(st, tab: str):
    """The page a family member gets instead of the child's data when no consent stands (403)."""
    role = viewer_role(g.user, st)
    kids = kids_of(g.user) if role == "guardian" else []
    return render_template("diary/consent_missing.html", st=st, kids=kids, role=role, tab=tab), 403


def lesson_meta(lesson: dict, room: str) -> str:
    """The line under a lesson's subject on the week page, «08:30–09:15 · каб. 21 · teacher»,
    as plain text (the template escapes it). ``room`` is the label of a room number.

    Made here rather than in the template: every lesson shows it, and the template's
    conditions, calls and escaping of each piece cost several times more.
    """
    parts = []
    if lesson["start"]:
        parts.append(f"{lesson['start']:%H:%M}–{lesson['end']:%H:%M}")
    if lesson["room"]:  # a number reads "каб. 21", a named room (спортзал) as it is
        parts.append(room % {"room": lesson["room"]} if lesson["room"][:1].isdigit() else lesson["room"])
    if lesson["teacher"]:
        parts.append(lesson["teacher"])
    # without the bell's times the line starts with the separator, as it always has
    return " · ".join(parts) if lesson["start"] else "".join(" · " + p for p in parts)


@functools.lru_cache(maxsize=8)
def week_labels(locale: str) -> dict:
    """The week page's recurring labels in ``locale`` (the current one: call it with that).

    Translated once per language instead of on every page (a translation lookup costs
    several microseconds, and the page shows a score of them), and made as the template's
    ``_()`` makes them: markup, with a NUL character where the page puts a date; ``room``
    is plain text for :func:`lesson_meta`.
    """
    def m(text: str, **values) -> Markup:
        return Markup(text) % values
    return {
        "attendance": {"absent": m(_("absent")), "ill": m(_("ill")), "valid": m(_("absent for a valid reason")),
                       "late": m(_("late"))},
        "remark": {"remark": m(_("Remark")), "recommendation": m(_("Recommendation")), "praise": m(_("Praise"))},
        "room": _("room %(room)s"),
        "lesson": {"topic": m(_("Topic:")), "hw": m(_("Homework:")), "due": m(_("due %(d)s"), d="\x00"),
                   "cancelled": m(_("Cancelled")), "substitution": m(_("Substitution")),
                   "room_changed": m(_("Room changed")), "control": m(_("Control work")), "none": m(_("No lessons.")),
                   "today": m(_("Today"))},
    }


@bp.post("/students/<id:student_id>/acknowledge")
@login_required
def acknowledge(student_id: int):
    st = guard.student(student_id, "diary.acknowledge")
    monday = week_param()
    if withheld(g.user, st, viewer_role(g.user, st)):
        return consent_notice(st, "week")
    try:
        _ack, created = service.acknowledge(g.user, st, monday)
    except service.Refused as e:
        if e.status == 403:
            abort(403)
        flash(_("You can acknowledge a week once it has begun."), "error")
    else:
        flash(_("Thank you: you have acknowledged the week.") if created
              else _("You have already acknowledged this week; nothing has changed since."), "ok")
    return redirect(url_for("diary.week", student_id=st.id, week=monday.isoformat()))


@bp.get("/students/<id:student_id>/marks")
@login_required
def marks(student_id: int):
    st = guard.student(student_id)
    if withheld(g.user, st, viewer_role(g.user, st)):
        return consent_notice(st, "marks")
    periods = report.periods_of(st)
    pid = request.args.get("period_id", type=bounded_int)
    period = next((p for p in periods if p.id == pid), None) if pid else report.current_period(periods, clock.today())
    if pid and period is None:
        abort(404)
    data = report.period_marks(st, period) if period else {"student": st, "period": None, "subjects": []}
    role = viewer_role(g.user, st)
    if role == "staff" and period is not None:
        service.record_read(g.user, st, "marks", via="web", period=period.id)
    kids = kids_of(g.user) if role == "guardian" else []
    return render_template("diary/marks.html", d=data, st=st, periods=periods, kids=kids, role=role)


@bp.get("/students/<id:student_id>/calendar")
@login_required
def calendar(student_id: int):
    st = guard.student(student_id)
    role = viewer_role(g.user, st)
    if withheld(g.user, st, role):
        return consent_notice(st, "calendar")
    kids = kids_of(g.user) if role == "guardian" else []
    return render_template("diary/calendar.html", d=report.calendar(st), st=st, kids=kids, role=role)


# --- navigation and dashboard ---------------------------------------------------------------------

def nav_items(user, school):
    """The diary's menu entries. The shell asks on every template render (a dashboard
    renders one template per widget), so the answer is kept for the request."""
    cache = g.setdefault("_diary_nav", {})
    if user.id not in cache:
        cache[user.id] = _nav_items(user)
    return cache[user.id]


def _nav_items(user):
    items = []
    if access.can(user, "diary.week.read"):
        items.append(NavItem(_("Diary"), "diary.index", priority=20))
    if access.can(user, "diary.message.read"):
        from .messaging import unread_counts
        n = sum(unread_counts(user.id).values())
        label = _("Messages") + (f" ({n})" if n else "")
        items.append(NavItem(label, "diary.messages", priority=30))
    if access.can(user, "diary.help.read"):
        items.append(NavItem(_("Help"), "diary.help", priority=880))
    return items


def dashboard_widgets(user, school):
    out = []
    kids = kids_of(user) if access.can(user, "diary.week.read") else []
    if kids:
        out.append(Widget(_("Diary"), template="diary/_widget_children.html", context={"kids": kids}, priority=10))
    elif "student" in access.roles(user):
        own = _own_days(user)
        if own:
            out.append(Widget(_("My diary"), template="diary/_widget_days.html", context=own, priority=10))
    if access.can(user, "diary.control.read"):
        led = [c for c in roster.classes_led_by(user) if access.can(user, "diary.control.read", c)]
        if led:
            from .control import class_week
            last = monday_of(clock.today()) - dt.timedelta(days=7)
            stats = [class_week(c, last) for c in led[:2]]
            out.append(Widget(_("Diary acknowledgements"), template="diary/_widget_control.html",
                              context={"stats": stats}, priority=15))
    return out


def _own_days(user) -> dict | None:
    """A student's home: today's lessons and the next school day's (homework, marks, absences).
    Read without counting as a visit to the diary (the "new since your last visit" stays)."""
    from plugins.roster.models import SchoolClass, Student
    from .week import build_week
    own = (Student.select(Student, SchoolClass).join(SchoolClass)
           .where((Student.user == user.id) & Student.left_at.is_null()).first())
    if own is None or not access.can(user, "diary.week.read", own):
        return None
    today = clock.today()
    days = [d for d in build_week(own, monday_of(today))["days"] if d["date"] >= today and d["lessons"]]
    if len(days) < 2:  # Friday or the weekend: the next week's first days
        days += [d for d in build_week(own, monday_of(today) + dt.timedelta(days=7))["days"] if d["lessons"]]
    return {"student": own, "days": days[:2], "today": today, "labels": week_labels(str(get_locale()))}


from . import views_help, views_messages, views_staff  # noqa: E402,F401  (their routes hang on bp)
