"""Server-side sessions: every signed-in browser or API client is a :class:`UserSession` row.

The (signed) session cookie carries a random key; the row holds its SHA-256. A request is
logged in only while its row is open (:func:`zhurnal.core.app` checks it in the same statement that
loads the account), so logging out, "end this session", "end all others", a password change,
a lock and a compromise report end the cookie on every worker at once, not at its expiry.

A long-lived ``zh_device`` cookie names the browser: a sign-in from a device the account has
never used is announced to the account's owner (audit entry, the ``new_device_login`` signal
and the ``zhurnal_security_alert`` hook with kind ``new_device_login``).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

from flask import current_app, g, has_request_context, request, session

from .. import audit, signals
from ..db import database, utcnow
from .models import User, UserSession

log = logging.getLogger("zhurnal.sessions")

SESSION_KEY = "_zh_sid"
DEVICE_COOKIE = "zh_device"
#: how often a session's "last seen" is written (at most)
TOUCH_EVERY = dt.timedelta(minutes=5)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def current_key_hash() -> str:
    """The hash of this request's session key ("" when the cookie carries none)."""
    key = session.get(SESSION_KEY) if has_request_context() else None
    return key_hash(key) if isinstance(key, str) and key else ""


def _device() -> tuple[str, bool]:
    """(hashed device id, whether the browser brought it)."""
    raw = request.cookies.get(DEVICE_COOKIE, "")
    if not (16 <= len(raw) <= 64 and raw.replace("-", "").replace("_", "").isalnum()):
        raw = secrets.token_urlsafe(24)
        g._zh_set_device = raw
        return key_hash(raw), False
    return key_hash(raw), True


def start(user: User, *, via: str = "web", ip: str | None = None) -> UserSession:
    """Open a session for ``user`` in this request's cookie (called on every login)."""
    key = secrets.token_urlsafe(32)
    device, _known_cookie = _device()
    now = utcnow()
    seen = UserSession.select().where((UserSession.user == user.id) & (UserSession.device == device)).exists()
    first_ever = not UserSession.select().where(UserSession.user == user.id).exists()
    with database.atomic():
        row = UserSession.create(user=user.id, key_hash=key_hash(key), created_at=now, last_seen_at=now,
                                 ip=ip, user_agent=(request.user_agent.string or "")[:200], device=device, via=via)
        new_device = not seen and not first_ever
        if new_device:
            audit.record("core.login.new_device", user, user=user, ip=ip,
                         data={"session_id": row.id, "user_agent": row.user_agent[:120]})
            _alert_new_device(user, row)
    session[SESSION_KEY] = key
    if new_device:
        signals.send(signals.new_device_login, user=user, session_id=row.id, ip=ip, school_id=user.school_id)
    return row


def _alert_new_device(user: User, row: UserSession) -> None:
    """Tell the owner through the channels (email, messenger...) that take security notices."""
    from ..jobs import SecurityAlert
    ext = current_app.extensions["zhurnal"]
    alert = SecurityAlert(kind="new_device_login", key=f"core.new_device.{row.id}", school_id=user.school_id,
                          account=user, at=row.created_at, recipients=[user],
                          data={"session_id": row.id, "ip": row.ip, "user_agent": row.user_agent})
    try:
        with database.atomic():  # a savepoint: a channel that fails costs the notice, not the sign-in
            ext.plugins.hook_for(ext.school_by_id(user.school_id)).zhurnal_security_alert(alert=alert)
    except Exception:  # noqa: BLE001 - the audit entry and the signal still tell
        log.exception("a channel refused the new-device notice of %s", user.login)


def end_current() -> None:
    """End this request's session (logout); the cookie is then worthless everywhere."""
    h = current_key_hash()
    session.pop(SESSION_KEY, None)
    if h:
        UserSession.update(ended_at=utcnow()).where(
            (UserSession.key_hash == h) & UserSession.ended_at.is_null()).execute()


def end(user: User, session_id: int, *, by: User | None = None) -> bool:
    """End one of ``user``'s sessions; False when there is no such open session."""
    with database.atomic():
        n = UserSession.update(ended_at=utcnow()).where(
            (UserSession.id == session_id) & (UserSession.user == user.id) & UserSession.ended_at.is_null()).execute()
        if n:
            audit.record("core.session.end", object_type="core_session", object_id=session_id, user=by or user,
                         school_id=user.school_id, data={"account": user.login})
    return bool(n)


def end_others(user: User) -> int:
    """End every session of ``user`` but this request's one; how many ended."""
    h = current_key_hash()
    with database.atomic():
        n = UserSession.update(ended_at=utcnow()).where(
            (UserSession.user == user.id) & UserSession.ended_at.is_null() & (UserSession.key_hash != h)).execute()
        audit.record("core.session.end_others", user, user=user, data={"ended": n})
    return n


def end_all(user_id: int) -> int:
    """End every session of the account (inside the caller's transaction)."""
    return UserSession.update(ended_at=utcnow()).where(
        (UserSession.user == user_id) & UserSession.ended_at.is_null()).execute()


def open_sessions(user: User) -> list[UserSession]:
    since = utcnow() - dt.timedelta(hours=current_app.extensions["zhurnal"].settings.security["session_hours"])
    return list(UserSession.select().where((UserSession.user == user.id) & UserSession.ended_at.is_null()
                                           & (UserSession.last_seen_at > since)).order_by(UserSession.id.desc()))


def forget(older_than: dt.timedelta = dt.timedelta(days=30)) -> int:
    """Drop sessions ended or unused for ``older_than`` (nightly; the audit keeps the sign-ins)."""
    cut = utcnow() - older_than
    return UserSession.delete().where((UserSession.ended_at < cut) | (UserSession.last_seen_at < cut)).execute()


def touch(session_id: int, last_seen) -> None:
    """Note the session as used (at most every :data:`TOUCH_EVERY`)."""
    now = utcnow()
    if last_seen is None or now - last_seen > TOUCH_EVERY:
        UserSession.update(last_seen_at=now).where(UserSession.id == session_id).execute()


def install(app) -> None:
    """Set the device cookie where a login made one."""
    @app.after_request
    def _device_cookie(resp):
        raw = g.pop("_zh_set_device", None)
        if raw:
            resp.set_cookie(DEVICE_COOKIE, raw, max_age=400 * 86400, httponly=True, samesite="Lax",
                            secure=app.config.get("SESSION_COOKIE_SECURE", False))
        return resp
