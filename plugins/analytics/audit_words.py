"""How the analytics plugin's audit entries read (``zhurnal_audit_vocabulary``)."""
from __future__ import annotations

import peewee as pw
from flask_babel import lazy_gettext as _l

from zhurnal.core.audit_view import AuditVocabulary
from zhurnal.plugins.roster.models import SchoolClass

from .models import SentReport


def _reports(ids):
    rows = (SentReport.select(SentReport.id, SentReport.kind, SentReport.date_from, SentReport.date_to,
                              SchoolClass.parallel, SchoolClass.letter)
            .join(SchoolClass, on=(SentReport.school_class == SchoolClass.id), join_type=pw.JOIN.LEFT_OUTER)
            .where(SentReport.id.in_([int(i) for i in ids if str(i).isdigit()])).tuples())
    out = {}
    for rid, kind, a, b, par, letter in rows:
        who = f"{par}{letter}" if kind == "class" and par else str(_l("whole school"))
        out[str(rid)] = (f"{who}: {a:%d.%m.%Y} – {b:%d.%m.%Y}", f"/analytics/reports/{rid}")
    return out


def class_objects(class_id: int):
    return [("analytics_report", SentReport.select(SentReport.id.cast("VARCHAR")).where(SentReport.school_class == class_id))]


def vocabulary() -> AuditVocabulary:
    return AuditVocabulary(
        actions={
            "analytics.report.send": _l("sent analytic reports"),
            "analytics.class_report.read": _l("opened a class's analytic report"),
            "analytics.student_report.read": _l("opened a student's analytic report"),
            "analytics.export": _l("exported an analytic report"),
            "analytics.settings.update": _l("changed the analytics settings"),
        },
        objects={"analytics_report": _reports},
        kinds={_l("Analytics"): ["analytics"]},
        class_objects=class_objects,
    )
