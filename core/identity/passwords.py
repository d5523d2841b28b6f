"""Password hashing (argon2id) with parameters from settings."""
from __future__ import annotations

import secrets

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


def weakness(password: str, login: str = "") -> str | None:
    """Why a chosen password is not acceptable (English msgid), or None."""
    if len(password) < MIN_LENGTH:
        return N_("Password must be at least 8 characters long.")
    if login and password.lower() == login.lower():
        return N_("Password must not be the same as the login.")
    if password.isdigit() and len(set(password)) < 4:
        return N_("Password is too simple.")
    return None
