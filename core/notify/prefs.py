"""A user's notification preferences: events x channels (instant, daily digest, off) and quiet hours."""
from __future__ import annotations

from flask import current_app

from ..db import database
from . import channels_for
from .events import EVENTS, MODES
from .models import Preference, QuietHours


class Invalid(ValueError):
    """Bad preferences; ``fields`` maps each bad field to its message."""

    def __init__(self, fields: dict) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


def user_channels(user) -> dict:
    """The channels available to ``user`` (enabled for their school): ``{code: channel}``."""
    ext = current_app.extensions["zhurnal"]
    return channels_for(ext.school_by_id(user.school_id))


def choices(user) -> dict:
    """``{event: {channel: mode}}`` for the events a user may choose, defaults filled in."""
    chans = list(user_channels(user))
    saved = {(e, c): m for e, c, m in Preference.select(Preference.event, Preference.channel, Preference.mode)
             .where(Preference.user == user.id).tuples()}
    return {code: {c: saved.get((code, c), ev.default_mode(c)) for c in chans}
            for code, ev in EVENTS.items() if ev.optional}


def quiet_hours(user) -> dict:
    q = QuietHours.get_or_none(QuietHours.user == user.id)

    def hhmm(m):
        return None if m is None else f"{m // 60:02d}:{m % 60:02d}"
    return {"start": hhmm(q.start_minute) if q else None, "end": hhmm(q.end_minute) if q else None,
            "digest_hour": q.digest_hour if q else 18}


def _minutes(value, field: str, errors: dict):
    if value in (None, ""):
        return None
    try:
        h, m = str(value).split(":")
        h, m = int(h), int(m)
        if not (0 <= h < 24 and 0 <= m < 60) or len(str(value)) != 5:
            raise ValueError
        return h * 60 + m
    except ValueError:
        errors[field] = "Use HH:MM (00:00-23:59)."
        return None


def save(user, events: dict | None = None, quiet: dict | None = None) -> None:
    """Store the user's choices; refuses anything unknown with :class:`Invalid` (nothing saved)."""
    errors: dict = {}
    chans = set(user_channels(user))
    rows = []
    if events is not None and not isinstance(events, dict):
        errors["events"] = "Must be an object {event: {channel: mode}}."
        events = {}
    for ev, per in (events or {}).items():
        info = EVENTS.get(ev)
        if info is None or not info.optional:
            errors[f"events.{ev}"] = "Unknown event."
            continue
        if not isinstance(per, dict):
            errors[f"events.{ev}"] = "Must be an object {channel: mode}."
            continue
        for ch, mode in per.items():
            if ch not in chans:
                errors[f"events.{ev}.{ch}"] = "Unknown channel."
            elif mode not in MODES:
                errors[f"events.{ev}.{ch}"] = f"Must be one of: {', '.join(MODES)}."
            else:
                rows.append({"user": user.id, "event": ev, "channel": ch, "mode": mode})
    q = None
    if quiet is not None:
        if not isinstance(quiet, dict):
            errors["quiet"] = "Must be an object {start, end, digest_hour}."
        else:
            start = _minutes(quiet.get("start"), "quiet.start", errors)
            end = _minutes(quiet.get("end"), "quiet.end", errors)
            if (start is None) != (end is None) and "quiet.start" not in errors and "quiet.end" not in errors:
                errors["quiet.end" if end is None else "quiet.start"] = "Give both the start and the end, or neither."
            hour = quiet.get("digest_hour", 18)
            if isinstance(hour, bool) or not isinstance(hour, int) or not 0 <= hour <= 23:
                errors["quiet.digest_hour"] = "Must be an hour from 0 to 23."
            q = {"start_minute": start, "end_minute": end, "digest_hour": hour}
    if errors:
        raise Invalid(errors)
    with database.atomic():
        for r in rows:
            (Preference.insert(**r).on_conflict(conflict_target=[Preference.user, Preference.event, Preference.channel],
                                                update={Preference.mode: r["mode"]}).execute())
        if q is not None:
            QuietHours.insert(user=user.id, **q).on_conflict(
                conflict_target=[QuietHours.user],
                update={QuietHours.start_minute: q["start_minute"], QuietHours.end_minute: q["end_minute"],
                        QuietHours.digest_hour: q["digest_hour"]}).execute()
