"""Paper export: journal extracts for families without internet, login slips safe to hand
out, and the year's journal archive, as real PDF documents in Russian on A4.

Why WeasyPrint (HTML + CSS -> PDF) and not fpdf2 or reportlab
-----------------------------------------------------------------
* The documents are the same Jinja templates as the rest of the UI, translated by the same
  catalogs; a school can restyle them with CSS (``@page`` for A4, margins, page numbers).
* Tables that run over several pages are laid out by the engine: the header row repeats
  (``thead {display: table-header-group}``) and rows are not split. With fpdf2 that is
  written by hand for every table (measure rows, break, redraw the header).
* Cyrillic comes from the system's DejaVu fonts through Pango/HarfBuzz, with no font files
  shipped or registered in code; reportlab's built-in fonts silently print boxes.
* Cost: ~90 ms a page on these machines, several times slower than fpdf2, and system
  libraries (Debian ``libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core``,
  installed by ``scripts/test.sh`` and ``scripts/demo.sh``). A class's thirty extracts take
  seconds, so batches run as background jobs with progress; that is acceptable for paper
  that is printed a few times a term. ``bench/paper_bench.py`` measures it against HTML.
* QR codes: ``segno`` (pure Python, SVG without PIL), embedded as an inline SVG.
* Reading PDFs back (``zhurnal archive verify``): ``pypdf`` (pure Python).

Depends on roster and journal, through their public modules only. The diary is not a
dependency: a school may use paper alone. A handed-over extract counts as acknowledging the
diary for its period through the hook ``zhurnal_paper_acknowledgements`` (this plugin answers,
the diary's control page asks). The paper-delivery list comes from whoever answers
``zhurnal_paper_delivery_guardians`` (the consent plugin); when nobody does, the class
teacher picks the students by hand.
"""
from __future__ import annotations

from zhurnal.core.hookspecs import hookimpl

name = "paper_export"
title = "Бумажные документы"
version = "1.0"
depends: tuple[str, ...] = ("roster", "journal")
schema_version = 1


@hookimpl
def zhurnal_models():
    from .models import MODELS
    return MODELS


@hookimpl
def zhurnal_permissions():
    from .permissions import PERMISSIONS
    return PERMISSIONS


@hookimpl
def zhurnal_object_scope(obj):
    from .models import Archive, Batch, Handover, SlipIssue
    if isinstance(obj, (Batch, Handover, SlipIssue, Archive)):
        from zhurnal.core.access import Scope
        students = [obj.student_id] if isinstance(obj, Handover) else []
        return Scope.of(obj.school_id, [obj.school_class_id] if obj.school_class_id else [], students)
    return None


@hookimpl
def zhurnal_blueprints():
    from .api import bp as api_bp
    from .views import bp as views_bp
    return [views_bp, api_bp]


@hookimpl
def zhurnal_nav_items(user, school):
    from .views import nav_items
    return nav_items(user, school)


@hookimpl
def zhurnal_dashboard_widgets(user, school):
    from .views import dashboard_widgets
    return dashboard_widgets(user, school)


@hookimpl
def zhurnal_cli_commands():
    from .cli import archive_cmd
    return [archive_cmd]


@hookimpl
def zhurnal_exporters():
    from .cli import export_extracts
    return {"extracts": export_extracts}


@hookimpl
def zhurnal_paper_acknowledgements(student_ids, date_from, date_to):
    from .service import paper_acknowledgements
    return paper_acknowledgements(student_ids, date_from, date_to)


@hookimpl
def zhurnal_app_ready(app):
    from zhurnal.core.signals import connect
    from zhurnal.plugins.roster import signals as roster_signals
    from . import jobs  # noqa: F401  (importing it declares the jobs on the queue)

    def on_issued(sender, user_id, person_kind, person_id, expires_at, reissued, by, school_id, **kw):
        from .service import record_slip
        record_slip(user_id, person_kind, person_id, expires_at, reissued, by, school_id)
    connect(roster_signals.account_issued, on_issued, app=app, owner="paper_export")


@hookimpl
def zhurnal_personal_data(user_id, person):
    """Printed extracts of a student, and those handed to a guardian (152-FZ access request)."""
    from .models import Handover
    kind, pid = person.get("kind"), person.get("id")
    if kind == "student":
        q = Handover.select().where(Handover.student == pid)
    elif kind == "guardian":
        q = Handover.select().where(Handover.guardian == pid)
    else:
        return None
    rows = [{"student_id": h.student_id, "from": h.date_from.isoformat(), "to": h.date_to.isoformat(),
             "printed_at": h.printed_at.isoformat(), "handed_on": h.handed_on.isoformat() if h.handed_on else None}
            for h in q.order_by(Handover.id)]
    return {"printed_extracts": rows} if rows else None


@hookimpl
def zhurnal_audit_vocabulary():
    from .audit_words import vocabulary
    return vocabulary()


@hookimpl
def zhurnal_metrics():
    """Batches waiting or failed, and extracts printed but not handed over yet."""
    from .models import Batch, Handover
    return [("batches_waiting", "Paper batches queued or being made",
             Batch.select().where(Batch.status.in_(["queued", "running"])).count()),
            ("batches_failed", "Paper batches that failed", Batch.select().where(Batch.status == "failed").count()),
            ("extracts_not_handed", "Printed extracts not handed over yet",
             Handover.select().where(Handover.handed_on.is_null()).count())]


@hookimpl
def zhurnal_render_pdf(html):
    from .render import pdf
    return pdf(html)
