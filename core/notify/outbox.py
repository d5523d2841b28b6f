"""Writing notifications: :func:`notify` inside the event's transaction, :func:`fan_out` after it.

A service that saves an event calls :func:`notify` *inside* its
``database.atomic()`` block: one INSERT into ``core_notify_notification``, so
rolling the event back rolls the notification back, and nothing slow happens
in the request. The worker then fans each new notification out into
deliveries (one per recipient and channel, with the recipient's preferences,
quiet hours, consent and access checked: "when queued") and delivers them
(:mod:`.worker`, consent and access checked again: "when sent").

Who is told:

* ``student_id`` given: the student's guardians with an account (and the student,
  if ``[notify] students = true``), as the roster answers
  ``zhurnal_notification_audience``;
* ``recipients`` given: exactly those accounts (messages, announcements, staff alerts).
"""
from __future__ import annotations

import datetime as dt
import json
import logging
from zoneinfo import ZoneInfo

from flask import current_app, g, has_app_context

from ..db import database, utcnow
from ..prepared import Prepared, slot
from . import channels_for
from .events import DIGEST, OFF, event as event_info
from .models import CANCELLED, QUEUED, Delivery, Notification, Preference, QuietHours

log = logging.getLogger("zhurnal.notify")


#: the one INSERT a saved event pays for its notification (SQL built once: it runs on every mark)
_INSERT = Prepared(lambda: Notification.insert(
    {getattr(Notification, f): slot(f) for f in ("key", "event", "school", "student_id", "data", "created_at")})
    .on_conflict_ignore())


def notify(event: str, *, key: str, school_id: int | None, student_id: int | None = None,
           students: list[int] | None = None, recipients: list[int] | None = None,
           data: dict | None = None) -> bool:
    """Queue a notification about ``event`` (call inside the transaction saving the event).

    :param key: unique for this event occurrence (e.g. ``"journal.mark:42:1"``); a key
        already queued is ignored, so a retried request queues nothing twice
    :param student_id: whose data it is (its guardians are told; consent is checked)
    :param students: several students (homework of a class): each one's family is told once
    :param recipients: account ids to tell instead (messages, announcements, alerts)
    :param data: what the texts need (JSON-serialisable)
    :returns: True if queued, False if the key was queued before
    """
    event_info(event)  # unknown events fail loudly in tests, not in the worker
    body = dict(data or {})
    if recipients is not None:
        body["_recipients"] = sorted(set(int(u) for u in recipients))
    if students:
        body["_students"] = sorted(set(int(s) for s in students))
    n = _INSERT.execute(key=key[:200], event=event, school=school_id, student_id=student_id,
                        data=json.dumps(body, ensure_ascii=False, default=str), created_at=utcnow()).rowcount
    if has_app_context():
        g._zh_notify_pending = True
    return bool(n)


def forget_pending() -> int:
    """Drop notifications not fanned out yet (``zhurnal demo``: its generated history is not news)."""
    return Notification.delete().where(Notification.fanned_at.is_null()).execute()


# --- fan-out (in the worker) -------------------------------------------------------------------

def audience(school_id, student_id: int) -> list[dict]:
    """``[{"user_id", "role"}]``: who hears about ``student_id`` (roster answers)."""
    ext = current_app.extensions["zhurnal"]
    hooks = ext.plugins.hook_for(ext.school_by_id(school_id))
    people = hooks.zhurnal_notification_audience(student_id=student_id) or []
    if not students_allowed(school_id):
        people = [p for p in people if p.get("role") != "student"]
    return people


def students_allowed(school_id) -> bool:
    """Do students of the school receive notifications? The school's setting, else ``[notify] students``."""
    from .models import SchoolSettings
    row = SchoolSettings.select(SchoolSettings.students).where(SchoolSettings.school == school_id).tuples().first() \
        if school_id is not None else None
    return bool(row[0]) if row is not None else current_app.extensions["zhurnal"].settings.notify["students"]


def consent(user_id: int, school_id, student_id: int) -> bool:
    """True only if a plugin answered True (no answer: not sent)."""
    ext = current_app.extensions["zhurnal"]
    hooks = ext.plugins.hook_for(ext.school_by_id(school_id))
    return hooks.zhurnal_consent_granted(user_id=user_id, student_id=student_id) is True


def modes_for(user_ids: list[int], event: str, channel_codes: list[str]) -> dict[tuple[int, str], str]:
    """``{(user_id, channel): mode}`` with the users' choices over the event's defaults."""
    info = event_info(event)
    out = {(u, c): info.default_mode(c) for u in user_ids for c in channel_codes}
    if info.optional and user_ids:
        for u, c, m in (Preference.select(Preference.user, Preference.channel, Preference.mode)
                        .where(Preference.user.in_(user_ids) & (Preference.event == event)).tuples()):
            if (u, c) in out:
                out[(u, c)] = m
    return out


def school_tz() -> ZoneInfo:
    return ZoneInfo(current_app.extensions["zhurnal"].settings.timezone)


def _local(now_utc: dt.datetime) -> dt.datetime:
    return now_utc.replace(tzinfo=dt.timezone.utc).astimezone(school_tz())


def _to_utc(local: dt.datetime) -> dt.datetime:
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)


def not_before_time(now: dt.datetime, hhmm: str) -> dt.datetime:
    """``now``, or today's ``hhmm`` (school time) if that is later (UTC, naive)."""
    loc = _local(now)
    h, m = map(int, hhmm.split(":"))
    at = loc.replace(hour=h, minute=m, second=0, microsecond=0)
    return _to_utc(at) if at > loc else now


def after_quiet(due: dt.datetime, quiet: QuietHours | None) -> dt.datetime:
    """Move ``due`` (UTC) past the user's quiet hours."""
    if quiet is None or quiet.start_minute is None or quiet.end_minute is None \
            or quiet.start_minute == quiet.end_minute:
        return due
    loc = _local(due)
    minute = loc.hour * 60 + loc.minute
    s, e = quiet.start_minute, quiet.end_minute
    inside = (s <= minute < e) if s < e else (minute >= s or minute < e)
    if not inside:
        return due
    end = loc.replace(hour=e // 60, minute=e % 60, second=0, microsecond=0)
    if end <= loc:
        end += dt.timedelta(days=1)
    return _to_utc(end)


def next_digest(now: dt.datetime, quiet: QuietHours | None) -> dt.datetime:
    hour = quiet.digest_hour if quiet is not None else 18
    loc = _local(now)
    at = loc.replace(hour=hour, minute=0, second=0, microsecond=0)
    if at <= loc:
        at += dt.timedelta(days=1)
    return _to_utc(at)


def fan_out(limit: int = 500) -> int:
    """Turn new notifications into deliveries; returns how many notifications were handled.

    Each notification is expanded in its own transaction, claimed by setting
    ``fanned`` so that two workers never expand one twice (and the deliveries'
    unique idempotency keys make a repeat harmless anyway).
    """
    ids = [i for (i,) in Notification.select(Notification.id).where(Notification.fanned_at.is_null())
           .order_by(Notification.id).limit(limit).tuples()]
    done = 0
    for nid in ids:
        with database.atomic():
            claimed = Notification.update(fanned_at=utcnow()).where(
                (Notification.id == nid) & Notification.fanned_at.is_null()).execute()
            if not claimed:
                continue
            _expand(Notification.get_by_id(nid))
        done += 1
    return done


def links_of(n: Notification, data: dict) -> dict[int, list[int]]:
    """``{user_id: [student ids through which the user hears of it]}``: the current audience.

    Explicit recipients who are not in a student's family (staff) map to ``[]``.
    """
    students = [n.student_id] if n.student_id is not None else list(data.get("_students", []))
    family: dict[int, list[int]] = {}
    for sid in students:
        for p in audience(n.school_id, sid):
            family.setdefault(p["user_id"], []).append(sid)
    if "_recipients" in data:
        if not students:
            return {u: [] for u in data["_recipients"]}
        # a message about a student: to their family, or to staff; a parent's or student's account
        # that is no longer this student's (unlinked meanwhile) is no recipient any more
        return {u: family.get(u, []) for u in data["_recipients"] if u in family or _is_staff(u)}
    return family


FAMILY_ROLES = {"parent", "student"}


def _is_staff(user_id: int) -> bool:
    from .. import access
    from ..identity.models import User
    user = User.get_or_none(User.id == user_id)
    return user is not None and bool(access.roles(user) - FAMILY_ROLES)


def allowed(user_id: int, n: Notification, via: list[int]) -> bool:
    """Consent: a student's data goes to their family only with consent for that student
    (any one of ``via``); staff recipients and non-personal events need none."""
    if not event_info(n.event).personal or not via:
        return True
    return any(consent(user_id, n.school_id, sid) for sid in via)


def _expand(n: Notification) -> None:
    from ..identity.models import User
    ext = current_app.extensions["zhurnal"]
    data = json.loads(n.data or "{}")
    school = ext.school_by_id(n.school_id)
    chans = channels_for(school)
    if not chans:
        return
    details = ext.plugins.hook_for(school).zhurnal_notification_details(
        event=n.event, student_id=n.student_id, data=data)
    # pluggy answers the last registered plugin first: merge in dependency order, later plugins win
    extra = {k: v for d in reversed(details) if d for k, v in d.items()}
    if extra:
        data.update(extra)
        Notification.update(data=json.dumps(data, ensure_ascii=False, default=str)).where(
            Notification.id == n.id).execute()
    links = links_of(n, data)
    user_ids = sorted(links)
    if not user_ids:
        return
    users = {u.id: u for u in User.select().where(User.id.in_(user_ids) & (User.is_active == True))}  # noqa: E712
    modes = modes_for(user_ids, n.event, list(chans))
    quiet = {q.user_id: q for q in QuietHours.select().where(QuietHours.user.in_(user_ids))}
    now = utcnow()
    base_due = now
    if n.event == "absence":
        base_due = not_before_time(now, ext.settings.notify["absence_time"])
    addresses = {code: ch.addresses_for(list(users.values())) for code, ch in chans.items()}
    rows = []
    for uid in user_ids:
        user = users.get(uid)
        if user is None:
            continue
        wanted = [(c, modes[(uid, c)]) for c in chans if modes[(uid, c)] != OFF]
        if not wanted:
            continue
        refused = None if allowed(uid, n, links[uid]) else "no consent registered for electronic delivery"
        for code, mode in wanted:
            address = addresses[code].get(uid)
            if address is None:
                continue  # no address for this channel: nothing to record
            if mode == DIGEST:
                due = next_digest(now, quiet.get(uid))
            else:  # urgent events (security alerts, which nobody may switch off) ignore quiet hours
                due = after_quiet(base_due, quiet.get(uid)) if event_info(n.event).optional else base_due
            rows.append({
                "notification": n.id, "user": uid, "channel": code, "address": address[:300],
                "idempotency_key": f"{n.key}:{code}:{uid}"[:300],
                "status": CANCELLED if refused else QUEUED, "last_error": refused or "",
                "digest": mode == DIGEST, "due_at": due, "created_at": now, "updated_at": now,
            })
    insert_many(rows)


_DELIVERY_COLUMNS = ("notification", "user", "channel", "address", "idempotency_key", "status", "last_error",
                     "digest", "due_at", "created_at", "updated_at")
#: one delivery row; fan-out runs it with executemany (peewee's insert_many spends longer building
#: the SQL of a 2,000-row fan-out than the database spends writing it)
_INSERT_DELIVERY = Prepared(lambda: Delivery.insert(
    {getattr(Delivery, c): slot(c) for c in _DELIVERY_COLUMNS}).on_conflict_ignore())


def insert_many(rows: list[dict]) -> None:
    """Write delivery rows (a repeated idempotency key is skipped)."""
    if not rows:
        return
    fields = Delivery._meta.fields
    _INSERT_DELIVERY.execute_many(rows, {c: fields[c].db_value for c in _DELIVERY_COLUMNS})


def wake(app=None) -> None:
    """Ask the worker to deliver now (best effort: if the queue is unreachable, the rows wait
    in the outbox and the worker's periodic sweep sends them)."""
    try:
        from .worker import deliver_job
        deliver_job()
    except Exception as e:  # Redis down, a full disk...: the request that saved the event succeeded
        log.warning("could not wake the notification worker (%s); the outbox keeps the rows", e)


def install(app) -> None:
    """After each request (and CLI command) that queued notifications, wake the worker."""
    @app.teardown_appcontext
    def _wake_after(exc):
        if g.pop("_zh_notify_pending", False) and exc is None:
            from ..queue import get_queue
            if not get_queue(app).immediate:  # memory queue (tests): the test delivers itself
                wake()
