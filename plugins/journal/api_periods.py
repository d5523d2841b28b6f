"""Journal API: reporting periods, closing and reopening them.
"""
from __future__ import annotations


from flask import g

from zhurnal.core import access, clock
from zhurnal.core.api import endpoint, forbidden

from . import service
from .api_common import _period_or_404, _require, bp
from .schemas import JournalPeriodOut


@endpoint(bp, "/periods", ["GET"], summary="Reporting periods of the current school year and whether they are "
                                           "closed", response=JournalPeriodOut, many=True)
def list_periods():
    if not access.can(g.user, "journal.read") or g.get("school") is None:
        raise forbidden()
    from zhurnal.plugins.roster.service import current_year, periods
    year = current_year(g.school, clock.today())
    return periods(year) if year else []


@endpoint(bp, "/periods/<id:period_id>/close", ["POST"], summary="Close a period for editing",
          response=JournalPeriodOut)
def close_period(period_id: int):
    period = _period_or_404(period_id)
    _require("journal.period.close", period)
    return service.close_period(period, by=g.user)


@endpoint(bp, "/periods/<id:period_id>/reopen", ["POST"], summary="Reopen a closed period", response=JournalPeriodOut)
def reopen_period(period_id: int):
    period = _period_or_404(period_id)
    _require("journal.period.close", period)
    return service.reopen_period(period, by=g.user)
