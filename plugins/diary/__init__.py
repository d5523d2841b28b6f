"""Electronic diary: what families and students see of the journal, acknowledgements, messages.

Reads everything from :mod:`zhurnal.plugins.journal` (nothing is copied); owns only
acknowledgements, last visits and conversations. A guardian (or student) for whom
the consent registry answers ``zhurnal_consent_granted`` with ``False`` gets a
notice instead of the child's week, marks and timetable (:mod:`.access`). Where
things live: ``README.md``.
"""
from __future__ import annotations

from zhurnal.core.hookspecs import hookimpl

from . import signals  # noqa: F401  (declares its signals before the audit connects to every signal)

name = "diary"
title = "Электронный дневник"
version = "1.0"
depends: tuple[str, ...] = ("roster", "journal")
schema_version = 1


@hookimpl
def zhurnal_models():
    from .models import MODELS
    return MODELS


@hookimpl
def zhurnal_permissions():
    from .permissions import PERMISSIONS
    return PERMISSIONS


@hookimpl
def zhurnal_object_scope(obj):
    from .access import scope_of
    return scope_of(obj)


@hookimpl
def zhurnal_demo_seed(ctx):
    from .demo import seed
    seed(ctx)


@hookimpl
def zhurnal_blueprints():
    from .api import bp as api_bp
    from .views import bp as views_bp
    return [views_bp, api_bp]


@hookimpl
def zhurnal_nav_items(user, school):
    from .views import nav_items
    return nav_items(user, school)


@hookimpl
def zhurnal_dashboard_widgets(user, school):
    from .views import dashboard_widgets
    return dashboard_widgets(user, school)


@hookimpl
def zhurnal_personal_data(user_id, person):
    from .personal import personal_data
    return personal_data(user_id, person)


@hookimpl
def zhurnal_audit_vocabulary():
    from .audit_words import vocabulary
    return vocabulary()
