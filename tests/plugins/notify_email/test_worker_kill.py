"""A real ``zhurnal worker`` killed with SIGKILL in the middle of a batch, then restarted:
every message reaches the SMTP server exactly once."""
from __future__ import annotations

import collections
import os
import signal
import subprocess
import time

from zhurnal.core.notify.models import SENT, Delivery
from tests.core.conftest import clean_env, zhurnal_executable
from tests.plugins.notify_email.helpers import announce, guardian_accounts

N = 20


def _worker(tmp_path, url, smtp):
    cfg = tmp_path / "zhurnal.toml"
    cfg.write_text(f"""
database_url = "{url}"
queue_url = "sqlite:///{tmp_path}/jobs.db"
secret_key = "{'k' * 32}"
today = "2026-11-26"

[notify]
lease_seconds = 2
batch_size = 100

[plugins]
enabled = ["roster", "journal", "diary", "notify_email"]

[plugins.notify_email]
host = "127.0.0.1"
port = {smtp.port}
security = "none"
sender = "journal@school-17.example"
""", encoding="utf-8")
    env = clean_env(ZHURNAL_CONFIG=str(cfg))
    return subprocess.Popen(zhurnal_executable() + ["worker", "--workers", "1", "--poll", "0.1"], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _stop(proc, sig=signal.SIGTERM):
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
    try:
        return proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        return proc.communicate()


def test_worker_killed_mid_batch_delivers_every_message_exactly_once(notify_app, smtp, tmp_path):
    app = notify_app(email=smtp.settings())
    url = app.extensions["zhurnal"].settings.database_url
    with app.app_context():
        cls, users, emails = guardian_accounts(N)
        announce(cls, users)     # a class announcement: not a child's data, no consent needed
    smtp.hold_at = 8             # the 8th recipient: the server stalls, the worker waits for its answer...
    first = _worker(tmp_path, url, smtp)
    try:
        assert smtp.holding.wait(60), "the worker never reached the 8th message: " + repr(_stop(first))
        os.killpg(first.pid, signal.SIGKILL)   # ...and is killed there, with 13 rows of its batch leased
        first.wait(10)
        assert len(smtp.messages) == 7
        with app.app_context():
            leased = Delivery.select().where(Delivery.status == "sending").count()
        assert leased == N - 7
    finally:
        smtp.release.set()
        _stop(first, signal.SIGKILL)
    second = _worker(tmp_path, url, smtp)   # a fresh worker: the dead one's lease runs out, then it sends
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(smtp.messages) < N:
            time.sleep(0.2)
        time.sleep(1.0)   # anything sent twice would arrive now
    finally:
        out, err = _stop(second)
    got = collections.Counter(r for rcpt, _m in smtp.messages for r in rcpt)
    assert got == collections.Counter(emails.values()), err[-2000:]
    assert all(n == 1 for n in got.values())
    with app.app_context():
        assert Delivery.select().where(Delivery.status == SENT).count() == N
    subjects = {m["Subject"] for _r, m in smtp.messages}
    assert subjects == {"Родительское собрание в четверг"}




def test_workers_killed_at_arbitrary_moments_lose_nothing(notify_app, smtp, tmp_path):
    """Two kills at moments the test does not choose: nothing is lost; a message may arrive twice only
    if a kill fell between the server's acceptance and the worker's record (at most once per kill)."""
    app = notify_app(email=smtp.settings())
    url = app.extensions["zhurnal"].settings.database_url
    with app.app_context():
        cls, users, emails = guardian_accounts(N)
        announce(cls, users, subject="Субботник", body="В субботу в 10:00 у школы.")
    smtp.data_delay = 0.05
    kills = 0
    for after in (4, 11):
        proc = _worker(tmp_path, url, smtp)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(smtp.messages) < after:
            time.sleep(0.01)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
        kills += 1
        _stop(proc, signal.SIGKILL)
    last = _worker(tmp_path, url, smtp)
    try:
        # under load a worker started after two kills was seen to stall one job for 60 s (on PostgreSQL,
        # after the job's own code had finished; cause open): the wait outlasts that, nothing is asserted less
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and len({r for rcpt, _m in smtp.messages for r in rcpt}) < N:
            time.sleep(0.2)
        time.sleep(1.0)
    finally:
        _out, err = _stop(last)
    got = collections.Counter(r for rcpt, _m in smtp.messages for r in rcpt)
    assert set(got) == set(emails.values()), err[-2000:]          # nothing lost
    assert sum(got.values()) - N <= kills                          # at most the documented window per kill
    with app.app_context():
        assert Delivery.select().where(Delivery.status == SENT).count() == N
