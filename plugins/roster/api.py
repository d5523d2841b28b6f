"""Roster JSON API under /api/v1."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("roster_api", __name__, url_prefix="/api/v1")
