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

The kernel's own jobs are :mod:`zhurnal.core.jobs` (the nightly audit check, backup and
clean-ups; the notice of compromised credentials to the head of school and support).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
from pathlib import Path
from typing import Callable
from urllib.parse import urlparse

from flask import current_app, g, has_app_context

from .compat import forward

log = logging.getLogger("zhurnal.queue")

#: every job declared with :func:`task`, by its registry key (module.function)
_JOBS: dict[str, "Job"] = {}

EXT_KEY = "zhurnal.queue"


class Job:
    """A function that may run in the background worker (made by :func:`task`)."""

    def __init__(self, fn: Callable, retries: int, retry_delay: int, periodic=None, system: bool = False,
                 stored_as: str | None = None) -> None:
        self.fn = fn
        #: acts for nobody: runs even when the account whose request queued it is stopped since
        self.system = system
        self.name = fn.__name__
        # what the queue stores is "<module>.<function>": the module is named as before the packages moved
        # under zhurnal ("core.queue.<function>"), so jobs queued by an earlier version still find their function;
        # a job moved to another module keeps the name it was stored under (``stored_as``)
        self.module = stored_as or fn.__module__.removeprefix("zhurnal.")
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


def task(retries: int = 0, retry_delay: int = 0, periodic=None, system: bool = False,
         stored_as: str | None = None) -> Callable[[Callable], Job]:
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
    :param stored_as: the module the queue knows the job by, for a job moved from that module
        (jobs waiting in a queue when the new version starts still find their function)
    """
    def deco(fn: Callable) -> Job:
        job = Job(fn, retries, retry_delay, periodic, system, stored_as)
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
    """Declare the kernel's jobs and connect the receivers that enqueue them (called by
    :func:`zhurnal.core.app.create_app`)."""
    from . import jobs as kernel_jobs, signals
    signals.connect(signals.credentials_compromised, kernel_jobs.on_credentials_compromised, app=app, owner="core")


# --- schedules, and the names that moved ---------------------------------------------------------

def _crontab(**kw):
    from huey import crontab
    return crontab(**kw)


#: the kernel's jobs and what they use are declared in :mod:`zhurnal.core.jobs`; still read from here
__getattr__ = forward(__name__, {"audit_verify_job", "backup_job", "forget_login_failures_job",
                                 "forget_idempotency_keys_job", "refresh_statistics_job", "SecurityAlert",
                                 "compromise_recipients", "notify_compromise_job", "notify_pending_compromises_job"},
                      "zhurnal.core.jobs")
