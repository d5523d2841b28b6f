"""Phone numbers as SMS gateways want them: ``+7XXXXXXXXXX`` for Russian numbers.

The kernel holds the one implementation (:func:`zhurnal.core.notify.address.normalise_phone`);
these names stay for code that imported them from here.
"""
from __future__ import annotations

from zhurnal.core.notify.address import normalise_phone as normalise
from zhurnal.core.notify.address import phone_problem

__all__ = ["normalise", "problem"]


def problem(raw: str | None) -> str | None:
    """``None`` when ``raw`` is a phone number, else why not (for the delivery log)."""
    return phone_problem(raw or "")
