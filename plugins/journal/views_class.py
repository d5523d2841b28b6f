"""Journal pages of a class: the class teacher's summary, the timetable, control works.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from flask import render_template

from zhurnal.core import clock
from zhurnal.core.ui import login_required
from zhurnal.plugins.roster import service as roster
from zhurnal.plugins.roster.models import Subject

from . import service
from .models import Attendance, Lesson, TermMark
from .views_common import _class_for, _date_arg, _periods_and_chosen, bp


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


# --- timetable and control works ------------------------------------------------------------------

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
