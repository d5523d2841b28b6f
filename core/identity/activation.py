"""One-time activation codes for login slips.

A slip carries a random code, not a password. The code is kept only as an argon2
hash (the kernel's password helpers) together with its expiry, in the account's
``password_hash`` column::

    activation$<expires, UTC, ISO>$<argon2 hash of the code>

so an account with a pending code has no password at all. Logging in with the code
(in the password field) works once: the column becomes :data:`USED`, which no
password matches, and ``must_change_password`` sends the user to choose one; the
change asks no current password while the column is :data:`USED`. Issuing a new code
replaces the old one and ends the account's sessions and tokens.
"""
from __future__ import annotations

import datetime as dt
import secrets

from flask import current_app

from .. import audit
from ..db import database, utcnow
from .models import User

PREFIX = "activation$"
#: the column after the code was used and before a password was chosen
USED = "activation-used"
#: no 0/O, 1/I/L: read from paper and typed on a phone
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 12


def _passwords():
    return current_app.extensions["zhurnal"].passwords


def normalize(code: str) -> str:
    return "".join(c for c in (code or "").upper() if c.isalnum())


def generate() -> str:
    """``ABCD-EFGH-JKMN``: 12 characters of 31, about 59 bits."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, LENGTH, 4))


def issue(user: User, *, days: int, by=None) -> tuple[str, dt.datetime]:
    """Give ``user`` a new code valid for ``days`` days; the previous code or password stops
    working and every session and token of the user ends. Call inside the caller's transaction.

    :returns: (the code in clear, to print once; when it expires, UTC)
    """
    from .service import _end_sessions
    code = generate()
    expires = (utcnow() + dt.timedelta(days=days)).replace(microsecond=0)
    stored = f"{PREFIX}{expires.isoformat()}${_passwords().hash(normalize(code))}"
    with database.atomic():
        User.update(password_hash=stored, must_change_password=True, failed_logins=0,
                    locked_until=None).where(User.id == user.id).execute()
        _end_sessions(user)
        audit.record("core.activation.issue", user, user=by, school_id=user.school_id,
                     data={"expires": expires.isoformat()})
    user.password_hash, user.must_change_password = stored, True
    return code, expires


def pending(user: User) -> dt.datetime | None:
    """When the user's unused code expires, or None (no code pending)."""
    stored = user.password_hash or ""
    if not stored.startswith(PREFIX):
        return None
    return dt.datetime.fromisoformat(stored[len(PREFIX):].split("$", 1)[0])


def awaiting_password(user: User) -> bool:
    """The user logged in with a code and has not chosen a password yet."""
    return (user.password_hash or "") == USED


def redeem(user: User, code: str) -> bool:
    """Use the user's code: True once for the right, unexpired code (then never again)."""
    stored = user.password_hash or ""
    expires = pending(user)
    if expires is None or expires < utcnow():
        return False
    if not _passwords().verify(stored[len(PREFIX):].split("$", 1)[1], normalize(code)):
        return False
    with database.atomic():
        # only one of two simultaneous logins with the same code wins
        won = User.update(password_hash=USED).where((User.id == user.id) & (User.password_hash == stored)).execute()
        if won:
            audit.record("core.activation.use", user, user=user, school_id=user.school_id)
    if won:
        user.password_hash = USED
    return bool(won)
