"""The scale-out path against the real services: PostgreSQL, Redis, three gunicorn workers and a
``zhurnal worker``. The web tier keeps no state: a session works on every worker, a plugin switched
off on one request is off on every later one, and a job queued by the app runs in another process.

Skips when PostgreSQL or Redis is not reachable; fails instead with ZHURNAL_REQUIRE_SERVICES=1.
"""
from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import DEMO_PASSWORD, TODAY, require_service
from tests.core.conftest import clean_env, zhurnal_executable

pytestmark = [pytest.mark.services, pytest.mark.slow]

PG_URL = os.environ.get("ZHURNAL_TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = os.environ.get("ZHURNAL_TEST_REDIS_URL") or "redis://127.0.0.1:6379/15"


def _pg():
    import psycopg2
    conn = psycopg2.connect(PG_URL, connect_timeout=3)
    conn.autocommit = True
    return conn


def _redis():
    import redis
    r = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    r.ping()
    return r


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen, sig=signal.SIGTERM) -> None:
    """Stop a process we started: politely, then for good."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


class Client:
    """urllib with one cookie jar, shared by concurrent requests."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def call(self, method: str, path: str, body=None) -> tuple[int, dict | None]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"} if data else {})
        try:
            with self.opener.open(req, timeout=20) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        return status, (json.loads(raw) if raw else None)

    def many(self, method: str, path: str, n: int, workers: int = 6) -> list[tuple[int, dict | None]]:
        with ThreadPoolExecutor(workers) as pool:
            return list(pool.map(lambda _: self.call(method, path), range(n)))


@contextlib.contextmanager
def demo_deployment(tmp_path, plugins: str):
    """A demo school with ``plugins`` on a new PostgreSQL database and Redis, made by the real CLI;
    the processes the test starts (``dep["procs"]``), its queue and its database go afterwards."""
    require_service("PostgreSQL", lambda: _pg().close())
    require_service("Redis", _redis)
    name = f"zs_{secrets.token_hex(5)}"
    admin = _pg()
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    url = PG_URL.rsplit("/", 1)[0] + "/" + name
    env = clean_env(ZHURNAL_DATABASE_URL=url, ZHURNAL_QUEUE_URL=REDIS_URL, ZHURNAL_SECRET_KEY=secrets.token_hex(32),
                    ZHURNAL_PLUGINS=plugins, ZHURNAL_TODAY=TODAY.isoformat(),
                    ZHURNAL_SECURITY_ARGON2_TIME_COST="1", ZHURNAL_SECURITY_ARGON2_MEMORY_COST="1024",
                    ZHURNAL_SECURITY_ARGON2_PARALLELISM="1")
    procs: list[subprocess.Popen] = []
    try:
        for args in (["init"], ["demo", "--students", "5"]):
            r = subprocess.run(zhurnal_executable() + args, env=env, cwd=tmp_path, capture_output=True, text=True,
                               timeout=300)
            assert r.returncode == 0, (args, r.stderr)
        yield {"url": url, "name": name, "env": env, "tmp": tmp_path, "procs": procs}
    finally:
        for p in procs:
            _stop(p)  # gunicorn's master takes its workers along on SIGTERM
        rd = _redis()
        for key in rd.scan_iter(f"huey.*.zhurnal_{name}*"):
            rd.delete(key)
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def deployment(tmp_path):
    with demo_deployment(tmp_path, "roster") as dep:
        yield dep


def _gunicorn(dep, port: int, log) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "gunicorn", "-w", "3", "-b", f"127.0.0.1:{port}", "--access-logfile", str(log),
           "--access-logformat", "%(p)s %(m)s %(U)s %(s)s", "--graceful-timeout", "3", "zhurnal.core.wsgi:app"]
    errors = dep["tmp"] / "gunicorn.err"
    with errors.open("w") as fh:
        proc = subprocess.Popen(cmd, env=dep["env"], cwd=dep["tmp"], stdout=subprocess.DEVNULL, stderr=fh)
    dep["procs"].append(proc)
    # each worker builds its own app (no --preload, as deployed): wait until all three have answered
    probe = Client(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"gunicorn died: {errors.read_text()[-3000:]}"
        try:
            probe.many("GET", "/healthz", 6)
        except OSError:
            time.sleep(0.2)
            continue
        if log.exists() and len(_pids(log, "/healthz")) == 3:
            return proc
        time.sleep(0.1)
    raise AssertionError(f"gunicorn workers did not all answer within 60 s: {errors.read_text()[-3000:]}")


def _pids(log, path: str) -> set[str]:
    """Worker pids that served ``path``, from the access log (format: pid method path status)."""
    return {parts[0] for parts in (line.split() for line in log.read_text().splitlines())
            if len(parts) == 4 and parts[2] == path}


def _query(url: str, sql: str):
    import psycopg2
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()
    finally:
        conn.close()


def test_three_workers_one_session_live_switches_and_a_redis_job(deployment):
    dep = deployment
    port = _free_port()
    log = dep["tmp"] / "access.log"
    _gunicorn(dep, port, log)
    base = f"http://127.0.0.1:{port}"

    # one login, then ~30 concurrent requests with the same cookie jar land on different workers
    admin = Client(base)
    status, me = admin.call("POST", "/api/v1/auth/login", {"login": "admin", "password": DEMO_PASSWORD})
    assert status == 200 and me["login"] == "admin"
    answers = admin.many("GET", "/api/v1/me", 30)
    assert [s for s, _ in answers] == [200] * 30
    assert {b["login"] for _, b in answers} == {"admin"}
    time.sleep(0.3)  # let the access log flush
    pids = _pids(log, "/api/v1/me")
    assert len(pids) >= 2, f"all requests went to one worker: {pids}"

    # a roster route to watch, taken from the live OpenAPI document
    status, spec = admin.call("GET", "/api/v1/openapi.json")
    watched = sorted(p for p, ops in spec["paths"].items()
                     if "get" in ops and "roster_api" in ops["get"]["tags"] and "{" not in p)[0]
    assert {s for s, _ in admin.many("GET", watched, 9)} == {200}
    school = _query(dep["url"], "SELECT id FROM core_school")[0][0]

    # switched off on one request: off on every worker at once, without a restart
    status, row = admin.call("PUT", f"/api/v1/schools/{school}/plugins/roster", {"enabled": False})
    assert status == 200 and row["enabled"] is False
    off = admin.many("GET", watched, 15)
    assert {s for s, _ in off} == {404}
    assert {b["error"]["code"] for _, b in off} == {"not_found"}
    status, row = admin.call("PUT", f"/api/v1/schools/{school}/plugins/roster", {"enabled": True})
    assert status == 200 and row["enabled"] is True
    assert {s for s, _ in admin.many("GET", watched, 15)} == {200}
    time.sleep(0.3)
    assert _pids(log, watched) <= _pids(log, "/healthz")  # the same three processes: no restart happened

    # jobs go to Redis: nothing runs them until a worker starts
    status, queued = admin.call("POST", "/api/v1/audit/verify")
    assert status == 202 and queued["status"] == "queued" and queued["job_id"]
    nurse = Client(base)
    assert nurse.call("POST", "/api/v1/auth/login", {"login": "nurse", "password": DEMO_PASSWORD})[0] == 200
    status, rep = nurse.call("POST", "/api/v1/me/compromised", {"note": "Пароль записан на доске"})
    assert status == 202
    import redis
    rd = redis.Redis.from_url(REDIS_URL)
    assert rd.llen(f"huey.redis.zhurnal_{dep['name']}") == 2
    assert _query(dep["url"], f"SELECT notified_at FROM core_compromise_report WHERE id = {rep['report_id']}") == [(None,)]

    worker_log = dep["tmp"] / "worker.err"
    with worker_log.open("w") as fh:
        worker = subprocess.Popen(zhurnal_executable() + ["worker", "--workers", "2", "--poll", "0.2"],
                                  env=dep["env"], cwd=dep["tmp"], stdout=subprocess.DEVNULL, stderr=fh)
    dep["procs"].append(worker)
    t0 = time.monotonic()
    deadline = t0 + 20
    verified = told = None
    while time.monotonic() < deadline and not (verified and told):
        verified = _query(dep["url"], "SELECT data FROM core_audit WHERE action = 'core.audit.verified'")
        told = _query(dep["url"], "SELECT notified_at FROM core_compromise_report "
                                  f"WHERE id = {rep['report_id']} AND notified_at IS NOT NULL")
        time.sleep(0.2)
    _stop(worker, signal.SIGINT)
    err = worker_log.read_text()
    assert verified, f"the worker did not verify the audit: {err[-2000:]}"
    assert json.loads(verified[0][0])["ok"] is True
    assert told, f"the worker did not tell about the compromise: {err[-2000:]}"
    notice = _query(dep["url"], "SELECT data FROM core_audit WHERE action = 'core.compromise.notified'")
    assert json.loads(notice[0][0])["recipients"] == ["director", "support"]
    assert rd.llen(f"huey.redis.zhurnal_{dep['name']}") == 0
    assert re.search(r"zhurnal worker: 2 thread\(s\) on the redis queue redis://", err)
    # the hash chain is intact after several processes appended to it at once
    r = subprocess.run(zhurnal_executable() + ["audit", "verify"], env=dep["env"], cwd=dep["tmp"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.startswith("audit log intact"), r.stderr
