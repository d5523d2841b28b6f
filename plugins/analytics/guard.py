"""Find a row of the user's school for a page or an API call, or answer 404 (one place for both)."""
from __future__ import annotations

from flask import abort, g

from .schemas import MAX_ID


def get_or_404(model, ident: int):
    """The row if it belongs to the user's school; 404 otherwise (a huge id names nothing)."""
    if ident > MAX_ID:
        abort(404)
    obj = model.get_or_none(model.id == ident)
    school = g.get("school")
    if obj is None or (school is not None and obj.school_id != school.id):
        abort(404)
    return obj
