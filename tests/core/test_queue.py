"""Background jobs: the queue a deployment gets, jobs run as the system, the kernel's jobs, the worker."""
from __future__ import annotations

import datetime as dt
import signal
import subprocess
import time
import types

import huey
import pytest
from flask import g

from zhurnal.core import audit, queue
from zhurnal.core.config import load_settings
from zhurnal.core.db import utcnow
from zhurnal.core.hookspecs import hookimpl
from zhurnal.core.identity.models import CompromiseReport, User
from tests.conftest import base_settings, login
from tests.core.conftest import clean_env, run_zhurnal, stderr_lines, zhurnal_executable


@queue.task()
def add_and_record(a, b):
    """A test job: audits and returns who it ran as."""
    audit.record("test.job", object_type="t", object_id=str(a + b), ip="job")
    return {"sum": a + b, "user": getattr(g.get("user"), "login", None)}


@queue.task(retries=1)
def always_fails():
    raise RuntimeError("nope")


def _settings(**kw):
    return load_settings(base_settings(**kw), env={})


def test_storage_follows_queue_url(tmp_path):
    s = _settings(queue_url=None, database_url=f"sqlite:///{tmp_path}/school.db")
    assert queue.storage_for(s) == ("sqlite", str(tmp_path / "school-queue.db"))
    assert queue.storage_for(_settings(queue_url=f"sqlite:///{tmp_path}/q.db")) == ("sqlite", f"{tmp_path}/q.db")
    assert queue.storage_for(_settings(queue_url="redis://127.0.0.1:6379/5")) == ("redis", "redis://127.0.0.1:6379/5")
    assert queue.storage_for(_settings(queue_url="memory")) == ("memory", None)
    q = queue._make_huey(s)
    assert isinstance(q, huey.SqliteHuey) and q.storage.filename == str(tmp_path / "school-queue.db")
    r = queue._make_huey(_settings(queue_url="redis://127.0.0.1:6379/5",
                                   database_url="postgresql://u@db.local/school-17", secret_key="k" * 32))
    assert isinstance(r, huey.RedisHuey) and r.storage.queue_key == "huey.redis.zhurnal_school_17"
    m = queue._make_huey(_settings(queue_url="memory"))
    assert isinstance(m, huey.MemoryHuey) and m.immediate


def test_memory_queue_runs_at_once_as_the_system(make_app):
    app = make_app()
    q = queue.get_queue(app)
    assert q is queue.get_queue(app) and q.immediate
    with app.test_request_context():
        g.user = types.SimpleNamespace(login="someone", id=1)
        result = add_and_record(2, 3)
        assert g.user.login == "someone"  # the caller's user is back afterwards
    assert result.get() == {"sum": 5, "user": None}
    with app.app_context():
        e = audit.AuditEntry.get(audit.AuditEntry.action == "test.job")
        assert e.user_id is None and e.object_id == "5" and e.ip == "job"
    with app.app_context():  # call_local runs here and now, in the caller's context
        assert add_and_record.call_local(1, 1)["sum"] == 2


def test_failing_job_does_not_break_the_caller(make_app, caplog):
    app = make_app()
    with app.app_context():
        r = always_fails()
    with pytest.raises(huey.exceptions.TaskException):
        r.get()
    assert "nope" in caplog.text


def test_sqlite_queue_keeps_jobs_until_a_worker_runs_them(make_app, tmp_path):
    app = make_app(queue_url=f"sqlite:///{tmp_path}/jobs.db")
    q = queue.get_queue(app)
    assert isinstance(q, huey.SqliteHuey) and not q.immediate
    with app.app_context():
        add_and_record(20, 22)
    assert q.pending_count() == 1
    with app.app_context():
        assert audit.AuditEntry.select().where(audit.AuditEntry.action == "test.job").count() == 0
    task = q.dequeue()  # what the consumer does, here without one: runs in a fresh app context
    assert q.execute(task) == {"sum": 42, "user": None}
    with app.app_context():
        assert audit.AuditEntry.get(audit.AuditEntry.action == "test.job").object_id == "42"


def test_audit_verify_job_records_the_outcome(demo_app):
    with demo_app.app_context():
        result = queue.audit_verify_job.call_local()
        assert result["ok"] is True and result["entries"] > 50
        e = audit.AuditEntry.get(audit.AuditEntry.action == "core.audit.verified")
        assert e.payload["ok"] is True and e.user_id is None
        victim = audit.AuditEntry.select().order_by(audit.AuditEntry.id).offset(3).get().id
        audit.AuditEntry.delete().where(audit.AuditEntry.id == victim).execute()
        result = queue.audit_verify_job.call_local()
        assert result["ok"] is False and result["problem_count"] >= 1
        assert f"entries {victim}..{victim} are missing" in result["problems"][0]


def test_audit_verify_on_demand_through_the_api(demo_app):
    r = login(demo_app, "admin").post("/api/v1/audit/verify")
    assert r.status_code == 202
    body = r.get_json()
    assert body["status"] == "done" and body["result"]["ok"] is True and body["job_id"]
    for who in ("director", "teacher"):
        assert login(demo_app, who).post("/api/v1/audit/verify").status_code == 403


# --- telling the head of school and support about compromised credentials ---------------------------------

def _report(app, login_name, minutes_ago=0, told=False):
    with app.app_context():
        u = User.get(User.login == login_name)
        at = utcnow() - dt.timedelta(minutes=minutes_ago)
        return CompromiseReport.create(user=u, reported_at=at, reported_by=u, note="тест",
                                       notified_at=at if told else None).id


def test_notice_is_idempotent(demo_app):
    rid = _report(demo_app, "klass5a")
    with demo_app.app_context():
        assert queue.notify_compromise_job.call_local(rid) == ["director", "support"]
        assert queue.notify_compromise_job.call_local(rid) is None  # at-least-once delivery: second run is a no-op
        assert queue.notify_compromise_job.call_local(999999) is None
        assert audit.AuditEntry.select().where(audit.AuditEntry.action == "core.compromise.notified").count() == 1
        assert CompromiseReport.get_by_id(rid).notified_at is not None


def test_sweep_retells_reports_left_pending(demo_app):
    stale = _report(demo_app, "klass5a", minutes_ago=30)
    fresh = _report(demo_app, "teacher", minutes_ago=1)
    done = _report(demo_app, "nurse", minutes_ago=60, told=True)
    with demo_app.app_context():
        assert queue.notify_pending_compromises_job.call_local() == 1  # memory queue: told at once
        told = {r.id: r.notified_at for r in CompromiseReport.select()}
    assert told[stale] is not None and told[fresh] is None and told[done] is not None


def test_channel_plugins_get_the_alert_in_the_same_transaction(make_app):
    got = []
    channel = types.ModuleType("pager")
    channel.name, channel.title, channel.version, channel.depends = "pager", "Pager", "1", ()
    state = {"fail": True}

    @hookimpl
    def zhurnal_security_alert(alert):
        if state["fail"]:
            raise RuntimeError("outbox full")
        got.append(alert)
        return "pager"
    channel.zhurnal_security_alert = zhurnal_security_alert
    app = make_app(plugins=["pager"], extra_plugins=[channel])
    from zhurnal.core import demo
    with app.app_context():
        demo.seed(students_per_class=5)
    rid = _report(app, "nurse")
    with app.app_context():
        with pytest.raises(RuntimeError):
            queue.notify_compromise_job.call_local(rid)
        assert CompromiseReport.get_by_id(rid).notified_at is None  # rolled back: will be retried
        state["fail"] = False
        assert queue.notify_compromise_job.call_local(rid) == ["director", "support"]
    alert = got[0]
    assert alert.kind == "credentials_compromised" and alert.key == f"core.compromise.{rid}"
    assert alert.account.login == "nurse" and [u.login for u in alert.recipients] == ["director", "support"]
    with app.app_context():
        e = audit.AuditEntry.get(audit.AuditEntry.action == "core.compromise.notified")
        assert e.payload["channels"] == ["in-app", "pager"]
        # switched off for the school: the channel is not asked
        from zhurnal.core.admin import set_plugin_enabled
        from zhurnal.core.identity.models import School
        set_plugin_enabled(School.get(), "pager", False, by=User.get(User.login == "admin"))
        rid2 = _report(app, "deputy")
        queue.notify_compromise_job.call_local(rid2)
    assert len(got) == 1


# --- the worker -------------------------------------------------------------------------------------------------

def test_worker_refuses_the_memory_queue(tmp_path):
    r = run_zhurnal(["worker"], cwd=tmp_path, env={"ZHURNAL_QUEUE_URL": "memory"})
    assert r.returncode == 1
    assert stderr_lines(r) == ["Error: queue_url is 'memory': jobs run where they are queued; there is nothing to consume"]


def test_worker_runs_queued_jobs_from_the_default_sqlite_queue(make_app, tmp_path):
    """The real ``zhurnal worker`` consumes what the app queued and its effect lands in the database."""
    from tests.conftest import PG_URL
    qurl = None if not PG_URL else f"sqlite:///{tmp_path}/jobs.db"  # PostgreSQL needs a named queue
    app = make_app(queue_url=qurl)
    url = app.extensions["zhurnal"].settings.database_url
    with app.app_context():
        queue.audit_verify_job()
    assert queue.get_queue(app).pending_count() == 1
    env = clean_env(ZHURNAL_DATABASE_URL=url, ZHURNAL_SECRET_KEY="w" * 32, ZHURNAL_PLUGINS="roster",
                    **({"ZHURNAL_QUEUE_URL": qurl} if qurl else {}))
    proc = subprocess.Popen(zhurnal_executable() + ["worker", "--workers", "1", "--poll", "0.2"], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        found = None
        while time.monotonic() < deadline and found is None:
            with app.app_context():
                found = audit.AuditEntry.get_or_none(audit.AuditEntry.action == "core.audit.verified")
            time.sleep(0.2)
        assert found is not None, "the worker did not run the job"
        assert found.payload["ok"] is True
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            _out, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            _out, err = proc.communicate()
    assert "zhurnal worker: 1 thread(s) on the sqlite queue" in err
    assert queue.get_queue(app).pending_count() == 0


def test_the_kernels_jobs_moved_to_core_jobs_keep_the_names_the_queue_stored(make_app, tmp_path):
    """The kernel's jobs are declared in core.jobs; the queue knows them as before ("core.queue.<name>"),
    so a job an earlier version left waiting runs after the upgrade, and core.queue still answers the names."""
    from huey.registry import Message
    from zhurnal.core import jobs as kernel_jobs
    app = make_app(plugins=(), queue_url=f"sqlite:///{tmp_path}/q.db")
    for name in ("audit_verify_job", "backup_job", "forget_login_failures_job", "forget_idempotency_keys_job",
                 "refresh_statistics_job", "notify_compromise_job", "notify_pending_compromises_job"):
        job = getattr(kernel_jobs, name)
        assert job.key == f"core.queue.{name}" and queue.jobs()[job.key] is job
        assert getattr(queue, name) is job
    assert queue.SecurityAlert is kernel_jobs.SecurityAlert
    with pytest.raises(AttributeError):
        queue.no_such_job
    with app.app_context():
        q = queue.get_queue(app)
        # what a worker of the earlier version enqueued, as it stored it
        q.storage.enqueue(q.serializer.serialize(Message(
            id="0b6f3c1e-0000-4000-8000-000000000001", name="core.queue.forget_login_failures_job", retries=0,
            retry_delay=0, args=(), kwargs={})))
        task = q.dequeue()
        assert type(task).__name__ == "forget_login_failures_job"
        assert q.execute(task) == 0   # found its function and ran: nothing to forget
