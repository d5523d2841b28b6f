"""A real ``zhurnal worker`` process on a Redis queue, its SMS gateway given only as environment
variables, sends a class announcement to a local HTTP server playing the gateway."""
from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from zhurnal.core.identity.models import User
from zhurnal.core.notify import prefs
from zhurnal.core.notify.models import SENT, Delivery
from zhurnal.plugins.diary import service as diary
from zhurnal.plugins.roster.models import Guardian, SchoolClass
from tests.conftest import require_service
from tests.core.conftest import clean_env, zhurnal_executable

REDIS_URL = os.environ.get("ZHURNAL_TEST_REDIS_URL") or "redis://127.0.0.1:6379/4"


def _redis_up():
    import redis
    redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()


def _stop(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        return proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        return proc.communicate()


def test_the_worker_process_sends_an_announcement_by_sms(channel_apps, gateway, tmp_path):
    require_service("Redis", _redis_up)
    sms_env = {"ZHURNAL_NOTIFY_SMS__URL": gateway.url + "/send", "ZHURNAL_NOTIFY_SMS__TOKEN": "worker-token",
               "ZHURNAL_NOTIFY_SMS__SENDER": "School17"}
    plugins = ["roster", "journal", "diary", "notify_sms"]
    app = channel_apps(sms_env, plugins=plugins, queue_url=REDIS_URL)
    settings = app.extensions["zhurnal"].settings
    with app.app_context():
        p1 = User.get(User.login == "parent1")
        Guardian.update(phone="8 912 345-67-89").where(Guardian.user == p1.id).execute()
        prefs.save(p1, {"announcement": {"sms": "instant"}})
    env = clean_env(ZHURNAL_DATABASE_URL=settings.database_url, ZHURNAL_QUEUE_URL=REDIS_URL,
                    ZHURNAL_SECRET_KEY=settings.secret_key, ZHURNAL_TODAY="2026-11-26",
                    ZHURNAL_PLUGINS=",".join(plugins), **sms_env)
    worker = subprocess.Popen(zhurnal_executable() + ["worker", "--workers", "1", "--poll", "0.1"], cwd=tmp_path,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              start_new_session=True)
    try:
        with app.app_context():  # the announcement wakes the worker through Redis when the context ends
            cls = SchoolClass.get((SchoolClass.parallel == 5) & (SchoolClass.letter == "А"))
            diary.announce(User.get(User.login == "klass5a"), cls, [p1.id], subject="Собрание в четверг",
                           body="Родительское собрание в 18:00, кабинет 21.")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not gateway.to("/send"):
            if worker.poll() is not None:
                pytest.fail("the worker stopped: " + repr(_stop(worker)))
            time.sleep(0.1)
        time.sleep(0.5)  # anything sent twice would arrive now
    finally:
        out = _stop(worker)
        from zhurnal.core.queue import get_queue
        get_queue(app).flush()  # this test's queue keys out of the shared Redis database
    [req] = gateway.to("/send")
    assert req.header("Authorization") == "Bearer worker-token", out
    body = req.json()
    assert body["to"] == "+79123456789" and body["sender"] == "School17"
    assert "Собрание в четверг" in body["text"]
    with app.app_context():
        assert [d.status for d in Delivery.select().where(Delivery.channel == "sms")] == [SENT]
