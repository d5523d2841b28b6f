"""Journal pages: one lesson (topic and homework), my lessons today, the history of a cell.
"""
from __future__ import annotations

import datetime as dt

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from zhurnal.core import access, clock
from zhurnal.core.fields import bounded_int
from zhurnal.core.ui import login_required, safe_next
from zhurnal.plugins.roster.models import SchoolClass, Student, StudyGroup

from . import service
from .common import _lesson_query
from .models import Lesson
from .views_common import _date_arg, _int_arg, _or_404, _school_id, bp


@bp.route("/lessons/<id:lesson_id>", methods=["GET", "POST"])
@login_required
def lesson_page(lesson_id: int):
    lesson = _lesson_query().where(Lesson.id == lesson_id).first()
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


# --- my lessons today -----------------------------------------------------------------------------

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


# --- history of a cell ----------------------------------------------------------------------------

@bp.get("/history")
@login_required
def history():
    lesson = _lesson_query().where(Lesson.id == (_int_arg("lesson_id") or -1)).first()
    if lesson is None or lesson.school_id != _school_id():
        abort(404)
    if not access.can(g.user, "journal.history.read", lesson):
        abort(403)
    student = _or_404(Student, _int_arg("student_id"))
    rows = service.history_for(lesson_id=lesson.id, student_id=student.id)
    return render_template("journal/history.html", lesson=lesson, student=student, rows=rows)
