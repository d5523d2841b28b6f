"""Domain events: a plugin *tells* the world that something happened.

The kernel's signals and those of the first plugins are declared here, once, with what
they carry; a newer plugin declares its own in its ``signals.py`` in the same namespace
(:data:`zhurnal_signals`), e.g. ``plugins.consent.signals.consent_changed``. Signals
are sent by a plugin's service layer **after the transaction committed**, with
:func:`send`, never from ORM save hooks. Every signal carries ``school_id``;
receivers of a plugin that is switched off for that school are skipped.

A receiver runs after the change it reacts to was committed, so it can no
longer undo it: an exception it raises is logged (``zhurnal.signals``) and
swallowed, and the other receivers and the request carry on. Work that must
happen with the change belongs in the service's transaction (e.g. the
notification outbox, :func:`core.notify.outbox.notify`).

Receivers take ``(sender, **kwargs)`` and are connected with :func:`connect`
from the plugin's ``zhurnal_app_ready`` hook, which records the owning plugin
and holds a strong reference (a lambda would otherwise vanish)::

    @hookimpl
    def zhurnal_app_ready(app):
        connect(signals.mark_saved, on_mark_saved, app=app, owner="notify_email")
"""
from __future__ import annotations

import logging
import weakref
from contextlib import contextmanager

from blinker import Namespace
from flask import current_app, g, has_app_context

log = logging.getLogger("zhurnal.signals")

zhurnal_signals = Namespace()

#: a user logged in. kwargs: user, ip, via ("web" | "api" | "token"), school_id
user_logged_in = zhurnal_signals.signal("user-logged-in", doc="A user logged in (user, ip, via, school_id).")
#: a login attempt failed. kwargs: login, user (or None), ip, school_id
login_failed = zhurnal_signals.signal("login-failed", doc="A login failed (login, user or None, ip, school_id).")
#: an account was locked after too many failures or by an admin. kwargs: user, until, reason, school_id
account_locked = zhurnal_signals.signal("account-locked", doc="An account was locked (user, until, reason, school_id).")
#: a user reported that their credentials are compromised; the account is already stopped.
#: kwargs: user, reported_at, report_id, school_id
credentials_compromised = zhurnal_signals.signal(
    "credentials-compromised",
    doc="Credentials reported compromised; the account is stopped (user, reported_at, report_id, school_id).")
#: a user signed in from a device (browser) the account never used before. kwargs: user, session_id, ip, school_id
new_device_login = zhurnal_signals.signal(
    "new-device-login", doc="A sign-in from a device never used by the account (user, session_id, ip, school_id).")
#: a password was changed or reset. kwargs: user, by (user), school_id
password_changed = zhurnal_signals.signal("password-changed", doc="A password was changed (user, by, school_id).")
#: a plugin was switched on or off for a school. kwargs: plugin, enabled, by, school_id
plugin_toggled = zhurnal_signals.signal("plugin-toggled", doc="A plugin was switched for a school (plugin, enabled, by, school_id).")

# --- roster ---------------------------------------------------------------------
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

# --- journal ---------------------------------------------------------------------
#: a mark was created, changed or deleted. kwargs: mark_id, student_id, lesson_id,
#: subject_id, class_id, value, old_value, action ("created"|"updated"|"deleted"), by, school_id
mark_saved = zhurnal_signals.signal("mark-saved", doc="A mark was saved (mark_id, student_id, lesson_id, subject_id, class_id, value, old_value, action, by, school_id).")
#: attendance of one student at one lesson was set. kwargs: student_id, lesson_id, status, old_status, by, school_id
attendance_saved = zhurnal_signals.signal("attendance-saved", doc="Attendance was saved (student_id, lesson_id, status, old_status, by, school_id).")
#: homework was set or changed for a lesson. kwargs: lesson_id, text, class_id, group_id, by, school_id
homework_set = zhurnal_signals.signal("homework-set", doc="Homework was set (lesson_id, text, class_id, group_id, by, school_id).")
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

# --- diary, health (consent_changed lives in plugins/consent/signals.py) -----------------------------
#: a guardian acknowledged a week of the diary. kwargs: student_id, guardian_user_id, week, at, school_id
diary_acknowledged = zhurnal_signals.signal("diary-acknowledged", doc="A guardian acknowledged a diary week (student_id, guardian_user_id, week, at, school_id).")
#: a guardian or the student opened a student's diary (once per visit, not per page).
#: kwargs: student_id, user_id, role ("guardian" | "student"), at, school_id
diary_viewed = zhurnal_signals.signal("diary-viewed", doc="A student's diary was opened: a new visit (student_id, user_id, role, at, school_id).")
#: a message was posted to a thread. kwargs: message_id, thread_id, author_id, recipient_user_ids, school_id
message_posted = zhurnal_signals.signal("message-posted", doc="A message was posted (message_id, thread_id, author_id, recipient_user_ids, school_id).")
#: a medical certificate was added or removed. kwargs: certificate_id, student_id, date_from, date_to, action, by, school_id
medical_certificate_changed = zhurnal_signals.signal(
    "medical-certificate-changed",
    doc="A medical certificate was added or removed (certificate_id, student_id, date_from, date_to, action, by, school_id).")


#: the last receivers that raised: (receiver name, signal name), newest last (for tests and support)
_failures: list[tuple[str, str]] = []


def recent_failures() -> list[tuple[str, str]]:
    return list(_failures)


def all_signals() -> dict[str, object]:
    return dict(zhurnal_signals)


def connect(signal, receiver, *, app, owner: str) -> None:
    """Connect ``receiver`` to ``signal`` for one application, owned by plugin ``owner``.

    The receiver only runs when the signal is sent inside ``app``'s context and
    ``owner`` is enabled for the school the signal names.
    """
    app_ref = weakref.ref(app)

    def guarded(sender, **kwargs):
        target = app_ref()
        if target is None or not has_app_context() or current_app._get_current_object() is not target:
            return None
        host = target.extensions["zhurnal"].plugins
        if owner != "core" and owner in host.infos:
            school = target.extensions["zhurnal"].school_by_id(kwargs.get("school_id"))
            if not host.is_enabled(owner, school):
                return None
        try:
            return receiver(sender, **kwargs)
        except Exception:  # the change is committed: one failing receiver must not undo the request
            log.exception("receiver %s of signal %r failed (school %s); the change it reacted to stands",
                          guarded.__name__, getattr(signal, "name", signal), kwargs.get("school_id"))
            _failures.append((guarded.__name__, getattr(signal, "name", str(signal))))
            del _failures[:-100]
            return None

    guarded.__name__ = f"{owner}:{getattr(receiver, '__name__', 'receiver')}"
    guarded.owner = owner
    signal.connect(guarded, weak=False)
    app.extensions["zhurnal"].receivers.append((signal, guarded))


def disconnect_app(app) -> None:
    """Drop every receiver connected for ``app`` (tests build many apps)."""
    for signal, fn in app.extensions["zhurnal"].receivers:
        signal.disconnect(fn)
    app.extensions["zhurnal"].receivers.clear()


def send(signal, sender=None, **kwargs):
    """Send a domain signal. Call after commit; ``school_id`` is required.

    Every receiver runs even if one before it raised: the exception is logged (the
    change is committed; a receiver cannot undo it and must not turn it into an error).
    Inside :func:`after_commit` (a service's transaction nested in a wider one) the signal
    is held until that wider transaction has committed, and dropped if it rolls back.
    :returns: ``[(receiver, result)]`` of the receivers that returned (``[]`` while held).
    """
    if "school_id" not in kwargs:
        raise TypeError(f"signal {signal.name!r} sent without school_id")
    held = g.get("_zh_held_signals") if has_app_context() else None
    if held is not None:
        held.append((signal, sender, kwargs))
        return []
    return _dispatch(signal, sender, kwargs)


def _dispatch(signal, sender, kwargs) -> list:
    """Call every receiver; one that raises is logged and the others still run."""
    if getattr(signal, "is_muted", False):
        return []
    results = []
    for receiver in signal.receivers_for(sender):
        try:
            results.append((receiver, receiver(sender, **kwargs)))
        except Exception:
            name = getattr(receiver, "__name__", repr(receiver))
            log.exception("receiver %s of signal %r failed (school %s); the change it reacted to stands",
                          name, signal.name, kwargs.get("school_id"))
            _failures.append((name, signal.name))
            del _failures[:-100]
    return results


@contextmanager
def after_commit():
    """Hold the signals sent inside until the block ends without an error, then send them
    (wrap it around the ``database.atomic()`` that encloses the services' transactions)."""
    if g.get("_zh_held_signals") is not None:   # already held by an outer block
        yield
        return
    g._zh_held_signals = held = []
    try:
        yield
    finally:
        g._zh_held_signals = None
    # reached only when the block (and the transaction inside it) completed
    for signal, sender, kwargs in held:
        _dispatch(signal, sender, kwargs)
