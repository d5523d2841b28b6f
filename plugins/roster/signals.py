"""The roster's events, in the one blinker namespace of :mod:`zhurnal.core.signals`.

Sent by :mod:`zhurnal.plugins.roster.service` after the transaction committed, with
:func:`zhurnal.core.signals.send` (re-exported here as ``signals.send``; ``school_id`` is
always there). A plugin that depends on the roster connects a receiver from its
``zhurnal_app_ready``::

    from zhurnal.plugins.roster import signals as roster_signals
    connect(roster_signals.account_issued, on_issued, app=app, owner="paper_export")
"""
from __future__ import annotations

from zhurnal.core.signals import connect, send, zhurnal_signals  # noqa: F401  (signals.send(signals.x, ...))

#: a student was created, changed, moved or removed from a class.
#: kwargs: student_id, class_id, action ("created"|"updated"|"moved"|"left"), by, school_id
student_changed = zhurnal_signals.signal(
    "student-changed", doc="A student record changed (student_id, class_id, action, by, school_id).")
#: a class list import finished. kwargs: class_ids, created, updated, by, school_id
roster_imported = zhurnal_signals.signal(
    "roster-imported", doc="A class list import was written (class_ids, created, updated, by, school_id).")
#: a login slip was issued: an account was made or given a new one-time activation code.
#: kwargs: user_id, person_kind ("student"|"guardian"), person_id, expires_at, reissued, by, school_id
account_issued = zhurnal_signals.signal(
    "account-issued",
    doc="A login slip was issued (user_id, person_kind, person_id, expires_at, reissued, by, school_id).")
