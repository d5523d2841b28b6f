"""Journal pages: the list of journals and the grid of a class or group in a subject.
"""
from __future__ import annotations

import functools
import json

import peewee as pw
from flask import abort, g, render_template, url_for
from flask_babel import get_locale, gettext as _

from zhurnal.core import access, clock
from zhurnal.core.ui import href, login_required, render_with_islands
from zhurnal.plugins.roster import service as roster
from zhurnal.plugins.roster.models import SchoolClass, StudyGroup, Subject, TeachingAssignment

from . import grid as grids
from .scope import JournalOf
from .views_common import _date_arg, _int_arg, _or_404, _period_from_args, _school_id, bp


#: what a teacher types in the grid for each attendance status, and what the grid shows
ATTENDANCE_KEYS = {"absent": "н", "ill": "б", "valid": "у", "late": "о"}


# --- the list of journals -------------------------------------------------------------------------

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
            sort = (grp.school_class_id or 0, 1, grp.name)
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


# --- the grid -------------------------------------------------------------------------------------

def _grid_page(grid: grids.Grid, args: dict):
    """The page around the grid; the grid itself is drawn in the browser (static/grid_table.js)
    from the grid API's own answer, embedded in the page as a JSON data block, and from
    ``config``: what the answer does not hold (the words, today, the lesson link, whether
    period marks may be given here)."""
    scale = grid.scale
    config = {"scale": list(scale.values), "numeric": scale.numeric, "kinds": {k.code: k.weight for k in grid.kinds},
              "attendance": ATTENDANCE_KEYS, "period_id": getattr(grid.period, "id", None),
              "subject_id": getattr(grid.subject, "id", None),
              "history_url": href("journal.history"), "today": clock.today().isoformat(),
              "lesson_href": href("journal.lesson_page", lesson_id=0).removesuffix("0"),
              "can_term_marks": bool(grid.period and grid.can_term_marks),
              "messages": _grid_words(str(get_locale()))}
    return render_with_islands("journal/grid.html", {"data": grid.response().get_data()}, grid=grid, args=args,
                               config=json.dumps(config, ensure_ascii=False))


@functools.lru_cache(maxsize=8)
def _grid_words(locale: str) -> dict:
    """The words the grid's scripts write, in ``locale`` (the current one: call it with that)."""
    return {
        "saved": _("Saved."), "conflict": _("Someone else changed this mark: it is now %(value)s."),
        "conflict_gone": _("Someone else deleted this mark."), "error": _("Not saved: %(message)s"),
        "offline": _("Not saved: no connection."), "history": _("History"),
        "no_history": _("No changes recorded."), "full_history": _("Open the history page"),
        "not_a_mark": _("«%(value)s» is not a mark here: %(values)s"),
        "certificate": _("justified by a medical certificate"), "excused": _("excused"),
        "student": _("Student"), "average": _("Average"), "control_work": _("Control work"),
        "period_mark": _("Period mark"), "proposed": _("Proposed from the weighted average"),
    }


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
