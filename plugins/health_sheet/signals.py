"""The health sheet's events, in the one blinker namespace of :mod:`zhurnal.core.signals`.

Sent by :mod:`zhurnal.plugins.health_sheet.service` after the transaction committed, with
:func:`zhurnal.core.signals.send` (re-exported here as ``signals.send``). The journal does not
depend on the health sheet, so it finds the signal by name instead of importing this
module::

    connect(zhurnal.core.signals.named("medical-certificate-changed"), on_medical_certificate_changed,
            app=app, owner="journal")
"""
from __future__ import annotations

from zhurnal.core.signals import connect, send, zhurnal_signals  # noqa: F401  (signals.send(signals.x, ...))

#: a medical certificate was added or removed.
#: kwargs: certificate_id, student_id, date_from, date_to, action ("added"|"removed"), by, school_id
medical_certificate_changed = zhurnal_signals.signal(
    "medical-certificate-changed",
    doc="A medical certificate was added or removed (certificate_id, student_id, date_from, date_to, action, by, "
        "school_id).")
