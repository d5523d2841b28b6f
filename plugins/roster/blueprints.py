"""The roster's two blueprints, and the one place where every module putting routes on them is loaded.

``pages`` (``roster.*``, under ``/roster``) and ``api`` (``roster_api.*``, under ``/api/v1``);
the plugin hands both to the app through :func:`all_blueprints` (hook ``zhurnal_blueprints``).
"""
from __future__ import annotations

from flask import Blueprint

pages = Blueprint("roster", __name__, url_prefix="/roster", template_folder="templates")
api = Blueprint("roster_api", __name__, url_prefix="/api/v1")


def all_blueprints() -> list[Blueprint]:
    """Both blueprints with every route on them."""
    from . import (api_accounts, api_classes, api_groups, api_import, api_people, api_school,  # noqa: F401
                   deliveries, setup_views, views_accounts, views_classes, views_groups, views_import, views_people,
                   views_school)
    return [pages, api]
