"""Domain events: a plugin *tells* the world that something happened.

The kernel's own signals (accounts, logins, plugin switches) are declared here, once,
with what they carry; a plugin declares its events in its own ``signals.py`` in the same
namespace (:data:`zhurnal_signals`), e.g. ``zhurnal.plugins.journal.signals.mark_saved``. A
receiver imports the sending plugin's ``signals`` module when it depends on that plugin,
and otherwise finds the signal by name with :func:`named` (so does the kernel, which
imports no plugin). The names that used to live here (``core.signals.mark_saved``...)
still resolve to the same objects, with a ``DeprecationWarning``. Signals
are sent by a plugin's service layer **after the transaction committed**, with
:func:`send`, never from ORM save hooks. Every signal carries ``school_id``;
receivers of a plugin that is switched off for that school are skipped.

A receiver runs after the change it reacts to was committed, so it can no
longer undo it: an exception it raises is logged (``zhurnal.signals``) and
swallowed, and the other receivers and the request carry on. Work that must
happen with the change belongs in the service's transaction (e.g. the
notification outbox, :func:`zhurnal.core.notify.outbox.notify`).

Receivers take ``(sender, **kwargs)`` and are connected with :func:`connect`
from the plugin's ``zhurnal_app_ready`` hook, which records the owning plugin
and holds a strong reference (a lambda would otherwise vanish)::

    @hookimpl
    def zhurnal_app_ready(app):
        connect(journal_signals.mark_saved, on_mark_saved, app=app, owner="notify_email")
"""
from __future__ import annotations

import logging
import warnings
import weakref
from contextlib import contextmanager

from blinker import Namespace
from flask import current_app, g, has_app_context

log = logging.getLogger("zhurnal.signals")

class _Namespace(Namespace):
    """blinker's namespace; a declaration with a doc also documents a signal that was
    first looked up by name (:func:`named`, a deprecated alias) before its plugin declared it."""

    def signal(self, name: str, doc: str | None = None):
        sig = super().signal(name, doc)
        if doc and "__doc__" not in vars(sig):
            sig.__doc__ = doc
        return sig


zhurnal_signals = _Namespace()

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

# --- moved to their plugins ------------------------------------------------------
#: old name in this module -> (signal name in the namespace, the plugin whose ``signals`` declares it now)
_MOVED = {
    "student_changed": ("student-changed", "roster"),
    "roster_imported": ("roster-imported", "roster"),
    "account_issued": ("account-issued", "roster"),
    "mark_saved": ("mark-saved", "journal"),
    "attendance_saved": ("attendance-saved", "journal"),
    "homework_set": ("homework-set", "journal"),
    "lesson_changed": ("lesson-changed", "journal"),
    "term_mark_saved": ("term-mark-saved", "journal"),
    "remark_added": ("remark-added", "journal"),
    "diary_acknowledged": ("diary-acknowledged", "diary"),
    "diary_viewed": ("diary-viewed", "diary"),
    "message_posted": ("message-posted", "diary"),
    "medical_certificate_changed": ("medical-certificate-changed", "health_sheet"),
}


def __getattr__(name: str):
    """``from zhurnal.core.signals import mark_saved`` still works: the same signal object, with a warning."""
    moved = _MOVED.get(name)
    if moved is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    signal_name, _plugin = moved
    warnings.warn(f"{__name__}.{name} moved to {moved_to(name)}.{name}", DeprecationWarning, stacklevel=2)
    return zhurnal_signals.signal(signal_name)


def moved_to(name: str) -> str:
    """The module that declares a signal which used to live here (``zhurnal.plugins.journal.signals``)."""
    return f"{__name__[: -len('core.signals')]}plugins.{_MOVED[name][1]}.signals"


def named(name: str):
    """The signal called ``name`` in the namespace (e.g. ``"medical-certificate-changed"``).

    For a receiver of a plugin it does not depend on (and so may not import): the
    signal object is the same one the sending plugin declares, whether or not that
    plugin is loaded; if it is not, nothing is ever sent.
    """
    return zhurnal_signals.signal(name)


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
