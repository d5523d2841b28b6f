"""A pupil's pages: the week, marks of a period, the calendar (families, the pupil, staff read-only)."""
from __future__ import annotations

import functools

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import format_datetime, get_locale, gettext as _
from babel.dates import format_date
from markupsafe import Markup, escape

from zhurnal.core import clock
from zhurnal.core.fields import bounded_int
from zhurnal.core.ui import login_required, render_with_islands

from .. import access, marks as marks_of
from ..access import kids_of
from ..acknowledgement import acknowledge as acknowledge_week
from ..calendar import calendar as pupil_calendar
from ..week import open_week, week_json
from . import bp, week_param


@bp.get("/students/<id:student_id>")
@login_required
def week(student_id: int):
    """The week's frame (head, week navigation, acknowledgement); its days and news are drawn
    in the browser (``static/week.js``) from the week API's own answer, embedded in the page."""
    reader = access.reader(student_id)
    monday = week_param()
    if reader.withheld:
        return consent_notice(reader, "week")
    data = open_week(reader, monday, via="web")
    kids = kids_of(g.user) if reader.role == "guardian" else []
    locale = str(get_locale())
    encode = current_app.json.encode
    return render_with_islands("diary/week.html", {"week_data": encode(week_json(data)),
                                                   "words": encode(drawing_words(data, locale))},
                               d=data, st=reader.student, kids=kids, labels=week_labels(locale),
                               day_title=functools.partial(day_title, locale=locale))


def consent_notice(reader: access.Reader, tab: str):
    """The page a family member gets instead of the child's data when no consent stands (403)."""
    kids = kids_of(g.user) if reader.role == "guardian" else []
    return render_template("diary/consent_missing.html", st=reader.student, kids=kids, role=reader.role,
                           tab=tab, labels=week_labels(str(get_locale()))), 403


@functools.lru_cache(maxsize=1024)
def day_title(day, pattern: str = "EEEE, d MMMM", *, locale: str) -> str:
    """``day`` written by ``pattern`` in ``locale`` (a week's dates repeat on every page: written once)."""
    return format_date(day, pattern, locale=locale)


def drawing_words(data: dict, locale: str) -> dict:
    """What ``static/week.js`` writes besides the week's data, in ``locale``: the labels
    (:func:`script_labels`), each day's title («понедельник, 17 мая») and the news box's
    dates and time, as the server writes dates (Babel), keyed by the ISO dates of the JSON."""
    news = data["news"]
    shown = news and news["total"]
    return {
        "labels": script_labels(locale),
        "days": {d["date"].isoformat(): day_title(d["date"], locale=locale) for d in data["days"]},
        "since": format_datetime(news["since"], "short") if shown else None,
        "dates": {x["date"].isoformat(): day_title(x["date"], "d MMM", locale=locale)
                  for x in news["marks"] + news["absences"]} if shown else {},
    }


@functools.lru_cache(maxsize=8)
def script_labels(locale: str) -> dict:
    """The labels ``static/week.js`` draws the days and the news with, in ``locale`` (the
    current one: call it with that), translated once per language. Plain text: the script
    sets them as text; ``%(room)s``, ``%(d)s`` and ``%(n)d`` are filled there."""
    return {
        "attendance": {"absent": _("absent"), "ill": _("ill"), "valid": _("absent for a valid reason"),
                       "late": _("late")},
        "remark": {"remark": _("Remark"), "recommendation": _("Recommendation"), "praise": _("Praise")},
        "room": _("room %(room)s"), "news": _("New since your last visit"), "changed": _("changed"),
        "lesson_n": _("lesson %(n)d"), "topic": _("Topic:"), "hw": _("Homework:"), "due": _("due %(d)s"),
        "cancelled": _("Cancelled"), "substitution": _("Substitution"), "room_changed": _("Room changed"),
        "control": _("Control work"), "none": _("No lessons."), "today": _("Today"),
    }


@functools.lru_cache(maxsize=8)
def week_labels(locale: str) -> dict:
    """The diary pages' recurring labels in ``locale`` (the current one: call it with that).

    Translated once per language instead of on every page (a translation lookup costs
    several microseconds, and the page shows a score of them), and made as the template's
    ``_()`` makes them: markup.
    """
    m = Markup
    return {
        "attendance": {k: escape(v) for k, v in script_labels(locale)["attendance"].items()},
        "page": {"title": m(_("Diary")), "weeks": m(_("Weeks")), "previous": m(_("Previous")),
                 "this_week": m(_("this week")), "next": m(_("Next")),
                 "noscript": m(_("The week's lessons, marks and homework are shown with JavaScript on."))},
        "ack": {"done": Markup(_("You acknowledged this week on %(at)s.")),
                "outdated": Markup(_("You acknowledged this week on %(at)s; there are new marks or remarks since.")),
                "not_begun": m(_("You can acknowledge a week once it has begun.")), "button": m(_("Acknowledged")),
                "press": m(_("Press to confirm you have read this week's marks, absences and remarks.")),
                "guardians": m(_("Guardians acknowledged:")), "before_newer": m(_("before newer data")),
                "nobody": m(_("No guardian has acknowledged this week yet.")),
                "student": m(_("A parent acknowledges the week in their own account."))},
        "head": {"write": m(_("Write to a teacher")), "read_only": m(_("Read-only view")),
                 "back": m(_("Back to the class")), "children": m(_("Children")), "sections": m(_("Diary sections")),
                 "week": m(_("Week")), "marks": m(_("Marks")), "timetable": m(_("Timetable"))},
        "lesson": {"hw": m(_("Homework:"))},
    }


@bp.post("/students/<id:student_id>/acknowledge")
@login_required
def acknowledge(student_id: int):
    reader = access.reader(student_id, "diary.acknowledge")
    st, monday = reader.student, week_param()
    if reader.withheld:
        return consent_notice(reader, "week")
    try:
        _ack, created = acknowledge_week(g.user, st, monday)
    except access.Refused as e:
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
    reader = access.reader(student_id)
    st, role = reader.student, reader.role
    if reader.withheld:
        return consent_notice(reader, "marks")
    periods = marks_of.periods_of(st)
    pid = request.args.get("period_id", type=bounded_int)
    period = next((p for p in periods if p.id == pid), None) if pid else marks_of.current_period(periods, clock.today())
    if pid and period is None:
        abort(404)
    data = marks_of.period_marks(st, period) if period else {"student": st, "period": None, "subjects": []}
    if role == "staff" and period is not None:
        access.record_read(g.user, st, "marks", via="web", period=period.id)
    kids = kids_of(g.user) if role == "guardian" else []
    return render_template("diary/marks.html", d=data, st=st, periods=periods, kids=kids, role=role,
                           labels=week_labels(str(get_locale())))


@bp.get("/students/<id:student_id>/calendar")
@login_required
def calendar(student_id: int):
    reader = access.reader(student_id)
    if reader.withheld:
        return consent_notice(reader, "calendar")
    kids = kids_of(g.user) if reader.role == "guardian" else []
    return render_template("diary/calendar.html", d=pupil_calendar(reader.student), st=reader.student, kids=kids,
                           role=reader.role, labels=week_labels(str(get_locale())))
