"""The journal pages' blueprint and what the page modules share: finding an object of the
user's school (else 404), reading query arguments (bad ones 400), the class whose journal
the user may read, the period asked for.
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, g, request

from zhurnal.core import access, clock
from zhurnal.core.db import by_key
from zhurnal.core.fields import bounded_date, bounded_int
from zhurnal.plugins.roster.models import AcademicYear, Period, SchoolClass

from .scope import JournalOf


bp = Blueprint("journal", __name__, url_prefix="/journal", template_folder="templates")
STATIC = Path(__file__).parent / "static"


def _school_id():
    return g.school.id if g.get("school") is not None else None


def _or_404(model, ident):
    obj = (by_key(model, model.id, ident) or [None])[0] if ident is not None else None
    if obj is None:
        abort(404)
    school = getattr(obj, "school_id", None)
    if school is None and isinstance(obj, Period):
        school = AcademicYear.get_by_id(obj.year_id).school_id
    if school != _school_id():
        abort(404)
    return obj


def _int_arg(name: str):
    v = request.args.get(name, "")
    try:
        return bounded_int(v) if v else None
    except ValueError:
        abort(400)


def _date_arg(name: str):
    v = request.args.get(name, "")
    try:
        return bounded_date(v) if v else None
    except ValueError:
        abort(400)


def _period_from_args(year_id: int):
    pid = _int_arg("period_id")
    if pid is None:
        return None
    p = (by_key(Period, Period.id, pid) or [None])[0]
    if p is None or p.year_id != year_id:
        abort(404)
    return p


def _class_for(class_id: int, perm: str) -> SchoolClass:
    """A class of the user's school whose journal the user may ``perm``; else 404 / 403."""
    cls = _or_404(SchoolClass, class_id)
    if not access.can(g.user, perm, JournalOf.of_class(cls)):
        abort(403)
    return cls


def _periods_and_chosen(year_id: int) -> tuple[list[Period], Period | None]:
    """The year's periods and the one asked for (default: today's, else the last)."""
    periods = list(Period.select().where(Period.year == year_id).order_by(Period.number))
    period = _period_from_args(year_id) or next(
        (p for p in periods if p.start <= clock.today() <= p.end), periods[-1] if periods else None)
    return periods, period
