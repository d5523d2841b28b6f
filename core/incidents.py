"""Incidents: reports of compromised credentials, from the report to its resolution.

Reporting (:func:`zhurnal.core.identity.service.report_compromised`) stops the account, ends its
sessions and tokens, voids what was done with it since and queues the notice to the head of
school and support. This module adds the rest of the procedure:

* the **deadline**: the end of the first working day after the day of the report, in the
  schools' time zone; weekends and the school's holidays (asked through the
  ``zhurnal_school_holidays`` hook) are not working days. Fixed when reported;
* who was **notified** and when (the ``core.compromise.notified`` entries of the audit);
* an **overdue** incident (deadline passed, not resolved) is flagged to the school's directors
  once, by a periodic job, in-app and through ``zhurnal_security_alert``;
* the admin marks a **suspect window** before the report: every write the account made from
  then on is listed with its audit entry, voided, and can be **reverted** in one audited action
  — each revert is a new change made through the owning plugin's service
  (``zhurnal_revert_write``), nothing is deleted.
"""
from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from flask import current_app

from . import audit
from .db import database, utcnow
from .i18n import N_
from .identity.models import CompromiseReport, User
from .jobs import SecurityAlert
from .queue import _crontab, task

log = logging.getLogger("zhurnal.incidents")

#: audit actions that are not writes of the account (its own sign-ins, reads, the report itself)
_NOT_WRITES = ("core.login", "core.session", "core.credentials", "core.audit", "core.event.", "core.token.revoke")


class Refused(Exception):
    """The incident cannot do this now (message is an English msgid)."""


# --- deadline ------------------------------------------------------------------------------------

def _hooks_for(school_id):
    ext = current_app.extensions["zhurnal"]
    return ext.plugins.hook_for(ext.school_by_id(school_id))


def days_off(school_id, date_from: dt.date, date_to: dt.date) -> set[dt.date]:
    """Weekends and the school's holidays between two dates (inclusive)."""
    off = {date_from + dt.timedelta(days=i) for i in range((date_to - date_from).days + 1)
           if (date_from + dt.timedelta(days=i)).weekday() >= 5}
    if school_id is not None:
        for answer in _hooks_for(school_id).zhurnal_school_holidays(school_id=school_id, date_from=date_from,
                                                                     date_to=date_to):
            off.update(answer or ())
    return off


def deadline_for(reported_at: dt.datetime, school_id) -> dt.datetime:
    """The end of the first working day after the day of ``reported_at`` (naive UTC in, naive UTC out)."""
    tz = ZoneInfo(current_app.extensions["zhurnal"].settings.timezone)
    local = reported_at.replace(tzinfo=dt.timezone.utc).astimezone(tz)
    start = local.date() + dt.timedelta(days=1)
    off = days_off(school_id, start, start + dt.timedelta(days=60))
    day = start
    while day in off and day < start + dt.timedelta(days=60):
        day += dt.timedelta(days=1)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return end.astimezone(dt.timezone.utc).replace(tzinfo=None)


# --- reading ---------------------------------------------------------------------------------------

def visible(user):
    """The incidents ``user`` may see (``core.incidents.read`` within their schools), newest first."""
    from . import access
    v = access.visible(user, "core.incidents.read")
    q = (CompromiseReport.select(CompromiseReport, User).join(User, on=(CompromiseReport.user == User.id))
         .order_by(CompromiseReport.reported_at.desc(), CompromiseReport.id.desc()))
    if not v.everything:
        q = q.where(User.school.in_(list(v.schools) or [-1]))
    return q


def state(report: CompromiseReport, now: dt.datetime | None = None) -> str:
    if report.resolved_at is not None:
        return "resolved"
    if report.deadline_at is not None and (now or utcnow()) > report.deadline_at:
        return "overdue"
    return "open"


def notifications(report_ids) -> dict[int, list[dict]]:
    """Who was told about each report and when: {report id: [{at, recipients, channels}, ...]}."""
    out: dict[int, list[dict]] = {}
    ids = [str(i) for i in report_ids]
    if not ids:
        return out
    q = (audit.AuditEntry.select().where((audit.AuditEntry.object_type == "core_compromise_report")
                                         & audit.AuditEntry.object_id.in_(ids)
                                         & audit.AuditEntry.action.in_(["core.compromise.notified",
                                                                        "core.incident.overdue"]))
         .order_by(audit.AuditEntry.id))
    for e in q:
        d = e.payload
        out.setdefault(int(e.object_id), []).append({
            "at": e.at, "kind": "overdue" if e.action == "core.incident.overdue" else "reported",
            "recipients": d.get("recipients", []), "channels": d.get("channels", [])})
    return out


def writes(report: CompromiseReport) -> list[audit.AuditEntry]:
    """Every write of the account in the suspect window (from ``compromised_since`` to the report), oldest first."""
    since = report.compromised_since or report.reported_at
    q = (audit.AuditEntry.select().where((audit.AuditEntry.user_id == report.user_id)
                                         & (audit.AuditEntry.at >= since)
                                         & (audit.AuditEntry.at <= report.reported_at))
         .order_by(audit.AuditEntry.id))
    return [e for e in q if not e.action.endswith(".read") and not e.action.startswith(_NOT_WRITES)]


# --- acting ------------------------------------------------------------------------------------------

def set_window(report: CompromiseReport, since: dt.datetime, *, by: User) -> int:
    """Mark the suspect window: from ``since`` (before the report) the account's entries are void."""
    if since > report.reported_at:
        raise Refused(N_("The suspect window must start before the report."))
    if report.reverted_at is not None:
        raise Refused(N_("The writes of this incident were already reverted."))
    with database.atomic():
        CompromiseReport.update(compromised_since=since).where(CompromiseReport.id == report.id).execute()
        voided = audit.invalidate_after(report.user_id, since, report.id)
        audit.record("core.incident.window", report, user=by, school_id=report.user.school_id,
                     data={"since": since.isoformat(), "voided_entries": voided})
    report.compromised_since = since
    return voided


def revert(report: CompromiseReport, *, by: User) -> list[dict]:
    """Undo every write of the suspect window, newest first, each through its plugin; one audited action."""
    if report.reverted_at is not None:
        raise Refused(N_("The writes of this incident were already reverted."))
    claimed = CompromiseReport.update(reverted_at=utcnow()).where(
        (CompromiseReport.id == report.id) & CompromiseReport.reverted_at.is_null()).execute()
    if not claimed:
        raise Refused(N_("The writes of this incident were already reverted."))
    hooks = _hooks_for(report.user.school_id)
    results = []
    for entry in reversed(writes(report)):
        try:
            answer = hooks.zhurnal_revert_write(entry=entry, by=by)
        except Exception as e:  # noqa: BLE001 - one failed revert must not hide the others
            log.exception("reverting audit entry %s failed", entry.id)
            answer = {"status": "failed", "note": type(e).__name__}
        answer = answer or {"status": "not_revertable", "note": "no plugin reverts this action"}
        results.append({"entry_id": entry.id, "action": entry.action, "object_type": entry.object_type,
                        "object_id": entry.object_id, **answer})
    with database.atomic():
        audit.record("core.incident.revert", report, user=by, school_id=report.user.school_id,
                     data={"account": report.user.login, "results": results})
    report.reverted_at = utcnow()
    return results


def resolve(report: CompromiseReport, *, by: User, note: str = "") -> None:
    if report.resolved_at is not None:
        raise Refused(N_("The incident is already resolved."))
    with database.atomic():
        CompromiseReport.update(resolved_at=utcnow()).where(CompromiseReport.id == report.id).execute()
        audit.record("core.incident.resolve", report, user=by, school_id=report.user.school_id,
                     data={"note": note[:500]})
    report.resolved_at = utcnow()


@task(periodic=_crontab(minute="*/10"))
def flag_overdue_incidents_job() -> list[int]:
    """Tell the school's directors (in-app and through the channels) about incidents past their deadline."""
    from .jobs import compromise_recipients
    now = utcnow()
    due = list(CompromiseReport.select(CompromiseReport, User).join(User, on=(CompromiseReport.user == User.id))
               .where(CompromiseReport.resolved_at.is_null() & CompromiseReport.overdue_flagged_at.is_null()
                      & (CompromiseReport.deadline_at < now)))
    flagged = []
    for report in due:
        school_id = report.user.school_id
        directors = [u for u in compromise_recipients(school_id) if _is_director(u, school_id)]
        alert = SecurityAlert(kind="incident_overdue", key=f"core.incident.overdue.{report.id}", school_id=school_id,
                              account=report.user, at=report.reported_at, recipients=directors,
                              data={"report_id": report.id, "deadline": report.deadline_at.isoformat()})
        with database.atomic():
            claimed = CompromiseReport.update(overdue_flagged_at=now).where(
                (CompromiseReport.id == report.id) & CompromiseReport.overdue_flagged_at.is_null()).execute()
            if not claimed:
                continue
            channels = [c for c in _hooks_for(school_id).zhurnal_security_alert(alert=alert) if c]
            audit.record("core.incident.overdue", report, school_id=school_id, ip="job",
                         data={"account": report.user.login, "recipients": [u.login for u in directors],
                               "channels": ["in-app"] + sorted(set(channels)),
                               "deadline": report.deadline_at.isoformat()})
        flagged.append(report.id)
    return flagged


def _is_director(user: User, school_id) -> bool:
    from .identity.models import RoleAssignment
    return RoleAssignment.select().where((RoleAssignment.user == user.id) & (RoleAssignment.role == "director")
                                         & (RoleAssignment.school == school_id)).exists()


@task(periodic=_crontab(minute="40", hour="2"), system=True)
def audit_digest_job() -> dict:
    """Send the signed digest of the audit chain's head (:func:`zhurnal.core.audit_check.digest`) to support and
    every school's directors, daily, through the channels that take security notices (kind
    ``audit_digest``): kept outside the database, in their mailboxes, it pins the chain up to that
    day (``zhurnal audit verify --anchor``). Also recorded in the audit itself."""
    from .audit_check import digest
    from .identity.models import RoleAssignment
    d = digest()
    recipients = list(User.select().join(RoleAssignment, on=(RoleAssignment.user == User.id))
                      .where(RoleAssignment.role.in_(["support", "director"]) & (User.is_active == True))  # noqa: E712
                      .distinct().order_by(User.login))
    alert = SecurityAlert(kind="audit_digest", key=f"core.audit.digest.{d['entry_id']}.{d['at'][:10]}",
                          school_id=None, account=None, at=utcnow(), recipients=recipients, data=dict(d))
    channels = [c for c in current_app.extensions["zhurnal"].plugins.hook.zhurnal_security_alert(alert=alert) if c]
    with database.atomic():
        audit.record("core.audit.digest", object_type="core_audit", ip="job",
                     data={**d, "recipients": [u.login for u in recipients], "channels": sorted(set(channels))})
    return d
