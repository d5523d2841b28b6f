"""The diary's events, in the one blinker namespace of :mod:`zhurnal.core.signals`.

Sent by the diary's service after the transaction committed, with
:func:`zhurnal.core.signals.send` (re-exported here as ``signals.send``; ``school_id`` is
always there). A plugin that depends on the diary connects a receiver from its
``zhurnal_app_ready``::

    from zhurnal.plugins.diary import signals as diary_signals
    connect(diary_signals.diary_acknowledged, on_acknowledged, app=app, owner="analytics")
"""
from __future__ import annotations

from zhurnal.core.signals import connect, send, zhurnal_signals  # noqa: F401  (signals.send(signals.x, ...))

#: a guardian acknowledged a week of the diary. kwargs: student_id, guardian_user_id, week, at, school_id
diary_acknowledged = zhurnal_signals.signal(
    "diary-acknowledged", doc="A guardian acknowledged a diary week (student_id, guardian_user_id, week, at, school_id).")
#: a guardian or the student opened a student's diary (once per visit, not per page).
#: kwargs: student_id, user_id, role ("guardian" | "student"), at, school_id
diary_viewed = zhurnal_signals.signal(
    "diary-viewed", doc="A student's diary was opened: a new visit (student_id, user_id, role, at, school_id).")
#: a message was posted to a thread. kwargs: message_id, thread_id, author_id, recipient_user_ids, school_id
message_posted = zhurnal_signals.signal(
    "message-posted", doc="A message was posted (message_id, thread_id, author_id, recipient_user_ids, school_id).")
