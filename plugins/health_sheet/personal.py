"""The health sheet in a 152-FZ access request: special-category data (art. 10), so only the student,
their guardian and an administrator get it (or the operator on the command line); anyone else who may
export a person's data (a director) gets no health section at all."""
from __future__ import annotations

from zhurnal.core import access

from .export import personal_data


def may_see(viewer, user_id, student_id: int) -> bool:
    if viewer is None:  # the operator on the command line
        return True
    if user_id is not None and viewer.id == user_id:  # the student's own account
        return True
    if "admin" in access.roles(viewer):
        return True
    return any(a.role in ("parent", "student") and a.scope_type == "student" and a.scope_id == student_id
               for a in access.assignments(viewer))


def export(user_id, person: dict, viewer) -> dict | None:
    if person.get("kind") != "student" or not may_see(viewer, user_id, person["id"]):
        return None
    return personal_data(person["id"])
