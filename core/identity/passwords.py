"""Password hashing (argon2id) with parameters from settings."""
from __future__ import annotations

import functools
import re
import secrets
from pathlib import Path

from ..i18n import N_

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# unambiguous characters for issued passwords (no 0/O, 1/l/I)
_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

MIN_LENGTH = 8


class Passwords:
    def __init__(self, time_cost: int, memory_cost: int, parallelism: int) -> None:
        self._ph = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
        # verified against for unknown logins, so that timing does not tell them apart
        self._dummy = self._ph.hash(secrets.token_hex(8))

    def hash(self, password: str) -> str:
        return self._ph.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        try:
            return self._ph.verify(stored or self._dummy, password) and bool(stored)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        try:
            return self._ph.check_needs_rehash(stored)
        except InvalidHashError:
            return True


def generate(length: int = 10) -> str:
    """A random password for a login slip."""
    while True:
        pw = "".join(secrets.choice(_ALPHABET) for _ in range(length))
        if any(c.isdigit() for c in pw) and any(c.isalpha() for c in pw):
            return pw


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common and breached passwords (``data/common-passwords.txt``), lower case."""
    text = (Path(__file__).parent / "data" / "common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def weakness(password: str, login: str = "", name: str = "") -> str | None:
    """Why a password someone chose is not acceptable (English msgid), or None.

    The policy: at least :data:`MIN_LENGTH` characters; not on the shipped list of common and
    breached passwords; not the login, not containing it, nor a part of the person's name;
    not a run of a few repeated digits. Issued passwords are random and are not checked.
    """
    low = password.lower()
    if len(password) < MIN_LENGTH:
        return N_("Password must be at least 8 characters long.")
    if login and low == login.lower():
        return N_("Password must not be the same as the login.")
    if low in common_passwords() or low.strip("0123456789!.") in common_passwords():
        return N_("This password is on a list of common or leaked passwords. Choose another one.")
    if login and len(login) >= 4 and login.lower() in low:
        return N_("Password must not contain the login.")
    parts = [p for p in re.split(r"[\s.,\-]+", (name or "").lower()) if len(p) >= 4]
    if any(p in low for p in parts):
        return N_("Password must not contain your name.")
    if len(set(low)) < 4:
        return N_("Password is too simple.")
    return None
