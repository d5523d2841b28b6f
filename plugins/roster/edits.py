"""What an edit of a roster record may change, and what it did change (for the audit)."""
from __future__ import annotations

from typing import Iterable

STUDENT_FIELDS = ("last_name", "first_name", "middle_name", "birth_date", "gender", "address", "phone",
                  "email", "snils", "individual_plan")
#: what an edit may change besides the class (leaving the school is an edit too)
STUDENT_UPDATE_FIELDS = STUDENT_FIELDS + ("left_at",)
GUARDIAN_FIELDS = ("last_name", "first_name", "middle_name", "phone", "email")
SCHOOL_FIELDS = ("name", "short_name")
CLASS_FIELDS = ("letter", "room")


def changed_fields(obj, changes: dict, fields: Iterable[str]) -> dict:
    """field -> [old, new] for each of ``fields`` that ``changes`` sets to another value."""
    out = {}
    for f in fields:
        if f in changes and getattr(obj, f) != changes[f]:
            out[f] = [getattr(obj, f), changes[f]]
    return out
