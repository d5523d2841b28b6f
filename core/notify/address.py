"""One way to ask for a user's contact address.

Recipient addresses have one home per kind of person:

* a **guardian's** e-mail and phone live in the roster's ``Guardian`` record
  (the class-list importer and the roster pages write there); the roster answers
  ``zhurnal_contact_address`` for accounts linked to a guardian, and the account's
  own ``User.email``/``User.phone`` are left empty for them;
* **staff** (teachers, administration, support) keep theirs on the account
  (``User.email``/``User.phone``);
* a channel with its own kind of address (a messenger's chat id) overrides
  :meth:`zhurnal.core.notify.channel.Channel.addresses_for` and keeps its own table.
"""
from __future__ import annotations

import re

from flask import current_app, has_app_context

_EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\".]{2,}$")


def contact_of(user, kind: str) -> str | None:
    """The user's contact of ``kind`` (``"email"``, ``"phone"``), or ``None``.

    Asks the plugins enabled for the user's school (``zhurnal_contact_address``,
    first answer wins); without an answer, the account's own field.
    """
    if user is None:
        return None
    if has_app_context() and "zhurnal" in current_app.extensions:
        ext = current_app.extensions["zhurnal"]
        answer = ext.plugins.hook_for(ext.school_by_id(user.school_id)).zhurnal_contact_address(
            user=user, kind=kind)
        if answer is not None:
            return answer or None
    value = getattr(user, kind, None) if kind in ("email", "phone") else None
    return (value or "").strip() or None


def contacts_of(users: list, kind: str) -> dict[int, str | None]:
    """:func:`contact_of` for many users at once: one ``zhurnal_contact_addresses`` call per
    school, then the accounts' own fields for users no plugin answered for."""
    out: dict[int, str | None] = {}
    if not users:
        return out
    by_school: dict = {}
    for u in users:
        by_school.setdefault(u.school_id, []).append(u)
    for school_id, group in by_school.items():
        answers = None
        if has_app_context() and "zhurnal" in current_app.extensions:
            ext = current_app.extensions["zhurnal"]
            answers = ext.plugins.hook_for(ext.school_by_id(school_id)).zhurnal_contact_addresses(
                user_ids=[u.id for u in group], kind=kind)
        answers = answers or {}
        for u in group:
            if u.id in answers:
                out[u.id] = answers[u.id] or None
            else:
                value = getattr(u, kind, None) if kind in ("email", "phone") else None
                out[u.id] = (value or "").strip() or None
    return out


def email_problem(address: str) -> str | None:
    """``None`` for a plausible e-mail address, else why not."""
    if not address or not _EMAIL.match(address.strip()):
        return "not an e-mail address"
    return None


_SEPARATORS = re.compile(r"[\s\-().]")


def normalise_phone(raw: str | None) -> str | None:
    """A phone number in international form, or ``None`` when ``raw`` is not a phone number.

    Parents write their numbers in every form: ``8 (912) 345-67-89``, ``+7 912 345 67 89``,
    ``7-912-345-67-89``, ``9123456789`` are all ``+79123456789``. A number of another
    country keeps its ``+`` and country code (``+375291234567``). This is the one place
    numbers are normalised: channels and importers call it (``notify_sms.phone`` re-exports it).
    """
    if not raw:
        return None
    text = _SEPARATORS.sub("", raw.strip())
    if text.startswith("+"):
        digits = text[1:]
        if not digits.isdigit():
            return None
        if digits.startswith("7"):
            return "+" + digits if len(digits) == 11 else None
        return "+" + digits if 10 <= len(digits) <= 15 and digits[0] != "0" else None
    if not text.isdigit():
        return None
    if len(text) == 11 and text[0] in "78":
        return "+7" + text[1:]
    if len(text) == 10 and text[0] == "9":  # a mobile number written without the country code
        return "+7" + text
    return None


def phone_problem(phone: str) -> str | None:
    """``None`` for a plausible phone number, else why not."""
    return None if normalise_phone(phone) else "not a phone number"
