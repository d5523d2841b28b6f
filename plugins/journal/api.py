"""Journal JSON API under /api/v1: one blueprint (``journal_api``), its routes in one module
per subject. The list below is every route module; each adds its routes to ``bp`` when
imported. What they share (lookups, access, running a service write) is in
:mod:`.api_common`.
"""
from __future__ import annotations

from . import (api_attendance, api_grid, api_lessons, api_marks, api_periods,  # noqa: F401  (routes on bp)
               api_remarks, api_scales, api_term_marks, api_timetable)
from .api_common import bp

__all__ = ["bp"]
