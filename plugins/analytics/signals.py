"""The analytics plugin's domain events (in the one ``zhurnal`` blinker namespace)."""
from __future__ import annotations

from zhurnal.core.signals import zhurnal_signals

analytics_report_sent = zhurnal_signals.signal(
    "analytics-report-sent",
    doc="An analytic report was sent (report_id, kind, class_id, recipient_user_ids, by, school_id).")
