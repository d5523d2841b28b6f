"""Analytics service: the school's thresholds, live reports, and sending reports as snapshots.

A sent report stores its figures as JSON with the date it was made: a later
correction in the journal does not change it (a fresh report shows the correction).
Sending writes the snapshots, their deliveries and the audit entry in one
transaction, then tells the world with the ``analytics_report_sent`` signal; the class
teacher is told through the kernel's notification outbox in the same
transaction, and sees the report on their dashboard and under «Аналитика».
"""
from __future__ import annotations

import datetime as dt
import json

from flask import current_app, g, has_request_context
from flask_babel import gettext

from zhurnal.core import audit, signals
from zhurnal.core.db import database, utcnow
from zhurnal.core.notify.outbox import notify
from zhurnal.plugins.roster.models import AcademicYear, SchoolClass, Student

from . import reports, school as school_mod
from .models import ReportDelivery, SchoolSettings, SentReport
from .signals import analytics_report_sent

DEFAULTS = {"min_marks": 3, "risk_absences": 10, "risk_drop": 0.5, "guardians_see_reports": False}


def _plugin_defaults() -> dict:
    info = current_app.extensions["zhurnal"].plugins.infos.get("analytics")
    out = dict(DEFAULTS)
    out.update({k: v for k, v in ((info.settings or {}) if info else {}).items() if k in DEFAULTS})
    return out


def settings_for(school_id: int) -> dict:
    """The school's thresholds: its own row, else the deployment's ``[plugins.analytics]``.
    Read once per request (the menu asks it for guardians on every page)."""
    cache = g.setdefault("_analytics_settings", {}) if has_request_context() else {}
    if school_id not in cache:
        row = SchoolSettings.get_or_none(SchoolSettings.school == school_id)
        cache[school_id] = _plugin_defaults() if row is None else {
            "min_marks": row.min_marks, "risk_absences": row.risk_absences, "risk_drop": row.risk_drop,
            "guardians_see_reports": bool(row.guardians_see_reports)}
    return dict(cache[school_id])


def save_settings(school_id: int, values: dict, *, by=None) -> dict:
    old = settings_for(school_id)
    new = {k: values.get(k, old[k]) for k in DEFAULTS}
    if has_request_context():
        g.pop("_analytics_settings", None)
    with database.atomic():
        SchoolSettings.insert(school=school_id, updated_by=getattr(by, "id", by), updated_at=utcnow(), **new) \
            .on_conflict(conflict_target=[SchoolSettings.school],
                         update={**{getattr(SchoolSettings, k): v for k, v in new.items()},
                                 SchoolSettings.updated_by: getattr(by, "id", by),
                                 SchoolSettings.updated_at: utcnow()}).execute()
        audit.record("analytics.settings.update", object_type="analytics_settings", object_id=school_id,
                     school_id=school_id, user=by,
                     data={k: [old[k], new[k]] for k in DEFAULTS if old[k] != new[k]})
    return new


# --- live reports -------------------------------------------------------------------------------

def class_report(cls: SchoolClass, a: dt.date, b: dt.date, subject_ids=None, student_ids=None) -> dict:
    return reports.class_report(cls, a, b, settings_for(cls.school_id), subject_ids, student_ids)


def student_report(student: Student, a: dt.date, b: dt.date, subject_ids=None) -> dict:
    return reports.student_report(student, a, b, settings_for(student.school_id), subject_ids)


def school_report(school_id: int, a: dt.date, b: dt.date) -> dict:
    year = (AcademicYear.select(AcademicYear.id)
            .where((AcademicYear.school == school_id) & (AcademicYear.start <= b) & (AcademicYear.end >= a))
            .order_by(AcademicYear.start.desc()).first())
    return school_mod.school_report(school_id, a, b, settings_for(school_id), year.id if year else None)


def record_student_read(student: Student, *, via: str, by=None) -> None:
    """A student's report shows their marks and absences: the read is audited."""
    with database.atomic():
        audit.record("analytics.student_report.read", student, school_id=student.school_id, user=by,
                     data={"via": via})


def record_class_read(cls: SchoolClass, *, via: str, by=None) -> None:
    """A class report lists each student's averages and absences: the read is audited."""
    with database.atomic():
        audit.record("analytics.class_report.read", cls, school_id=cls.school_id, user=by, data={"via": via})


# --- sending --------------------------------------------------------------------------------------

def _classes(school_id: int, a: dt.date, b: dt.date) -> list[SchoolClass]:
    return list(SchoolClass.select().join(AcademicYear)
                .where((SchoolClass.school == school_id) & (AcademicYear.start <= b) & (AcademicYear.end >= a))
                .order_by(SchoolClass.parallel, SchoolClass.letter))


def send_class(cls: SchoolClass, a: dt.date, b: dt.date, *, by=None) -> list[SentReport]:
    """Snapshot the class report and deliver it to the class teacher."""
    return _send(cls.school_id, [cls], a, b, school=False, by=by)


def send_school(school_id: int, a: dt.date, b: dt.date, *, by=None) -> list[SentReport]:
    """The school report (for the administration) and every class's report to its class teacher."""
    return _send(school_id, _classes(school_id, a, b), a, b, school=True, by=by)


def _send(school_id: int, classes: list[SchoolClass], a, b, *, school: bool, by) -> list[SentReport]:
    # figures first, outside the write transaction (reads only)
    made = [(cls, class_report(cls, a, b)) for cls in classes]
    whole = school_report(school_id, a, b) if school else None
    uid = getattr(by, "id", by)
    sent: list[SentReport] = []
    with database.atomic():
        batch = None
        if whole is not None:
            r = SentReport.create(school=school_id, kind="school", school_class=None, date_from=a, date_to=b,
                                  figures=json.dumps(whole, ensure_ascii=False), created_by=uid)
            batch = r.id
            r.batch = batch
            r.save(only=[SentReport.batch])
            sent.append(r)
        for cls, fig in made:
            r = SentReport.create(school=school_id, kind="class", school_class=cls.id, date_from=a, date_to=b,
                                  figures=json.dumps(fig, ensure_ascii=False), created_by=uid, batch=batch)
            teacher = cls.class_teacher_id
            if teacher:
                ReportDelivery.create(report=r, recipient=teacher)
                _notify(r, cls, teacher, by)
            sent.append(r)
        audit.record("analytics.report.send", object_type="analytics_report", object_id=sent[0].id if sent else None,
                     school_id=school_id, user=by,
                     data={"reports": [r.id for r in sent], "from": a.isoformat(), "to": b.isoformat(),
                           "school": school})
    for r in sent:
        signals.send(analytics_report_sent, report_id=r.id, kind=r.kind, class_id=r.school_class_id,
                     recipient_user_ids=[d.recipient_id for d in deliveries(r.id)], by=uid, school_id=school_id)
    return sent


def _text(msgid: str, **kw) -> str:
    """Translated in a request (the sender's language); outside one (the demo) the text as is."""
    return gettext(msgid, **kw) if has_request_context() else msgid % kw


def _notify(r: SentReport, cls: SchoolClass, teacher_id: int, by) -> None:
    """The class teacher is told through the notification outbox, in the sending transaction."""
    notify("announcement", key=f"analytics.report:{r.id}", school_id=r.school_id, recipients=[teacher_id],
           data={"subject": _text("Analytic report of %(cls)s for %(a)s – %(b)s", cls=cls.name,
                                  a=r.date_from.strftime("%d.%m.%Y"), b=r.date_to.strftime("%d.%m.%Y")),
                 "author": getattr(by, "display_name", "") or "",
                 "text": _text("The report is on the «Analytics» page."),
                 "_link": f"/analytics/reports/{r.id}"})


# --- reading what was sent ----------------------------------------------------------------------------

def figures(report: SentReport) -> dict:
    return json.loads(report.figures)


def deliveries(report_id: int) -> list[ReportDelivery]:
    return list(ReportDelivery.select().where(ReportDelivery.report == report_id).order_by(ReportDelivery.id))


def deliveries_of(report_ids: list[int]) -> dict[int, list[ReportDelivery]]:
    """``{report id: its deliveries}`` for a page of sent reports: one query."""
    out: dict[int, list[ReportDelivery]] = {}
    if report_ids:
        for d in ReportDelivery.select().where(ReportDelivery.report.in_(report_ids)).order_by(ReportDelivery.id):
            out.setdefault(d.report_id, []).append(d)
    return out


def mark_opened(report: SentReport, user) -> bool:
    """The recipient opened the report: the first time is recorded. True if this was the first."""
    uid = getattr(user, "id", user)
    with database.atomic():
        n = (ReportDelivery.update(opened_at=utcnow())
             .where((ReportDelivery.report == report.id) & (ReportDelivery.recipient == uid) &
                    ReportDelivery.opened_at.is_null()).execute())
    return bool(n)


def sent_reports(school_id: int, limit: int = 200) -> list[SentReport]:
    return list(SentReport.select().where(SentReport.school == school_id)
                .order_by(SentReport.created_at.desc(), SentReport.id.desc()).limit(limit))


def received(user, limit: int = 100) -> list[tuple[SentReport, ReportDelivery]]:
    uid = getattr(user, "id", user)
    rows = (SentReport.select(SentReport, ReportDelivery).join(ReportDelivery)
            .where(ReportDelivery.recipient == uid)
            .order_by(ReportDelivery.delivered_at.desc(), SentReport.id.desc()).limit(limit))
    return [(r, r.reportdelivery) for r in rows]
