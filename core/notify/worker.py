"""Delivering the outbox: claim due rows with a lease, send, record — exactly once per channel.

The worker (``zhurnal worker`` runs :func:`deliver_job` when woken after a request
queued notifications, every minute as a sweep, and once at start-up):

1. :func:`~.outbox.fan_out` expands new notifications into deliveries;
2. :func:`claim` takes a batch of due deliveries in one UPDATE: ``status='sending'``,
   ``lease_until = now + [notify] lease_seconds``, ``leased_by = <this pass>``,
   ``attempts + 1``. A live worker renews the lease of the rows it has not sent yet
   while it works through a slow batch; rows of a worker that died (``kill -9``) stay
   ``sending`` until their lease runs out, then any worker claims them again;
3. for each row: consent, access and "still current" are checked again, the
   channel's ``send`` is called, and the outcome is committed at once (``sent``;
   ``queued`` with a backoff for a temporary failure; ``failed`` for a permanent
   one or after ``max_attempts``).

**The window.** A message the channel accepted is recorded ``sent`` in the next
statement; if the process dies between the two (a few milliseconds per message),
the row is sent again after its lease. Everything else — dying before the channel
accepted, during a batch, during fan-out — loses nothing and sends nothing twice.
Channels pass :attr:`Message.idempotency_key` to providers that deduplicate
(the e-mail channel sets it as the ``Message-ID``, so mail clients show a repeat once).
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from html import escape

from flask import current_app

from ..db import database, utcnow
from ..queue import _crontab, task
from . import channels_for
from .channel import DELIVERED, PERMANENT, DeliveryResult, Message, shape
from .models import CANCELLED, FAILED, QUEUED, SENDING, SENT, Delivery, Notification
from .outbox import allowed, fan_out, links_of
from .render import render

log = logging.getLogger("zhurnal.notify.worker")

MAX_BACKOFF = 6 * 3600


def _cfg() -> dict:
    return current_app.extensions["zhurnal"].settings.notify


def claim(limit: int, token: str, now: dt.datetime | None = None) -> list[Delivery]:
    """Lease up to ``limit`` due deliveries to ``token``; returns them."""
    now = now or utcnow()
    lease = now + dt.timedelta(seconds=_cfg()["lease_seconds"])
    due = ((Delivery.status == QUEUED) & (Delivery.due_at <= now)) | \
          ((Delivery.status == SENDING) & (Delivery.lease_until < now))
    ids = [i for (i,) in Delivery.select(Delivery.id).where(due).order_by(Delivery.due_at, Delivery.id)
           .limit(limit).tuples()]
    if not ids:
        return []
    with database.atomic():
        Delivery.update(status=SENDING, lease_until=lease, leased_by=token, attempts=Delivery.attempts + 1,
                        updated_at=now).where(Delivery.id.in_(ids) & due).execute()
    return list(Delivery.select().where((Delivery.leased_by == token) & (Delivery.status == SENDING))
                .order_by(Delivery.id))


def _finish(row: Delivery, token: str, **changes) -> bool:
    changes.setdefault("updated_at", utcnow())
    with database.atomic():
        n = Delivery.update(lease_until=None, **changes).where(
            (Delivery.id == row.id) & (Delivery.leased_by == token) & (Delivery.status == SENDING)).execute()
    if not n:
        log.warning("delivery %s: lease lost before its outcome was recorded", row.id)
    return bool(n)


def _still_allowed(row: Delivery, n: Notification, data: dict, user, links: dict) -> str | None:
    """Why this delivery must not go out now (``None``: it may). ``links``: :func:`.outbox.links_of`
    of the notification, read once per batch."""
    if row.user_id and (user is None or not user.is_active):
        return "the account is no longer active"
    if row.user_id not in links:
        return "no longer a guardian of the student" if "_recipients" not in data else "no longer a recipient"
    if not allowed(row.user_id, n, links[row.user_id]):
        return "consent withdrawn or not registered"
    ext = current_app.extensions["zhurnal"]
    current = ext.plugins.hook_for(ext.school_by_id(n.school_id)).zhurnal_notification_current(
        event=n.event, student_id=n.student_id, data=data)
    if current is False:
        return "no longer current (changed before it was sent)"
    return None


def _message(row: Delivery, n: Notification, data: dict, channel, user) -> Message:
    settings = current_app.extensions["zhurnal"].settings
    language = (user.locale if user is not None and user.locale else None) or settings.default_locale
    name = user.display_name if user is not None else ""
    link = settings.base_url + data["_link"] if data.get("_link") else ""
    if data.get("_ack"):  # a signed single-use link (core.notify.links) the text offers
        data = {**data, "ack_url": settings.base_url + data["_ack"]}
    texts = shape(render(n.event, data, language, name, link=link), channel.text_format)
    return Message(id=row.id, idempotency_key=row.idempotency_key, channel=row.channel, address=row.address,
                   recipient_user_id=row.user_id, recipient_name=name, event=n.event, language=language,
                   school_id=n.school_id, link=link, attempt=row.attempts, created_at=n.created_at,
                   data={k: v for k, v in data.items() if not k.startswith("_")}, **texts)


def _record(row: Delivery, token: str, result: DeliveryResult) -> str:
    cfg = _cfg()
    now = utcnow()
    if result.status == DELIVERED:
        _finish(row, token, status=SENT, sent_at=now, last_error="", provider_id=(result.provider_id or "")[:200])
        return SENT
    if result.status == PERMANENT or row.attempts >= cfg["max_attempts"]:
        why = result.detail if result.status == PERMANENT else f"gave up after {row.attempts} tries: {result.detail}"
        _finish(row, token, status=FAILED, last_error=why[:500])
        return FAILED
    wait = min(cfg["retry_seconds"] * 2 ** max(row.attempts - 1, 0), MAX_BACKOFF)
    wait = max(wait, result.retry_after or 0)
    _finish(row, token, status=QUEUED, due_at=now + dt.timedelta(seconds=wait), last_error=result.detail[:500])
    return QUEUED


def deliver_due(limit: int | None = None, rounds: int = 1000) -> dict:
    """Fan out and deliver everything due now; returns counts by outcome."""
    stats = {SENT: 0, FAILED: 0, QUEUED: 0, CANCELLED: 0}
    fan_out()
    for _ in range(rounds):
        token = uuid.uuid4().hex
        rows = claim(limit or _cfg()["batch_size"], token)
        if not rows:
            break
        _deliver_rows(rows, token, stats)
    return stats


def _deliver_rows(rows: list[Delivery], token: str, stats: dict) -> None:
    ext = current_app.extensions["zhurnal"]
    from ..identity.models import User
    notes = {n.id: n for n in Notification.select().where(Notification.id.in_({r.notification_id for r in rows}))}
    users = {u.id: u for u in User.select().where(User.id.in_({r.user_id for r in rows if r.user_id}))}
    by_channel: dict[str, list] = {}
    digests: dict[tuple[int, str], list] = {}
    parsed: dict[int, tuple[dict, dict]] = {}   # notification id -> (data, current audience)
    for row in rows:
        n = notes[row.notification_id]
        if n.id not in parsed:
            d = json.loads(n.data or "{}")
            parsed[n.id] = (d, links_of(n, d))
        data, links = parsed[n.id]
        chans = channels_for(ext.school_by_id(n.school_id))
        channel = chans.get(row.channel)
        if channel is None:
            _finish(row, token, status=CANCELLED, last_error="channel switched off")
            stats[CANCELLED] += 1
            continue
        user = users.get(row.user_id)
        why = _still_allowed(row, n, data, user, links)
        if why:
            _finish(row, token, status=CANCELLED, last_error=why)
            stats[CANCELLED] += 1
            continue
        message = _message(row, n, data, channel, user)
        if row.digest:
            digests.setdefault((row.user_id, row.channel), []).append((row, message, channel))
        else:
            by_channel.setdefault(row.channel, []).append(([row], message, channel))
    for (_uid, code), parts in digests.items():
        by_channel.setdefault(code, []).append(([r for r, _m, _c in parts], _digest(parts), parts[0][2]))
    lease = _Lease(token)
    for code, items in by_channel.items():
        channel = items[0][2]
        try:
            for i in range(0, len(items), max(channel.batch_size, 1)):
                chunk = items[i:i + channel.batch_size]
                for (group, _m, _c), result in zip(chunk, _send_batch(channel, [m for _r, m, _c in chunk])):
                    for row in group:
                        stats[_record(row, token, result)] += 1
                    lease.keep()
        finally:
            try:
                channel.close()
            except Exception:
                log.exception("channel %s: close failed", code)


class _Lease:
    """Keeps a live worker's claim: while it works through a slow batch, the rows it has not sent
    yet get their lease extended (every quarter lease), so no other worker takes them over."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.seconds = _cfg()["lease_seconds"]
        self.renewed = utcnow()

    def keep(self) -> None:
        now = utcnow()
        if (now - self.renewed).total_seconds() < self.seconds / 4:
            return
        self.renewed = now
        with database.atomic():
            Delivery.update(lease_until=now + dt.timedelta(seconds=self.seconds)).where(
                (Delivery.leased_by == self.token) & (Delivery.status == SENDING)).execute()


def _digest(parts: list) -> Message:
    """One message gathering a user's digest deliveries for one channel (keyed by its first row)."""
    from flask_babel import force_locale, gettext as _
    first = parts[0][1]
    with force_locale(first.language):
        subject = _("Daily digest: %(n)d notifications", n=len(parts)) if len(parts) > 1 else first.subject
    text = "\n\n".join(f"* {m.subject}\n{m.text}" for _r, m, _c in parts)
    html = "".join(f"<h2>{escape(m.subject)}</h2><pre style=\"white-space:pre-wrap\">{escape(m.text)}</pre>"
                   for _r, m, _c in parts)
    short = "; ".join(m.short_text for _r, m, _c in parts)
    ids = sorted(r.id for r, _m, _c in parts)
    texts = shape({"subject": subject, "text": text, "html": f"<!DOCTYPE html><html><body>{html}</body></html>",
                   "short_text": short}, parts[0][2].text_format)
    return Message(id=ids[0], idempotency_key=f"digest:{first.channel}:{first.recipient_user_id}:{ids[0]}:{len(ids)}",
                   channel=first.channel, address=first.address, recipient_user_id=first.recipient_user_id,
                   recipient_name=first.recipient_name, event="digest", language=first.language, school_id=first.school_id,
                   attempt=max(r.attempts for r, _m, _c in parts), data={"deliveries": ids}, **texts)


def _send_batch(channel, messages: list[Message]):
    """Yield one result per message as the channel delivers them (so each is recorded at once)."""
    try:
        gen = channel.send_batch(messages)
        for result in gen:
            yield result if isinstance(result, DeliveryResult) else DeliveryResult.temporary(f"bad result {result!r}")
    except Exception as e:  # a channel must not raise; if it does, the rest waits for a retry
        log.exception("channel %s raised", channel.code)
        yield from (DeliveryResult.temporary(f"channel error: {e}") for _ in messages)


def retry(ids: list[int] | None = None, school_id: int | None = None, *, by=None) -> int:
    """Queue failed deliveries again (all failed ones, or those ``ids``); returns how many.
    Audited as ``core.notify.retry`` (``by``: who asked; None: the command line)."""
    from .. import audit
    cond = Delivery.status == FAILED
    if ids:
        cond &= Delivery.id.in_(ids)
    if school_id is not None:
        cond &= Delivery.notification.in_(Notification.select(Notification.id)
                                          .where(Notification.school == school_id))
    with database.atomic():
        chosen = [i for (i,) in Delivery.select(Delivery.id).where(cond).tuples()]
        if not chosen:
            return 0
        n = Delivery.update(status=QUEUED, attempts=0, due_at=utcnow(), last_error="",
                            updated_at=utcnow()).where(Delivery.id.in_(chosen)).execute()
        audit.record("core.notify.retry", object_type="core_notify_delivery", user=by, school_id=school_id,
                     data={"deliveries": chosen[:1000], "count": n})
    return n


def next_due() -> dt.datetime | None:
    """When the next queued or leased row becomes due (to schedule the next pass)."""
    q = Delivery.select(Delivery.due_at).where(Delivery.status == QUEUED).order_by(Delivery.due_at).limit(1)
    lease = Delivery.select(Delivery.lease_until).where(Delivery.status == SENDING) \
        .order_by(Delivery.lease_until).limit(1)
    times = [t for (t,) in list(q.tuples()) + list(lease.tuples()) if t is not None]
    return min(times) if times else None


@task()
def deliver_job() -> dict:
    """Deliver what is due; schedule the next pass for rows due within the next minute."""
    stats = deliver_due()
    nxt = next_due()
    if nxt is not None and nxt - utcnow() < dt.timedelta(seconds=60):
        try:
            deliver_job.schedule(eta=max(nxt, utcnow()) + dt.timedelta(milliseconds=200))
        except Exception as e:
            log.warning("could not schedule the next delivery pass: %s", e)
    return stats


@task(periodic=_crontab(minute="*"))
def deliver_sweep_job() -> dict:
    """Every minute: deliver what is due (retries, digests, the absence hour, missed wake-ups)."""
    return deliver_job.call_local()
