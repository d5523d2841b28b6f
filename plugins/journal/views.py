"""Journal pages: the grid, "my lessons today", the class summary, history, periods, timetable.

Pages are server-rendered and readable without JavaScript; ``static/journal.js``
adds keyboard entry on the grid (it talks to the JSON API).

One blueprint (``journal``); the route modules listed below add their pages to it when
imported. This module holds the hook answers (navigation, dashboard, the student's card)
and the assets route; what the page modules share is in :mod:`.views_common`.
"""
from __future__ import annotations

from collections import defaultdict

from flask_babel import gettext as _

from zhurnal.core import access, clock
from zhurnal.core.ui import NavItem, Widget, serve_assets
from zhurnal.plugins.roster import service as roster
from zhurnal.plugins.roster.models import SchoolClass, Subject

from . import service
from . import views_class, views_grid, views_lessons, views_periods  # noqa: F401  (their routes hang on bp)
from .scope import JournalOf
from .views_common import STATIC, bp


# --- navigation and dashboard ---------------------------------------------------------------------

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


serve_assets(bp, STATIC)   # the journal's scripts and styles (journal.asset)


# --- the student's card ---------------------------------------------------------------------------

def card_sections(student, user) -> list:
    """Marks and attendance of the current period on a student's card (for those who read the class journal)."""
    cls = SchoolClass.get_or_none(SchoolClass.id == student.school_class_id)
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
