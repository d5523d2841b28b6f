"""Background jobs: one huey queue per application, chosen by ``queue_url``.

* unset — :class:`huey.SqliteHuey` in a file beside the SQLite database
  (``zhurnal.db`` -> ``zhurnal-queue.db``); a PostgreSQL deployment must name a
  queue (see :mod:`zhurnal.core.config`);
* ``sqlite:///path`` — SqliteHuey in that file;
* ``redis://host:port/db`` — :class:`huey.RedisHuey` (several web hosts and workers);
* ``memory`` — jobs run at once, in the process that enqueues them (tests).

Plugins declare jobs with :func:`task` at module level and enqueue them by
calling them; ``zhurnal worker`` runs the consumer::

    from zhurnal.core.queue import task

    @task(retries=3, retry_delay=60)
    def deliver(outbox_id: int):
        ...

    deliver(42)              # enqueue on the current application's queue
    deliver.call_local(42)   # run here and now

A job runs inside the application context of the app that owns the queue,
as the system (no logged-in user), so :func:`zhurnal.core.audit.record` attributes its
entries to nobody. Arguments must be picklable: pass ids, not model instances.
Delivery is at least once: a job may run twice, so it must be idempotent.

The kernel's own jobs are at the end of this module: :func:`audit_verify_job`
and :func:`notify_compromise_job` (queued when credentials are reported
compromised; it tells the head of school and support).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlparse

from flask import current_app, g, has_app_context

log = logging.getLogger("zhurnal.queue")

#: every job declared with :func:`task`, by its registry key (module.function)
_JOBS: dict[str, "Job"] = {}

EXT_KEY = "zhurnal.queue"


class Job:
    """A function that may run in the background worker (made by :func:`task`)."""

    def __init__(self, fn: Callable, retries: int, retry_delay: int, periodic=None, system: bool = False) -> None:
        self.fn = fn
        #: acts for nobody: runs even when the account whose request queued it is stopped since
        self.system = system
        self.name = fn.__name__
        # what the queue stores is "<module>.<function>": the module is named as before the packages moved
        # under zhurnal ("core.queue.<function>"), so jobs queued by an earlier version still find their function
        self.module = fn.__module__.removeprefix("zhurnal.")
        self.retries = retries
        self.retry_delay = retry_delay
        #: a huey ``crontab(...)`` test: the worker also runs the job on this schedule
        self.periodic = periodic
        self.__doc__ = fn.__doc__
        self.__name__ = fn.__name__
        self.__wrapped__ = fn

    @property
    def key(self) -> str:
        return f"{self.module}.{self.name}"

    def _wrapper(self, app=None):
        app = app or current_app._get_current_object()
        return get_queue(app)._zh_wrappers[self.key]

    def __call__(self, *args, **kwargs):
        """Enqueue on the current application's queue; returns huey's ``Result``."""
        return self._wrapper()(*args, **(kwargs if self.system else _with_actor(kwargs)))

    def schedule(self, args=(), kwargs=None, *, delay: float | None = None, eta: dt.datetime | None = None):
        """Enqueue to run after ``delay`` seconds or at ``eta`` (UTC)."""
        return self._wrapper().schedule(args=tuple(args), kwargs=(kwargs or {}) if self.system else _with_actor(kwargs or {}),
                                        delay=delay, eta=eta)

    def call_local(self, *args, **kwargs):
        """Run now, in this process and context (no queue)."""
        return self.fn(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<Job {self.key}>"


def task(retries: int = 0, retry_delay: int = 0, periodic=None, system: bool = False) -> Callable[[Callable], Job]:
    """Declare a background job (use at module level).

    A job queued during a logged-in user's request remembers the account; when it runs and
    the account has been stopped since (locked, credentials reported compromised), it does
    not run (``core.job.refused`` in the audit).

    :param retries: how often a failed run is tried again
    :param retry_delay: seconds between tries
    :param periodic: a ``huey.crontab(...)``; the worker then also runs the job on
        that schedule (UTC) with no arguments
    :param system: the job acts for nobody (e.g. telling support about a compromised account):
        it runs whoever's request queued it
    """
    def deco(fn: Callable) -> Job:
        job = Job(fn, retries, retry_delay, periodic, system)
        _JOBS[job.key] = job
        return job
    return deco


def jobs() -> dict[str, Job]:
    return dict(_JOBS)


# --- the queue of an application ---------------------------------------------------------------

def storage_for(settings) -> tuple[str, str | None]:
    """(kind, location) of the queue the settings ask for: ``memory``, ``sqlite`` or ``redis``."""
    url = settings.queue_url
    if url == "memory":
        return "memory", None
    if url and url.startswith(("redis://", "rediss://", "unix://")):
        return "redis", url
    if url and url.startswith("sqlite:///"):
        return "sqlite", url[len("sqlite:///"):]
    db_url = settings.database_url
    # no queue named: a file beside the SQLite database (config refuses this for PostgreSQL)
    db_path = Path(db_url[len("sqlite:///"):] or "zhurnal.db") if db_url.startswith("sqlite:///") else Path("zhurnal.db")
    return "sqlite", str(db_path.with_name(db_path.stem + "-queue.db"))


def queue_name(settings) -> str:
    """The queue's name in Redis: one per deployment (its database), so that deployments
    sharing a Redis database never run each other's jobs."""
    db_name = urlparse(settings.database_url).path.rsplit("/", 1)[-1]
    return "zhurnal_" + re.sub(r"[^A-Za-z0-9_]", "_", db_name) if db_name else "zhurnal"


def _make_huey(settings):
    import huey
    kind, where = storage_for(settings)
    if kind == "memory":
        return huey.MemoryHuey("zhurnal", immediate=True)
    if kind == "redis":
        return huey.RedisHuey(queue_name(settings), url=where)
    Path(where).parent.mkdir(parents=True, exist_ok=True)
    return huey.SqliteHuey("zhurnal", filename=where)


def get_queue(app):
    """The huey instance of ``app`` (built on first use, with every declared job registered)."""
    q = app.extensions.get(EXT_KEY)
    if q is None:
        q = _make_huey(app.extensions["zhurnal"].settings)
        q._zh_wrappers = {}
        _register_all(app, q)
        app.extensions[EXT_KEY] = q
    elif len(q._zh_wrappers) != len(_JOBS):  # jobs declared after the queue was built
        _register_all(app, q)
    return q


def _register_all(app, q) -> None:
    for key, job in list(_JOBS.items()):
        if key in q._zh_wrappers:
            continue
        run = _bound(app, job)
        q._zh_wrappers[key] = q.task(retries=job.retries, retry_delay=job.retry_delay, name=job.name)(run)
        if job.periodic is not None:
            # a separate periodic task: huey keeps no results of periodic tasks, on-demand runs keep theirs
            tick = _bound(app, job)
            tick.__name__ = job.name + "__periodic"
            q.periodic_task(job.periodic, retries=job.retries, retry_delay=job.retry_delay,
                            name=tick.__name__)(tick)


#: the keyword a job queued during a logged-in request carries: the account it acts for
ACTOR_KW = "_zh_actor"


def _with_actor(kwargs: dict) -> dict:
    """A job queued by a logged-in user's request remembers the account (re-checked when it runs)."""
    from flask import has_request_context
    user = g.get("user") if has_request_context() else None
    return {**kwargs, ACTOR_KW: user.id} if user is not None else kwargs


def _account_still_usable(user_id: int) -> bool:
    from .identity.models import User
    row = User.select(User.is_active).where(User.id == user_id).first()
    return row is None or row.is_active  # accounts are stopped, not deleted


def _bound(app, job: Job) -> Callable:
    """``job`` running inside ``app``'s context, as the system. A job queued for an account that
    has been stopped since (locked, credentials reported compromised) does not run."""
    def run(*args, **kwargs):
        import time
        from .ops import log_job
        actor = kwargs.pop(ACTOR_KW, None)
        started, outcome = time.perf_counter(), "failed"
        try:
            with job_context(app):
                if actor is not None and not _account_still_usable(actor):
                    from . import audit
                    from .db import database
                    with database.atomic():
                        audit.record("core.job.refused", object_type="job", object_id=job.key[:64], ip="job",
                                     data={"account_id": actor, "reason": "account stopped"})
                    log.warning("job %s not run: account %s is stopped", job.key, actor)
                    outcome = "refused"
                    return None
                result = job.fn(*args, **kwargs)
            outcome = "done"
            return result
        finally:
            log_job(job.name, time.perf_counter() - started, outcome)
    run.__module__, run.__name__, run.__doc__ = job.module, job.name, job.__doc__
    return run


@contextlib.contextmanager
def job_context(app):
    """Where a job runs: a fresh app context in the worker; in immediate mode the
    caller's context, but with nobody logged in (a job acts for the system)."""
    if has_app_context() and current_app._get_current_object() is app:
        had, saved = "user" in g, g.get("user")
        g.user = None
        try:
            yield
        finally:
            if had:
                g.user = saved
            else:
                g.pop("user", None)
        return
    from . import db
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        yield


def install(app) -> None:
    """Connect the kernel's receivers that enqueue jobs (called by :func:`zhurnal.core.app.create_app`)."""
    from . import signals
    signals.connect(signals.credentials_compromised, _on_credentials_compromised, app=app, owner="core")


def _on_credentials_compromised(sender, report_id, **kwargs):
    try:
        notify_compromise_job(report_id)
    except Exception:  # the report is recorded; the periodic sweep retries the notice
        log.exception("could not enqueue the notice of compromise report %s", report_id)


# --- kernel jobs ---------------------------------------------------------------------------------------

def _crontab(**kw):
    from huey import crontab
    return crontab(**kw)


@task(periodic=_crontab(minute="30", hour="2"), system=True)
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


@task(periodic=_crontab(minute="40", hour="1"))
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


@task(periodic=_crontab(minute="20", hour="3"))
def forget_login_failures_job() -> int:
    """Drop the failure counters of unknown logins quiet for a day (nightly)."""
    from .identity.service import forget_login_failures
    return forget_login_failures()


@task(periodic=_crontab(minute="50", hour="3"))
def forget_idempotency_keys_job() -> int:
    """Drop the stored answers of expired Idempotency-Keys (nightly)."""
    from .idempotency import forget_expired
    return forget_expired()


@task(periodic=_crontab(minute="10", hour="3"))
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


@task(retries=5, retry_delay=60, system=True)
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


@task(periodic=_crontab(minute="*/10"))
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
