"""Counting failed logins: per account, per unknown login and per client address.

Every counter is incremented in the database (``failed_logins = failed_logins + 1``) and read
back in the same transaction, never computed from a value read before: parallel wrong passwords
each count. An account locked by failures can be opened early by a one-time unlock code (a slip
issued by staff, or sent to the owner) or by an admin; an address is only ever slowed down, never
locked, so that a school behind one NAT address is not locked out by one careless family.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets

from ..db import utcnow
from .models import LoginAddress, LoginFailure, UnlockCode, User

#: an address's count starts afresh after this long without failures
ADDRESS_WINDOW = dt.timedelta(minutes=15)
UNLOCK_CODE_HOURS = 24


class Refused(Exception):
    def __init__(self, code: str, retry_after: int | None = None) -> None:
        super().__init__(code)
        self.code, self.retry_after = code, retry_after


def check(counter, slowdown_after: int, now: dt.datetime, cap: int | None = None) -> None:
    """Refuse at once while ``counter`` is locked or slowed down (each further failure doubles the wait)."""
    if counter.locked_until and counter.locked_until > now:
        raise Refused("locked", math.ceil((counter.locked_until - now).total_seconds()))
    if counter.failed_logins >= slowdown_after and counter.last_failed_at:
        wait = 2 ** min(counter.failed_logins - slowdown_after, 20)
        if cap is not None:
            wait = min(wait, cap)
        elapsed = (now - counter.last_failed_at).total_seconds()
        if elapsed < wait:
            raise Refused("throttled", math.ceil(wait - elapsed))


def _lock_if_due(model, where, count: int, sec: dict, now: dt.datetime) -> dt.datetime | None:
    if count < sec["login_lock_after"]:
        return None
    until = now + dt.timedelta(minutes=sec["login_lock_minutes"])
    model.update(locked_until=until, failed_logins=0).where(where).execute()
    return until


def account_failure(user: User, sec: dict, now: dt.datetime) -> tuple[int, dt.datetime | None]:
    """Count one failure of ``user`` (inside a transaction); (failures reached, locked until or None)."""
    where = User.id == user.id
    User.update(failed_logins=User.failed_logins + 1, last_failed_at=now).where(where).execute()
    count = User.select(User.failed_logins).where(where).scalar()
    return count, _lock_if_due(User, where, count, sec, now)


def unknown_failure(key: str, sec: dict, now: dt.datetime) -> int:
    """Count one failure of a login that names no account (inside a transaction)."""
    LoginFailure.insert(login=key, failed_logins=1, last_failed_at=now).on_conflict(
        conflict_target=[LoginFailure.login],
        update={LoginFailure.failed_logins: LoginFailure.failed_logins + 1, LoginFailure.last_failed_at: now}).execute()
    where = LoginFailure.login == key
    count = LoginFailure.select(LoginFailure.failed_logins).where(where).scalar()
    _lock_if_due(LoginFailure, where, count, sec, now)
    return count


def address_counter(ip: str | None, now: dt.datetime) -> LoginAddress | None:
    if not ip:
        return None
    row = LoginAddress.get_or_none(LoginAddress.ip == ip[:64])
    if row is not None and row.last_failed_at and now - row.last_failed_at > ADDRESS_WINDOW:
        row.failed_logins = 0
    return row


def check_address(ip: str | None, sec: dict, now: dt.datetime) -> None:
    row = address_counter(ip, now)
    if row is not None:
        check(row, sec["address_slowdown_after"], now, cap=sec["login_lock_minutes"] * 60)


def address_failure(ip: str | None, now: dt.datetime) -> None:
    """Count one failure from ``ip`` over all accounts (its own statement: counted even when the
    account's transaction is rolled back)."""
    if not ip:
        return
    key = ip[:64]
    # a quiet address starts afresh
    LoginAddress.update(failed_logins=0).where((LoginAddress.ip == key)
                                               & (LoginAddress.last_failed_at < now - ADDRESS_WINDOW)).execute()
    LoginAddress.insert(ip=key, failed_logins=1, last_failed_at=now).on_conflict(
        conflict_target=[LoginAddress.ip],
        update={LoginAddress.failed_logins: LoginAddress.failed_logins + 1, LoginAddress.last_failed_at: now},
    ).execute()


def forget(older_than: dt.timedelta) -> int:
    cut = utcnow() - older_than
    n = LoginFailure.delete().where(LoginFailure.last_failed_at < cut).execute()
    return n + LoginAddress.delete().where(LoginAddress.last_failed_at < cut).execute()


# --- one-time unlock codes ---------------------------------------------------------------------------

def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def issue_unlock_code(user: User, *, by_id: int | None) -> str:
    """A new one-time code (valid :data:`UNLOCK_CODE_HOURS` hours); earlier unused ones are dropped."""
    code = "-".join(secrets.token_hex(2).upper() for _ in range(3))
    now = utcnow()
    UnlockCode.delete().where((UnlockCode.user == user.id) & UnlockCode.used_at.is_null()).execute()
    UnlockCode.create(user=user.id, code_hash=_hash(code), created_at=now,
                      expires_at=now + dt.timedelta(hours=UNLOCK_CODE_HOURS), issued_by=by_id)
    return code


def use_unlock_code(user: User, code: str, now: dt.datetime) -> bool:
    """Spend ``code`` for ``user`` (inside a transaction); False when it is wrong, used or expired."""
    if not code or len(code) > 32:
        return False
    return bool(UnlockCode.update(used_at=now).where(
        (UnlockCode.user == user.id) & (UnlockCode.code_hash == _hash(code)) & UnlockCode.used_at.is_null()
        & (UnlockCode.expires_at > now)).execute())
