"""Today's date for the whole application.

``today`` in the settings (``ZHURNAL_TODAY=2026-11-26``) pins the date: demos
and tests then see the same school day whatever the calendar says. Otherwise
"today" is the date in the deployment's ``timezone`` (default Europe/Moscow), not
the server's: at 01:00 in Moscow the school day has begun while a server on UTC
still says yesterday.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _utc() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def now() -> dt.datetime:
    """The current time in the deployment's time zone (aware); the server's outside an app."""
    if has_app_context():
        return _utc().astimezone(_zone(current_app.extensions["zhurnal"].settings.timezone))
    return _utc().astimezone()


def today() -> dt.date:
    if has_app_context():
        pinned = current_app.extensions["zhurnal"].settings.today
        if pinned:
            return pinned
    return now().date()
