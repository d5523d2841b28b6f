"""Roster pages."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("roster", __name__, url_prefix="/roster", template_folder="templates")


def nav_items(user, school):
    return []


def dashboard_widgets(user, school):
    return []
