"""Journal pages: the list of journals and the grid of a class or group in a subject.
"""
from __future__ import annotations

import json

import peewee as pw
from markupsafe import Markup, escape
from flask import abort, g, render_template, url_for
from flask_babel import gettext as _

from core import access, clock
from core.ui import login_required
from plugins.roster import service as roster
from plugins.roster.models import SchoolClass, StudyGroup, Subject, TeachingAssignment

from . import grid as grids, service
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


# --- the grid -------------------------------------------------------------------------------------

def _grid_page(grid: grids.Grid, args: dict):
    scale = grid.scale
    cells = {}
    for (sid, lid), ms in grid.marks.items():
        cells.setdefault((sid, lid), {})["marks"] = ms
    for (sid, lid), a in grid.attendance.items():
        cells.setdefault((sid, lid), {})["att"] = a
    kind_names = {k.id: k.name for k in grid.kinds}
    kind_codes = {k.id: k.code for k in grid.kinds}
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
              }}
    rows = _grid_rows(grid, cells, kind_names, kind_codes)
    return render_template("journal/grid.html", grid=grid, cells=cells, args=args, kind_names=kind_names,
                           kind_codes=kind_codes, config=json.dumps(config, ensure_ascii=False),
                           attendance_keys=ATTENDANCE_KEYS, today=clock.today(), rows=rows)


def _grid_rows(grid: grids.Grid, cells: dict, kind_names: dict, kind_codes: dict) -> dict:
    """The lesson cells of each student's row as ready HTML.

    A quarter's grid has well over a thousand cells; building them here costs a fraction
    of the same markup in Jinja. Every value is escaped; the few distinct ones (mark
    values, kinds of work, statuses) once per page.
    """
    escaped: dict = {}

    def esc(text) -> str:
        out = escaped.get(text)
        if out is None:
            out = escaped[text] = str(escape(text))
        return out

    certificate, excused = esc(_("justified by a medical certificate")), esc(_("excused"))
    kinds = {k: (esc(kind_names.get(k, "")), esc(kind_codes.get(k, ""))) for k in set(kind_names) | set(kind_codes)}
    lessons = [(x.id, " jr-edit" if grid.editable.get(x.id) else "") for x in grid.lessons]
    out = {}
    for st in grid.students:
        sid = st.id
        parts = []
        for lid, edit in lessons:
            if not grid.applies_to(sid, lid):
                parts.append('<td class="jr-na" aria-hidden="true"></td>')
                continue
            parts.append(f'<td class="jr-cell{edit}" tabindex="0" data-lesson="{lid}" data-student="{sid}">')
            c = cells.get((sid, lid))
            if c:
                a = c.get("att")
                if a is not None:
                    title = esc(a.reason)
                    if a.justified_by:
                        title += " · " + (certificate if a.justified_by.startswith("health_sheet:") else excused)
                    status = esc(a.status)
                    parts.append(f'<span class="jr-att jr-att-{status}" data-status="{status}" '
                                 f'data-version="{a.version}" title="{title}">'
                                 f'{esc(ATTENDANCE_KEYS.get(a.status, ""))}</span>')
                for m in c.get("marks") or ():
                    name, code = kinds.get(m.kind_id, ("", ""))
                    title = f"{name}: {escape(m.comment)}" if m.comment else name
                    value = esc(m.value)
                    parts.append(f'<span class="jr-mark" data-id="{m.id}" data-value="{value}" data-version="{m.version}" '
                                 f'data-kind="{code}" data-weight="{m.weight}" title="{title}">{value}</span>')
            parts.append("</td>")
        out[sid] = Markup("".join(parts))
    return out


@bp.get("/class/<id:class_id>")
@login_required
def class_grid(class_id: int):
    cls = _or_404(SchoolClass, class_id)
    subject = _or_404(Subject, _int_arg("subject_id"))
    if not access.can(g.user, "journal.read", JournalOf.of_class(cls, subject.id)):
        abort(403)
    period = _period_from_args(cls.year_id)
    grid = grids.build(g.user, subject=subject, school_class=cls, period=period,
                       date_from=_date_arg("from"), date_to=_date_arg("to"))
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
                       date_from=_date_arg("from"), date_to=_date_arg("to"))
    return _grid_page(grid, {"group_id": grp.id, "subject_id": subject.id})
