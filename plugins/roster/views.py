"""What the roster's pages share: checking the posted forms, the user's school, the labels of
relations, sexes and kinds of reporting periods.

The pages live by responsibility: :mod:`.views_classes` (classes and class lists),
:mod:`.views_people` (the student card, editing students and guardians), :mod:`.views_groups`,
:mod:`.views_school` (the school's structure), :mod:`.views_accounts` (login slips),
:mod:`.views_import` (import and export), :mod:`.views_dashboard` (navigation and dashboard
widgets) and :mod:`.setup_views` (the first run); they are loaded in :mod:`.blueprints`.
Objects are found through :mod:`.lookup` (404 unknown, 403 forbidden); writes go through
:mod:`.service`; forms are checked with the API's request schemas (:mod:`.inputs`).
"""
from __future__ import annotations

from flask import abort, g, request
from flask_babel import gettext as _

from zhurnal.core import access
from zhurnal.core.identity.models import School


def can(perm: str, obj=None) -> bool:
    return access.can(g.user, perm, obj)


def posted_form(fields: tuple, *, checkboxes: tuple = (), nullable: tuple = ("birth_date", "gender", "left_at")) -> dict:
    """The posted form as a schema would get it from JSON: empty dates and choices are None."""
    out = {}
    for f in fields:
        v = request.form.get(f)
        if v is None:
            continue
        out[f] = None if (f in nullable and not v.strip()) else v
    for f in checkboxes:
        out[f] = request.form.get(f) in ("1", "on", "true")
    return out


def user_school() -> School:
    if g.get("school") is None:  # a fresh deployment: lead to the set-up, never a 404
        from .setup_views import no_school_response
        abort(no_school_response())
    return g.school


def relation_label(relation: str) -> str:
    return {"mother": _("mother"), "father": _("father"), "guardian": _("legal guardian"),
            "other": _("other relative")}.get(relation, relation)


def gender_label(gender: str | None) -> str:
    return {"m": _("male"), "f": _("female")}.get(gender or "", "")


def period_kind_label(kind: str) -> str:
    return {"quarters": _("quarters"), "trimesters": _("trimesters"), "halves": _("half-years")}.get(kind, kind)
