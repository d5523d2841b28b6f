"""Everything that changes an account: login, throttling, passwords, locks, tokens.

Only this module writes ``core_user`` / ``core_api_token``; views call it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import secrets
from dataclasses import dataclass

from flask import current_app

from .. import audit, signals
from ..db import database, utcnow
from ..i18n import N_
from . import activation
from .models import ApiToken, CompromiseReport, LoginFailure, User
from . import sessions, throttle, totp
from .passwords import generate, weakness


log = logging.getLogger("zhurnal.identity")


class LoginRefused(Exception):
    """Login not possible; ``code`` is one of bad_credentials, throttled, locked, blocked."""

    def __init__(self, code: str, retry_after: int | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.retry_after = retry_after


def _ext():
    return current_app.extensions["zhurnal"]


def _sec() -> dict:
    return _ext().settings.security


def find_by_login(login: str) -> User | None:
    return User.get_or_none(User.login == (login or "").strip().lower())


def authenticate(login: str, password: str, *, ip: str | None = None, via: str = "web",
                 unlock_code: str | None = None, totp_code: str | None = None) -> User:
    """Check a login and password; count failures (per account and per address), slow down and lock.

    :param unlock_code: a one-time code that opens the account if failed logins locked it
    :param totp_code: the second factor, asked of accounts that enrolled (``totp_required`` without it)
    :raises LoginRefused: the same ``bad_credentials`` whether or not the login exists.
    """
    sec = _sec()
    now = utcnow()
    try:
        throttle.check_address(ip, sec, now)
    except throttle.Refused as e:
        raise LoginRefused(e.code, e.retry_after) from None
    user = find_by_login(login)
    passwords = _ext().passwords
    if user is None:
        _refuse_unknown(login, password, sec, now, ip)
    if not user.is_active:
        # say "stopped" only to someone who knows the password: otherwise a stranger
        # could tell a stopped account from an unknown login
        right = passwords.verify(user.password_hash, password or "")
        if not right:
            throttle.address_failure(ip, now)
        raise LoginRefused("blocked" if right and user.blocked_reason else "bad_credentials")
    locked = bool(user.locked_until and user.locked_until > now)
    if not (locked and unlock_code):
        try:
            throttle.check(user, sec["login_slowdown_after"], now)
        except throttle.Refused as e:
            raise LoginRefused(e.code, e.retry_after) from None
    activated = activation.redeem(user, password or "")  # a one-time code from a login slip
    if not activated and not passwords.verify(user.password_hash, password or ""):
        with database.atomic():
            failures, until = throttle.account_failure(user, sec, now)
            throttle.address_failure(ip, now)
            audit.record("core.login.failed", user, data={"failures": failures}, ip=ip, user=user)
            if until:
                audit.record("core.account.locked", user, user=user, ip=ip,
                             data={"until": until.isoformat(), "reason": "failed_logins"})
        signals.send(signals.login_failed, login=login, user=user, ip=ip, school_id=user.school_id)
        if until:
            signals.send(signals.account_locked, user=user, until=until, reason="failed_logins",
                         school_id=user.school_id)
        raise LoginRefused("bad_credentials")
    second = totp.confirmed(user)
    if second is not None and not totp_code:
        raise LoginRefused("totp_required")
    if second is not None and not totp.verify(second, totp_code):
        with database.atomic():
            failures, until = throttle.account_failure(user, sec, now)
            throttle.address_failure(ip, now)
            audit.record("core.login.failed", user, data={"failures": failures, "factor": "totp"}, ip=ip, user=user)
        raise LoginRefused("totp_invalid")
    with database.atomic():
        if locked:
            if not unlock_code or not throttle.use_unlock_code(user, unlock_code, now):
                raise LoginRefused("locked", retry_after=math.ceil((user.locked_until - now).total_seconds()))
            audit.record("core.account.unlock", user, user=user, ip=ip, data={"by": "unlock_code"})
        update = {"failed_logins": 0, "last_failed_at": None, "last_login_at": now, "locked_until": None}
        if not activated and passwords.needs_rehash(user.password_hash):
            update["password_hash"] = passwords.hash(password)
        User.update(**update).where(User.id == user.id).execute()
        audit.record("core.login", user, user=user, ip=ip, data={"via": via, **({"activation": True} if activated else {})})
    for k, v in update.items():
        setattr(user, k, v)
    signals.send(signals.user_logged_in, user=user, ip=ip, via=via, school_id=user.school_id)
    return user


def _refuse_unknown(login: str, password: str, sec: dict, now: dt.datetime, ip: str | None):
    """A login that names no account: answered exactly as a wrong password for an account
    would be (the same work, the same slow-down and lock), so that trying logins tells a
    stranger nothing about which accounts exist."""
    key = (login or "").strip().lower()[:64]
    counter = LoginFailure.get_or_none(LoginFailure.login == key) or LoginFailure(login=key, failed_logins=0)
    try:
        throttle.check(counter, sec["login_slowdown_after"], now)
    except throttle.Refused as e:
        raise LoginRefused(e.code, e.retry_after) from None
    _ext().passwords.verify(None, password or "")   # the time a wrong password takes (outside any lock)
    with database.atomic():
        throttle.unknown_failure(key, sec, now)
        throttle.address_failure(ip, now)
        audit.record("core.login.failed", object_type="core_user", data={"login": (login or "")[:64]}, ip=ip)
    raise LoginRefused("bad_credentials")


def send_unlock_code(login: str, *, ip: str | None = None) -> bool:
    """Send a one-time unlock code to the owner of ``login`` if failed logins locked it, through the
    channel plugins that take security notices (``zhurnal_security_alert``, kind ``unlock_code``).
    Returns whether a channel took it; the caller tells the client nothing either way."""
    user = find_by_login(login)
    now = utcnow()
    if user is None or not user.is_active or not (user.locked_until and user.locked_until > now):
        return False
    ext = _ext()
    try:
        return _send_unlock_code(user, ext, now, ip)
    except Exception:  # noqa: BLE001 - a channel that fails: no code issued, the client is told nothing
        log.exception("could not send an unlock code to %s", user.login)
        return False


def _send_unlock_code(user: User, ext, now: dt.datetime, ip: str | None) -> bool:
    from ..jobs import SecurityAlert
    with database.atomic():
        code = throttle.issue_unlock_code(user, by_id=None)
        alert = SecurityAlert(kind="unlock_code", key=f"core.unlock.{user.id}.{now.isoformat()}",
                              school_id=user.school_id, account=user, at=now, recipients=[user],
                              data={"code": code, "ip": ip, "valid_hours": throttle.UNLOCK_CODE_HOURS})
        channels = [c for c in ext.plugins.hook_for(ext.school_by_id(user.school_id)).zhurnal_security_alert(alert=alert) if c]
        audit.record("core.unlock_code.sent", user, user=user, ip=ip, data={"channels": sorted(channels)})
    return bool(channels)


def issue_unlock_code(user: User, *, by: User | None = None) -> str:
    """A one-time code that opens ``user``'s account if failed logins locked it (for a slip or a message)."""
    with database.atomic():
        code = throttle.issue_unlock_code(user, by_id=by.id if by else None)
        audit.record("core.unlock_code.issue", user, user=by)
    return code


def forget_login_failures(older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Drop the counters of unknown logins and of addresses quiet for ``older_than``, and sessions
    ended or unused for 30 days (a nightly job)."""
    sessions.forget()
    return throttle.forget(older_than)


def create_user(login: str, display_name: str, *, password: str | None = None, school=None,
                email: str | None = None, phone: str | None = None, must_change: bool | None = None) -> tuple[User, str]:
    """Create an account. Without ``password`` one is generated and the user must change it.

    :returns: (user, the password in clear, to print on a login slip)
    :raises ValueError: the login is taken or malformed (message says which)
    """
    login = (login or "").strip().lower()
    if not login or len(login) > 64 or not all(c.isalnum() or c in "._-" for c in login):
        raise ValueError("login may contain only letters, digits, '.', '_' and '-'")
    if User.select().where(User.login == login).exists():
        raise ValueError(f"login {login!r} is already taken")
    issued = password is None
    password = password or generate()
    user = User.create(login=login, display_name=display_name, password_hash=_ext().passwords.hash(password),
                       school=school, email=email, phone=phone,
                       must_change_password=issued if must_change is None else must_change)
    audit.record("core.user.create", user, school_id=getattr(school, "id", school),
                 data={"login": login, "display_name": display_name})
    return user, password


def _end_sessions(user: User) -> None:
    """End every session and token of the user now (not at cookie expiry)."""
    User.update(session_epoch=User.session_epoch + 1).where(User.id == user.id).execute()
    ApiToken.update(revoked_at=utcnow()).where((ApiToken.user == user.id) & ApiToken.revoked_at.is_null()).execute()
    sessions.end_all(user.id)
    user.session_epoch += 1


def change_password(user: User, new_password: str, *, by: User | None = None, current: str | None = None) -> None:
    """Set a password the user chose.

    :raises ValueError: current password wrong or new one too weak (English msgid).
    """
    if current is not None and not activation.awaiting_password(user) and \
            not _ext().passwords.verify(user.password_hash, current):
        raise ValueError(N_("Current password is wrong."))
    problem = weakness(new_password, user.login, user.display_name)
    if problem:
        raise ValueError(problem)
    if _ext().passwords.verify(user.password_hash, new_password):
        raise ValueError(N_("The new password must differ from the old one."))
    with database.atomic():
        User.update(password_hash=_ext().passwords.hash(new_password), must_change_password=False).where(
            User.id == user.id).execute()
        _end_sessions(user)
        audit.record("core.password.change", user, user=by or user)
    user.must_change_password = False
    signals.send(signals.password_changed, user=user, by=by or user, school_id=user.school_id)


def reset_password(user: User, *, by: User | None = None) -> str:
    """Issue a new random password the user must change at first login; returns it."""
    password = generate()
    with database.atomic():
        User.update(password_hash=_ext().passwords.hash(password), must_change_password=True,
                    failed_logins=0, locked_until=None).where(User.id == user.id).execute()
        _end_sessions(user)
        audit.record("core.password.reset", user, user=by)
    signals.send(signals.password_changed, user=user, by=by, school_id=user.school_id)
    return password


def lock(user: User, *, by: User | None = None, reason: str = "admin") -> None:
    with database.atomic():
        User.update(is_active=False, blocked_reason=reason).where(User.id == user.id).execute()
        _end_sessions(user)
        audit.record("core.account.lock", user, user=by, data={"reason": reason})
    user.is_active, user.blocked_reason = False, reason
    signals.send(signals.account_locked, user=user, until=None, reason=reason, school_id=user.school_id)


def unlock(user: User, *, by: User | None = None) -> None:
    with database.atomic():
        User.update(is_active=True, blocked_reason=None, locked_until=None, failed_logins=0).where(
            User.id == user.id).execute()
        audit.record("core.account.unlock", user, user=by)
    user.is_active, user.blocked_reason, user.locked_until = True, None, None


def report_compromised(user: User, *, by: User | None = None, ip: str | None = None, note: str = "",
                       since: dt.datetime | None = None) -> CompromiseReport:
    """Stop the account at once, void what was done with it since, and tell the world.

    :param by: who reports (the user themself, or support/admin on their behalf)
    :param since: from when the credentials were in other hands (UTC; default now, never later);
        every audit entry made with the account from then on is marked invalid
    """
    from ..incidents import deadline_for
    now = utcnow()
    since = min(since or now, now)
    deadline = deadline_for(now, user.school_id)
    with database.atomic():
        report = CompromiseReport.create(user=user, reported_at=now, reported_by=by or user, ip=ip,
                                         note=note[:2000], compromised_since=since, deadline_at=deadline)
        User.update(is_active=False, blocked_reason="compromised").where(User.id == user.id).execute()
        _end_sessions(user)
        voided = audit.invalidate_after(user.id, since, report.id)
        audit.record("core.credentials.compromised", user, user=by or user, ip=ip,
                     data={"report_id": report.id, "note": note[:200], "since": since.isoformat(),
                           "invalidated_entries": voided, "deadline": deadline.isoformat()})
    user.is_active, user.blocked_reason = False, "compromised"
    signals.send(signals.credentials_compromised, user=user, reported_at=now, report_id=report.id,
                 school_id=user.school_id)
    return report


@dataclass
class IssuedToken:
    token: ApiToken
    secret: str


def _token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(user: User, name: str) -> IssuedToken:
    secret = "zh_" + secrets.token_urlsafe(32)
    with database.atomic():
        tok = ApiToken.create(user=user, name=name[:100] or "token", token_hash=_token_hash(secret), prefix=secret[:10])
        audit.record("core.token.create", tok, user=user, school_id=user.school_id, data={"name": tok.name})
    return IssuedToken(tok, secret)


def revoke_token(tok: ApiToken, *, by: User) -> None:
    with database.atomic():
        ApiToken.update(revoked_at=utcnow()).where(ApiToken.id == tok.id).execute()
        audit.record("core.token.revoke", tok, user=by, school_id=by.school_id)


def user_for_token(secret: str) -> User | None:
    if not secret or not secret.startswith("zh_"):
        return None
    row = (ApiToken.select(ApiToken, User).join(User)
           .where((ApiToken.token_hash == _token_hash(secret)) & ApiToken.revoked_at.is_null()).first())
    if row is None or not row.user.is_active:
        return None
    now = utcnow()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 300:
        ApiToken.update(last_used_at=now).where(ApiToken.id == row.id).execute()
    return row.user
