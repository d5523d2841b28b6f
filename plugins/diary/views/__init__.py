"""Diary pages, all on one blueprint (``diary``, under ``/diary``).

:mod:`.pupil` — a pupil's week, marks and calendar (families, the pupil, staff read-only);
:mod:`.staff` — the class teacher's class, acknowledgement control and announcements;
:mod:`.messages` — conversations; :mod:`.help` — help and the parents' leaflet;
:mod:`.ack_link` — the weekly summary's «Ознакомлен» link. Here: the blueprint, the
diary's entry page, its menu entries and dashboard widgets.
"""
from __future__ import annotations

import datetime as dt
import os

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _

from zhurnal.core import access, clock
from zhurnal.core.fields import bounded_date
from zhurnal.core.ui import NavItem, Widget, login_required, serve_assets
from zhurnal.plugins.roster import service as roster

from ..access import kids_of
from ..week import monday_of

_HOME = os.path.dirname(os.path.dirname(__file__))
bp = Blueprint("diary", __name__, url_prefix="/diary", template_folder=os.path.join(_HOME, "templates"))
STATIC = os.path.join(_HOME, "static")


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
    from zhurnal.plugins.roster.models import Student
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


serve_assets(bp, STATIC)   # the diary's scripts (diary.asset)


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
        from ..messages import unread_counts
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
            from ..acknowledgement import class_week
            last = monday_of(clock.today()) - dt.timedelta(days=7)
            stats = [class_week(c, last) for c in led[:2]]
            out.append(Widget(_("Diary acknowledgements"), template="diary/_widget_control.html",
                              context={"stats": stats}, priority=15))
    return out


def _own_days(user) -> dict | None:
    """A pupil's home: today's lessons and the next school day's (homework, marks, absences).
    Read without counting as a visit to the diary (the "new since your last visit" stays)."""
    from zhurnal.plugins.roster.models import SchoolClass, Student
    from ..week import build_week
    from .pupil import week_labels
    own = (Student.select(Student, SchoolClass).join(SchoolClass)
           .where((Student.user == user.id) & Student.left_at.is_null()).first())
    if own is None or not access.can(user, "diary.week.read", own):
        return None
    today = clock.today()
    days = [d for d in build_week(own, monday_of(today))["days"] if d["date"] >= today and d["lessons"]]
    if len(days) < 2:  # Friday or the weekend: the next week's first days
        days += [d for d in build_week(own, monday_of(today) + dt.timedelta(days=7))["days"] if d["lessons"]]
    return {"student": own, "days": days[:2], "today": today, "labels": week_labels(str(get_locale()))}


from . import ack_link, help, messages, pupil, staff  # noqa: E402,F401  (their routes hang on bp)
