"""The journal's events, in the one blinker namespace of :mod:`zhurnal.core.signals`.

Sent by the journal's service after the transaction committed, with
:func:`zhurnal.core.signals.send` (re-exported here as ``signals.send``; ``school_id`` is
always there). A plugin that depends on the journal connects a receiver from its
``zhurnal_app_ready``::

    from zhurnal.plugins.journal import signals as journal_signals
    connect(journal_signals.mark_saved, on_mark_saved, app=app, owner="analytics")

Notifications to families do not listen here: they are written to the outbox inside
the transaction that saves the mark (``plugins/journal/notices.py``).
"""
from __future__ import annotations

from zhurnal.core.signals import connect, send, zhurnal_signals  # noqa: F401  (signals.send(signals.x, ...))

#: a mark was created, changed or deleted. kwargs: mark_id, student_id, lesson_id,
#: subject_id, class_id, value, old_value, action ("created"|"updated"|"deleted"), by, school_id
mark_saved = zhurnal_signals.signal(
    "mark-saved", doc="A mark was saved (mark_id, student_id, lesson_id, subject_id, class_id, value, old_value, "
                      "action, by, school_id).")
#: attendance of one student at one lesson was set. kwargs: student_id, lesson_id, status, old_status, by, school_id
attendance_saved = zhurnal_signals.signal(
    "attendance-saved", doc="Attendance was saved (student_id, lesson_id, status, old_status, by, school_id).")
#: homework was set or changed for a lesson. kwargs: lesson_id, text, class_id, group_id, by, school_id
homework_set = zhurnal_signals.signal(
    "homework-set", doc="Homework was set (lesson_id, text, class_id, group_id, by, school_id).")
#: a lesson was created, changed (topic, date, control work) or cancelled. kwargs: lesson_id, action, by, school_id
lesson_changed = zhurnal_signals.signal("lesson-changed", doc="A lesson changed (lesson_id, action, by, school_id).")
#: a period or year mark was set, changed or removed. kwargs: student_id, subject_id, period_id
#: (None: the year mark), value, old_value, by, school_id
term_mark_saved = zhurnal_signals.signal(
    "term-mark-saved",
    doc="A period or year mark was saved (student_id, subject_id, period_id, value, old_value, by, school_id).")
#: a teacher wrote a remark, recommendation or praise. kwargs: remark_id, student_id, kind, subject_id, by, school_id
remark_added = zhurnal_signals.signal(
    "remark-added", doc="A remark was written to a student (remark_id, student_id, kind, subject_id, by, school_id).")
