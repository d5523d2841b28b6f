"""The kernel's own background jobs (declared with :func:`zhurnal.core.queue.task`).

* nightly: the audit chain checked (:func:`audit_verify_job`), a backup (:func:`backup_job`),
  the planner's statistics, forgotten login failures and Idempotency-Keys;
* when credentials are reported compromised: :func:`notify_compromise_job` tells the head of
  school and support (in-app, through the notification outbox and ``zhurnal_security_alert``),
  and :func:`notify_pending_compromises_job` queues it again for a report not told yet.

They were declared in :mod:`zhurnal.core.queue` before, and the queue still knows them by that
module (``stored_as``): jobs waiting when a new version starts find their function, and
``zhurnal.core.queue.<name>`` still answers these names.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from .queue import _crontab, task

log = logging.getLogger("zhurnal.queue")

#: the module the queue knows these jobs by
STORED_AS = "core.queue"


def on_credentials_compromised(sender, report_id, **kwargs):
    try:
        notify_compromise_job(report_id)
    except Exception:  # the report is recorded; the periodic sweep retries the notice
        log.exception("could not enqueue the notice of compromise report %s", report_id)


@task(periodic=_crontab(minute="30", hour="2"), system=True, stored_as=STORED_AS)
def audit_verify_job() -> dict:
    """Walk the audit chain and record the outcome as ``core.audit.verified`` (nightly and on demand)."""
    from . import audit, audit_check
    from .db import database
    problems = audit_check.verify()
    n = audit.AuditEntry.select().count()
    result = {"ok": not problems, "entries": n, "problems": [str(p) for p in problems[:50]],
              "problem_count": len(problems)}
    with database.atomic():
        audit.record("core.audit.verified", object_type="core_audit", data=result, ip="job")
    if problems:
        log.error("audit log: %d problem(s), first: %s", len(problems), problems[0])
    return result


@task(periodic=_crontab(minute="40", hour="1"), stored_as=STORED_AS)
def backup_job() -> str | None:
    """Nightly backup into ``backup_dir``, then drop backups older than ``backup_keep_days``."""
    from . import backup
    settings = current_app.extensions["zhurnal"].settings
    if not settings.backup_keep_days:
        return None
    info = backup.make_backup(settings, settings.backup_dir)
    backup.prune(settings.backup_dir, settings.backup_keep_days)
    log.info("backup written: %s (%d bytes)", info.path, info.size)
    return str(info.path)


@task(periodic=_crontab(minute="20", hour="3"), stored_as=STORED_AS)
def forget_login_failures_job() -> int:
    """Drop the failure counters of unknown logins quiet for a day (nightly)."""
    from .identity.service import forget_login_failures
    return forget_login_failures()


@task(periodic=_crontab(minute="50", hour="3"), stored_as=STORED_AS)
def forget_idempotency_keys_job() -> int:
    """Drop the stored answers of expired Idempotency-Keys (nightly)."""
    from .idempotency import forget_expired
    return forget_expired()


@task(periodic=_crontab(minute="10", hour="3"), stored_as=STORED_AS)
def refresh_statistics_job() -> None:
    """Refresh the query planner's statistics (nightly): tables grow all year."""
    from .db import refresh_statistics
    refresh_statistics()


@dataclass
class SecurityAlert:
    """What :func:`zhurnal.core.hookspecs.zhurnal_security_alert` receives.

    :ivar kind: what happened (``"credentials_compromised"``)
    :ivar key: idempotency key: deliver each key at most once per recipient
    :ivar school_id: the school of the affected account (None: deployment staff)
    :ivar account: the affected :class:`~zhurnal.core.identity.models.User`
    :ivar at: when it was reported (UTC)
    :ivar recipients: the users to tell (head of school, support)
    :ivar data: details (``report_id``, ``note``, ``ip``)
    """
    kind: str
    key: str
    school_id: int | None
    account: Any
    at: dt.datetime
    recipients: list = field(default_factory=list)
    data: dict = field(default_factory=dict)


def compromise_recipients(school_id: int | None) -> list:
    """Who is told about compromised credentials: the school's director(s) and tech support."""
    from .identity.models import RoleAssignment, User
    cond = RoleAssignment.role == "support"
    if school_id is not None:
        cond = cond | ((RoleAssignment.role == "director") & (RoleAssignment.school == school_id))
    return list(User.select().join(RoleAssignment, on=(RoleAssignment.user == User.id))
                .where(cond & (User.is_active == True)).distinct().order_by(User.login))  # noqa: E712


@task(retries=5, retry_delay=60, system=True, stored_as=STORED_AS)
def notify_compromise_job(report_id: int) -> list[str] | None:
    """Tell the head of school and support that an account's credentials are compromised.

    In-app: the report counts as told (``notified_at``) and shows on their incidents
    page and dashboard; channel plugins (email, SMS...) get it through
    ``zhurnal_security_alert`` in the same transaction. Idempotent: a report already
    told is skipped. Returns the logins told.
    """
    from . import audit
    from .db import database, utcnow
    from .identity.models import CompromiseReport, User
    report = CompromiseReport.get_or_none(CompromiseReport.id == report_id)
    if report is None or report.notified_at is not None:
        return None
    account = User.get_by_id(report.user_id)
    recipients = compromise_recipients(account.school_id)
    ext = current_app.extensions["zhurnal"]
    school = ext.school_by_id(account.school_id)
    alert = SecurityAlert(kind="credentials_compromised", key=f"core.compromise.{report.id}",
                          school_id=account.school_id, account=account, at=report.reported_at,
                          recipients=recipients, data={"report_id": report.id, "note": report.note, "ip": report.ip})
    with database.atomic():
        claimed = CompromiseReport.update(notified_at=utcnow()).where(
            (CompromiseReport.id == report.id) & CompromiseReport.notified_at.is_null()).execute()
        if not claimed:  # another worker got there first
            return None
        # the notification outbox delivers it through every channel (no consent: not a student's data)
        from .notify import channels_for
        from .notify.outbox import notify
        notify("security_alert", key=alert.key, school_id=account.school_id, recipients=[u.id for u in recipients],
               data={"account": account.login, "at": report.reported_at.strftime("%Y-%m-%d %H:%M UTC"),
                     "note": report.note or "", "_link": "/admin/incidents"})
        outbox = ["outbox"] if channels_for(school) else []
        channels = ext.plugins.hook_for(school).zhurnal_security_alert(alert=alert) + outbox
        told = [u.login for u in recipients]
        audit.record("core.compromise.notified", report, school_id=account.school_id, ip="job",
                     data={"account": account.login, "recipients": told,
                           "channels": ["in-app"] + sorted(set(channels))})
    return told


@task(periodic=_crontab(minute="*/10"), stored_as=STORED_AS)
def notify_pending_compromises_job() -> int:
    """Queue the notice again for reports not told yet (an enqueue failed or a worker died)."""
    from .db import utcnow
    from .identity.models import CompromiseReport
    stale = utcnow() - dt.timedelta(minutes=5)
    ids = [r for (r,) in CompromiseReport.select(CompromiseReport.id).where(
        CompromiseReport.notified_at.is_null() & (CompromiseReport.reported_at < stale)).tuples()]
    for rid in ids:
        notify_compromise_job(rid)
    return len(ids)
