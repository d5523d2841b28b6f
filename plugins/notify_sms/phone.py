"""Phone numbers as SMS gateways want them: ``+7XXXXXXXXXX`` for Russian numbers.

Parents write their numbers in every form: ``8 (912) 345-67-89``, ``+7 912 345 67 89``,
``7-912-345-67-89``, ``9123456789``. All of them are one number, ``+79123456789``.
A number of another country keeps its ``+`` and country code (``+375291234567``).
"""
from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-().]")


def normalise(raw: str | None) -> str | None:
    """The number in international form (``+7`` and ten digits for Russia), or ``None``
    when it is not a phone number."""
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


def problem(raw: str | None) -> str | None:
    """``None`` when ``raw`` is a phone number, else why not (for the delivery log)."""
    return None if normalise(raw) else "not a phone number"
