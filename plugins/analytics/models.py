"""Analytics tables: reports sent (snapshots of their figures), who received and opened them,
and each school's thresholds.

Public: nothing outside this plugin writes these tables; :mod:`.service` does.
"""
from __future__ import annotations

import peewee as pw

from zhurnal.core.db import BaseModel, utcnow
from zhurnal.core.identity.models import School, User
from zhurnal.plugins.roster.models import SchoolClass


class SentReport(BaseModel):
    """A report the administration sent: the figures as they were when it was made (JSON)."""
    school = pw.ForeignKeyField(School, on_delete="CASCADE")
    kind = pw.CharField(max_length=8)
    school_class = pw.ForeignKeyField(SchoolClass, null=True, on_delete="CASCADE", column_name="class_id",
                                      object_id_name="school_class_id")
    date_from = pw.DateField()
    date_to = pw.DateField()
    #: the figures (the same JSON the live report answers) frozen at ``created_at``
    figures = pw.TextField()
    #: reports sent together (one "whole school" sending) share a batch id: the first report's id
    batch = pw.IntegerField(null=True)
    created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "analytics_report"
        indexes = ((("school", "created_at"), False), (("school_class", "created_at"), False))


class ReportDelivery(BaseModel):
    """A report reached a recipient (the class teacher); ``opened_at``: when they first opened it."""
    report = pw.ForeignKeyField(SentReport, backref="deliveries", on_delete="CASCADE")
    recipient = pw.ForeignKeyField(User, on_delete="CASCADE")
    delivered_at = pw.DateTimeField(default=utcnow)
    opened_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "analytics_delivery"
        indexes = ((("report", "recipient"), True), (("recipient", "delivered_at"), False))


class SchoolSettings(BaseModel):
    """A school's thresholds; absent: the plugin's settings (``[plugins.analytics]``)."""
    school = pw.ForeignKeyField(School, unique=True, on_delete="CASCADE")
    min_marks = pw.SmallIntegerField()
    risk_absences = pw.SmallIntegerField()
    risk_drop = pw.FloatField()
    guardians_see_reports = pw.BooleanField(default=False)
    updated_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    updated_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "analytics_settings"


MODELS = [SentReport, ReportDelivery, SchoolSettings]
