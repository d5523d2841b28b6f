"""Analytics: performance and attendance of classes and students, the school's overview,
and the deputy director's reports that reach class teachers.

Figures are computed by SQL aggregates (:mod:`.figures`, :mod:`.reports`,
:mod:`.school`) over the journal's tables, read through its public models; charts are
server-rendered SVG (:mod:`.charts`); a sent report is a stored snapshot
(:mod:`.service`). The plugin only reads the roster and the journal.
"""
from __future__ import annotations

from marshmallow import Schema, validate

from zhurnal.core import fields
from zhurnal.core.hookspecs import hookimpl

from . import signals  # noqa: F401  (declares its signals before the audit connects to every signal)

name = "analytics"
title = "Аналитика"
version = "1.0"
depends: tuple[str, ...] = ("roster", "journal")
schema_version = 1


class AnalyticsSettings(Schema):
    """``[plugins.analytics]``: defaults for schools that have not set their own thresholds."""
    #: fewer marks than this in a subject over the period: a warning («мало оценок»)
    min_marks = fields.Int(load_default=3, validate=validate.Range(min=0, max=100))
    #: this many lessons missed without a reason in the period puts a student at risk
    risk_absences = fields.Int(load_default=10, validate=validate.Range(min=1, max=1000))
    #: a drop of the overall average by this much since the previous period puts a student at risk
    risk_drop = fields.Float(load_default=0.5, validate=validate.Range(min=0.01, max=10))
    #: guardians may open their own child's report
    guardians_see_reports = fields.Bool(load_default=False)


settings_schema = AnalyticsSettings


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
    from .models import SentReport
    if isinstance(obj, SentReport):
        from zhurnal.core.access import Scope
        return Scope.of(obj.school_id, [obj.school_class_id] if obj.school_class_id else [])
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
def zhurnal_metrics():
    from .models import ReportDelivery, SentReport
    return [("reports_sent", "Analytic reports sent (snapshots stored)", SentReport.select().count()),
            ("reports_unopened", "Reports delivered to a class teacher and not opened yet",
             ReportDelivery.select().where(ReportDelivery.opened_at.is_null()).count())]


@hookimpl
def zhurnal_demo_seed(ctx):
    from .demo import seed
    seed(ctx)


@hookimpl
def zhurnal_audit_vocabulary():
    from .audit_words import vocabulary
    return vocabulary()
