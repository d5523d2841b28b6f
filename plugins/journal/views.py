"""Journal pages: the grid, "my lessons today", the class summary, history, periods, timetable.

Pages are server-rendered and readable without JavaScript, but for the grid's cells:
``static/grid_cells.js`` draws them from the grid's JSON embedded in the page, and
``static/journal.js`` adds keyboard entry on the grid (it talks to the JSON API).
"""
from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from pathlib import Path

import peewee as pw
from markupsafe import Markup
from flask import Blueprint, abort, flash, g, redirect, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _

from core import access, clock
from core.db import by_key
from core.fields import bounded_date, bounded_int
from core.ui import NavItem, Widget, login_required, safe_next
from plugins.roster import service as roster
from plugins.roster.models import AcademicYear, Period, SchoolClass, Student, StudyGroup, Subject, TeachingAssignment

from . import grid as grids, service
from .models import Attendance, Lesson, TermMark
from .scope import JournalOf

bp = Blueprint("journal", __name__, url_prefix="/journal", template_folder="templates")
STATIC = Path(__file__).parent / "static"

#: what a teacher types in the grid for each attendance status, and what the grid shows
ATTENDANCE_KEYS = {"absent": "н", "ill": "б", "valid": "у", "late": "о"}


def _school_id():
    return g.school.id if g.get("school") is not None else None


def _or_404(model, ident):
    obj = (by_key(model, model.id, ident) or [None])[0] if ident is not None else None
    if obj is None:
        abort(404)
    school = getattr(obj, "school_id", None)
    if school is None and isinstance(obj, Period):
        school = AcademicYear.get_by_id(obj.year_id).school_id
    if school != _school_id():
        abort(404)
    return obj


def _int_arg(name: str):
    v = request.args.get(name, "")
    try:
        return bounded_int(v) if v else None
    except ValueError:
        abort(400)


def _date_arg(name: str):
    v = request.args.get(name, "")
    try:
        return bounded_date(v) if v else None
    except ValueError:
        abort(400)


# --- navigation and dashboard ------------------------------------------------------------------------

def nav_items(user, school):
    items = []
    if access.can(user, "journal.read"):
        items.append(NavItem(_("Journal"), "journal.index", priority=40))
    if access.can(user, "journal.lesson.write"):
        items.append(NavItem(_("My lessons"), "journal.today", priority=41))
    if access.can(user, "journal.period.close"):
        items.append(NavItem(_("Periods"), "journal.periods", priority=400))
    return items


def dashboard_widgets(user, school):
    if not access.can(user, "journal.lesson.write"):
        return []
    from .today import day_of
    return [Widget(_("My lessons today"), template="journal/_today_widget.html",
                   context={"lessons": day_of(user, clock.today(), school.id)}, priority=20)]


@bp.get("/static/<path:filename>")
@login_required
def asset(filename: str):
    """The journal's scripts and styles (behind the login, like every journal route)."""
    return send_from_directory(STATIC, filename, max_age=3600)


# --- the list of journals ------------------------------------------------------------------------------

def _journal_links(user) -> list[dict]:
    """Every (class or group, subject) journal of the current school year the user may read."""
    year = roster.current_year(_school_id(), clock.today())
    if year is None:
        return []
    rows = (TeachingAssignment.select(TeachingAssignment, Subject, SchoolClass, StudyGroup)
            .join(Subject).switch(TeachingAssignment)
            .join(SchoolClass, join_type=pw.JOIN.LEFT_OUTER, on=(TeachingAssignment.school_class == SchoolClass.id))
            .switch(TeachingAssignment)
            .join(StudyGroup, join_type=pw.JOIN.LEFT_OUTER, on=(TeachingAssignment.group == StudyGroup.id))
            .where(TeachingAssignment.year == year.id))
    out, seen = [], set()
    for ta in rows:
        if ta.group_id:
            grp = ta.group
            key = ("g", grp.id, ta.subject_id)
            target = JournalOf.of_group(grp, ta.subject_id)
            label, url = grp.name, url_for("journal.group_grid", group_id=grp.id, subject_id=ta.subject_id)
            sort = (service.class_of(grp) or 0, 1, grp.name)
        else:
            cls = ta.school_class
            key = ("c", cls.id, ta.subject_id)
            target = JournalOf.of_class(cls, ta.subject_id)
            label, url = cls.name, url_for("journal.class_grid", class_id=cls.id, subject_id=ta.subject_id)
            sort = (cls.parallel, cls.letter, "")
        if key in seen or not access.can(user, "journal.read", target):
            continue
        seen.add(key)
        out.append({"label": label, "subject": ta.subject.name, "url": url, "sort": sort + (ta.subject.name,),
                    "mine": ta.teacher_id == user.id})
    return sorted(out, key=lambda x: (not x["mine"], x["sort"]))


@bp.get("/")
@login_required
def index():
    if not access.can(g.user, "journal.read"):
        abort(403)
    year = roster.current_year(_school_id(), clock.today())
    classes = roster.classes(_school_id(), year) if year else []
    summaries = [c for c in classes if access.can(g.user, "journal.summary.read", JournalOf.of_class(c))]
    return render_template("journal/index.html", links=_journal_links(g.user), summaries=summaries)


# --- the grid ------------------------------------------------------------------------------------------

def _grid_page(grid: grids.Grid, args: dict):
    """The grid's frame drawn here; its cells drawn in the browser (static/grid_cells.js)
    from the grid API's own answer, embedded in the page as a JSON data block."""
    scale = grid.scale
    config = {"scale": list(scale.values), "numeric": scale.numeric, "kinds": {k.code: k.weight for k in grid.kinds},
              "attendance": ATTENDANCE_KEYS, "period_id": getattr(grid.period, "id", None),
              "subject_id": getattr(grid.subject, "id", None),
              "history_url": url_for("journal.history"),
              "messages": {
                  "saved": _("Saved."), "conflict": _("Someone else changed this mark: it is now %(value)s."),
                  "conflict_gone": _("Someone else deleted this mark."), "error": _("Not saved: %(message)s"),
                  "offline": _("Not saved: no connection."), "history": _("History"),
                  "no_history": _("No changes recorded."), "full_history": _("Open the history page"),
                  "not_a_mark": _("«%(value)s» is not a mark here: %(values)s"),
                  "certificate": _("justified by a medical certificate"), "excused": _("excused"),
              }}
    # "<" only occurs inside JSON strings, where \u003c reads the same: nothing can close the block
    data = Markup(grid.response().get_data().replace(b"<", b"\\u003c").decode("utf-8"))
    return render_template("journal/grid.html", grid=grid, args=args, config=json.dumps(config, ensure_ascii=False),
                           data=data, today=clock.today(),
                           lesson_href=url_for("journal.lesson_page", lesson_id=0).removesuffix("0"))


def _period_from_args(year_id: int):
    pid = _int_arg("period_id")
    if pid is None:
        return None
    p = (by_key(Period, Period.id, pid) or [None])[0]
    if p is None or p.year_id != year_id:
        abort(404)
    return p


def _class_for(class_id: int, perm: str) -> SchoolClass:
    """A class of the user's school whose journal the user may ``perm``; else 404 / 403."""
    cls = _or_404(SchoolClass, class_id)
    if not access.can(g.user, perm, JournalOf.of_class(cls)):
        abort(403)
    return cls


def _periods_and_chosen(year_id: int) -> tuple[list[Period], Period | None]:
    """The year's periods and the one asked for (default: today's, else the last)."""
    periods = list(Period.select().where(Period.year == year_id).order_by(Period.number))
    period = _period_from_args(year_id) or next(
        (p for p in periods if p.start <= clock.today() <= p.end), periods[-1] if periods else None)
    return periods, period


@bp.get("/class/<id:class_id>")
@login_required
def class_grid(class_id: int):
    cls = _or_404(SchoolClass, class_id)
    subject = _or_404(Subject, _int_arg("subject_id"))
    if not access.can(g.user, "journal.read", JournalOf.of_class(cls, subject.id)):
        abort(403)
    period = _period_from_args(cls.year_id)
    grid = grids.build(g.user, subject=subject, school_class=cls, period=period,
                       date_from=_date_arg("from"), date_to=_date_arg("to"), encoded=True)
    return _grid_page(grid, {"class_id": cls.id, "subject_id": subject.id})


@bp.get("/group/<id:group_id>")
@login_required
def group_grid(group_id: int):
    grp = _or_404(StudyGroup, group_id)
    subject = _or_404(Subject, _int_arg("subject_id") or grp.subject_id)
    if not access.can(g.user, "journal.read", JournalOf.of_group(grp, subject.id)):
        abort(403)
    period = _period_from_args(grp.year_id)
    grid = grids.build(g.user, subject=subject, group=grp, period=period,
                       date_from=_date_arg("from"), date_to=_date_arg("to"), encoded=True)
    return _grid_page(grid, {"group_id": grp.id, "subject_id": subject.id})


# --- one lesson: topic and homework ---------------------------------------------------------------------

@bp.route("/lessons/<id:lesson_id>", methods=["GET", "POST"])
@login_required
def lesson_page(lesson_id: int):
    lesson = service._lesson_query().where(Lesson.id == lesson_id).first()
    if lesson is None or lesson.school_id != _school_id():
        abort(404)
    if not access.can(g.user, "journal.read", lesson):
        abort(403)
    period = service.lesson_period(lesson)
    writable = access.can(g.user, "journal.lesson.write", lesson) and (
        period.closed_at is None or access.can(g.user, "journal.closed_period.edit", lesson))
    if request.method == "POST":
        if not writable:
            abort(403)
        f = request.form
        changes = {"topic": f.get("topic", "").strip()[:300], "homework": f.get("homework", "").strip()[:5000],
                   "is_control": f.get("is_control") == "1", "control_title": f.get("control_title", "").strip()[:200]}
        try:
            version = bounded_int(f.get("version", "0") or 0)
        except ValueError:
            abort(400)
        try:
            service.update_lesson(lesson, changes, version=version, by=g.user,
                                  allow_closed=access.can(g.user, "journal.closed_period.edit", lesson))
            flash(_("Saved."), "ok")
        except service.StaleEdit:
            flash(_("Someone else changed this lesson in the meantime. Check and save again."), "error")
        except service.Invalid as e:
            flash("; ".join(_(m) for m in e.fields.values()), "error")
        return redirect(safe_next(request.form.get("next"), url_for("journal.lesson_page", lesson_id=lesson.id)))
    from . import lesson_roster
    marks_writable = access.can(g.user, "journal.mark.write", lesson) and (
        period.closed_at is None or access.can(g.user, "journal.closed_period.edit", lesson))
    return render_template("journal/lesson.html", lesson=lesson, period=period, writable=writable,
                           links=service.homework_links(lesson), roster=lesson_roster.roster(lesson),
                           marks_writable=marks_writable and not lesson.cancelled,
                           roster_config=lesson_roster.config(lesson))


# --- my lessons today -------------------------------------------------------------------------------------

@bp.get("/today")
@login_required
def today():
    if not access.can(g.user, "journal.lesson.write"):
        abort(403)
    day = _date_arg("date") or clock.today()
    lessons = service.lessons_of_teacher(g.user, day)
    for x in lessons:
        x.writable = access.can(g.user, "journal.lesson.write", x)
        x.grid_url = (url_for("journal.group_grid", group_id=x.group_id, subject_id=x.subject_id) if x.group_id
                      else url_for("journal.class_grid", class_id=x.school_class_id, subject_id=x.subject_id))
    names = {}
    if lessons:
        cids = {x.school_class_id for x in lessons if x.school_class_id}
        gids = {x.group_id for x in lessons if x.group_id}
        names.update({("c", c.id): c.name for c in SchoolClass.select().where(SchoolClass.id.in_(list(cids) or [-1]))})
        names.update({("g", s.id): s.name for s in StudyGroup.select().where(StudyGroup.id.in_(list(gids) or [-1]))})
    return render_template("journal/today.html", lessons=lessons, day=day, names=names,
                           prev_day=day - dt.timedelta(days=1), next_day=day + dt.timedelta(days=1),
                           bells={b.number: b for b in service.bells(_school_id())})


# --- the class teacher's summary --------------------------------------------------------------------------

@bp.get("/summary/<id:class_id>")
@login_required
def summary(class_id: int):
    cls = _class_for(class_id, "journal.summary.read")
    periods, period = _periods_and_chosen(cls.year_id)
    students = roster.class_students(cls.id)
    ids = [s.id for s in students]
    avgs = service.averages_by_subject(ids, period)
    subject_ids = {subj for (_s, subj) in avgs}
    subject_ids |= {s for (s,) in Lesson.select(Lesson.subject).where(
        (Lesson.school_class == cls.id) & (Lesson.date >= period.start) & (Lesson.date <= period.end))
        .distinct().tuples()} if period else set()
    subjects = list(Subject.select().where(Subject.id.in_(list(subject_ids) or [-1])).order_by(Subject.name))
    terms = {(t.student_id, t.subject_id): t.value for t in TermMark.select().where(
        TermMark.student.in_(ids or [-1]) & (TermMark.period == getattr(period, "id", None)))}
    absences: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    if period:
        for sid, status in (Attendance.select(Attendance.student, Attendance.status).join(Lesson)
                            .where(Attendance.student.in_(ids or [-1]) & (Lesson.date >= period.start) &
                                   (Lesson.date <= period.end)).tuples()):
            absences[sid][status] += 1
    return render_template("journal/summary.html", cls=cls, periods=periods, period=period, students=students,
                           subjects=subjects, avgs=avgs, terms=terms, absences=absences)


# --- history of a cell --------------------------------------------------------------------------------------

@bp.get("/history")
@login_required
def history():
    lesson = service._lesson_query().where(Lesson.id == (_int_arg("lesson_id") or -1)).first()
    if lesson is None or lesson.school_id != _school_id():
        abort(404)
    if not access.can(g.user, "journal.history.read", lesson):
        abort(403)
    student = _or_404(Student, _int_arg("student_id"))
    rows = service.history_for(lesson_id=lesson.id, student_id=student.id)
    return render_template("journal/history.html", lesson=lesson, student=student, rows=rows)


# --- periods -----------------------------------------------------------------------------------------------

@bp.route("/periods", methods=["GET", "POST"])
@login_required
def periods():
    if g.get("school") is None or not access.can(g.user, "journal.period.close", g.school):
        abort(403)
    if request.method == "POST":
        try:
            period = _or_404(Period, request.form.get("period_id", 0, type=bounded_int))
        except ValueError:
            abort(400)
        if request.form.get("action") == "close":
            service.close_period(period, by=g.user)
            flash(_("The period is closed."), "ok")
        else:
            service.reopen_period(period, by=g.user)
            flash(_("The period is open again."), "ok")
        return redirect(url_for("journal.periods"))
    year = roster.current_year(_school_id(), clock.today())
    return render_template("journal/periods.html", year=year, periods=roster.periods(year) if year else [])


# --- timetable and control works ---------------------------------------------------------------------------

@bp.get("/timetable/<id:class_id>")
@login_required
def timetable(class_id: int):
    cls = _class_for(class_id, "journal.timetable.read")
    day = _date_arg("date") or clock.today()
    monday = day - dt.timedelta(days=day.weekday())
    entries = service.timetable_for_class(cls.id, day)
    changes = {(c.entry_id, c.date.isoweekday()): c for c in
               service.timetable_changes([e.id for e in entries], monday, monday + dt.timedelta(days=6))}
    grid: dict = defaultdict(list)
    for e in entries:
        grid[(e.weekday, e.number)].append(e)
    numbers = sorted({e.number for e in entries})
    return render_template("journal/timetable.html", cls=cls, grid=grid, numbers=numbers, changes=changes,
                           bells={b.number: b for b in service.bells(cls.school_id)}, monday=monday,
                           days=[monday + dt.timedelta(days=i) for i in range(5)],
                           prev_week=monday - dt.timedelta(days=7), next_week=monday + dt.timedelta(days=7))


@bp.get("/control-works/<id:class_id>")
@login_required
def control_works(class_id: int):
    cls = _class_for(class_id, "journal.timetable.read")
    periods, period = _periods_and_chosen(cls.year_id)
    works = service.control_works(class_id=cls.id, date_from=getattr(period, "start", None),
                                  date_to=getattr(period, "end", None))
    return render_template("journal/control_works.html", cls=cls, works=works, periods=periods, period=period,
                           today=clock.today())


# --- the student's card -----------------------------------------------------------------------------------

def card_sections(student, user) -> list:
    """Marks and attendance of the current period on a student's card (for those who read the class journal)."""
    cls = SchoolClass.get_or_none(SchoolClass.id == service.class_of(student))
    if cls is None or not access.can(user, "journal.summary.read", JournalOf.of_class(cls)):
        return []
    period = roster.period_for(student.school_id, clock.today())
    if period is None:
        return []
    avgs = service.averages_by_subject([student.id], period)
    names = {s.id: s.name for s in Subject.select().where(Subject.id.in_([subj for _s, subj in avgs] or [-1]))}
    rows = sorted(((names[subj], avg) for (_s, subj), avg in avgs.items()), key=lambda r: r[0])
    absences = defaultdict(int)
    for a in service.attendance_for([student.id], date_from=period.start, date_to=period.end):
        absences[a.status] += 1
    remarks = service.remarks_for([student.id], period.start, period.end)[:5]
    return [Widget(_("Journal: %(period)s", period=period.name), template="journal/_card.html",
                   context={"rows": rows, "absences": absences, "remarks": remarks}, priority=30)]
