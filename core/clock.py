"""Today's date for the whole application.

``today`` in the settings (``ZHURNAL_TODAY=2026-11-26``) pins the date: demos
and tests then see the same school day whatever the calendar says.
"""
from __future__ import annotations

import datetime as dt

from flask import current_app, has_app_context


def today() -> dt.date:
    if has_app_context():
        pinned = current_app.extensions["zhurnal"].settings.today
        if pinned:
            return pinned
    return dt.date.today()
