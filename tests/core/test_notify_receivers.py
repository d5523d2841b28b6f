"""A signal receiver that raises after the change was committed never turns it into a 500,
and the web keeps working while the job queue (Redis) is down."""
from __future__ import annotations

import logging
import os
import socket
import time
import types

import pytest

from zhurnal.core import signals
from zhurnal.plugins.journal import signals as journal_signals
from zhurnal.core.hookspecs import hookimpl
from zhurnal.core.identity.models import User
from zhurnal.core.notify.models import SENT, Delivery, Notification
from zhurnal.plugins.journal.models import Mark
from zhurnal.plugins.roster.models import Guardian
from tests.conftest import REQUIRE_SERVICES, login
from tests.notify_support import free_port
from tests.plugins.journal.helpers import journal_ids

from .test_notify_pipeline import notify_app, smtp  # noqa: F401  (fixtures)

REDIS_URL = os.environ.get("ZHURNAL_TEST_REDIS_URL") or "redis://127.0.0.1:6379/3"


def _raising_plugin(calls):
    mod = types.ModuleType("broken_listener")
    mod.name, mod.title, mod.version, mod.depends, mod.schema_version = "broken_listener", "Broken", "1", (), 0

    def on_mark_saved(sender, **kw):
        calls.append(kw["mark_id"])
        raise RuntimeError("listener bug")

    @hookimpl
    def zhurnal_app_ready(app):
        signals.connect(journal_signals.mark_saved, on_mark_saved, app=app, owner="broken_listener")
    mod.zhurnal_app_ready = zhurnal_app_ready
    return mod


def test_a_raising_receiver_does_not_turn_a_committed_mark_into_a_500(notify_app, caplog):  # noqa: F811
    calls = []
    app = notify_app(extra_plugins=[_raising_plugin(calls)], consent={"all": True})
    ids = journal_ids(app)
    c = login(app, "teacher")
    with caplog.at_level(logging.ERROR, logger="zhurnal.signals"):
        r = c.post("/api/v1/marks", json={"student_id": ids["student1"], "lesson_id": ids["lesson_math_5a"],
                                          "value": "4"})
    assert r.status_code == 201, r.get_json()
    assert calls == [r.get_json()["id"]]
    assert "broken_listener:on_mark_saved" in caplog.text and "listener bug" in caplog.text
    with app.app_context():
        assert Mark.get_by_id(r.get_json()["id"]).value == "4"
        assert Notification.select().where(Notification.key.startswith(f"journal.mark:{calls[0]}:")).count() == 1


def _redis_up():
    import redis
    redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()


def test_redis_down_the_web_works_and_notifications_go_out_when_it_is_back(notify_app, smtp, caplog):  # noqa: F811
    try:
        _redis_up()
    except Exception as e:
        if REQUIRE_SERVICES:
            pytest.fail(f"Redis is not reachable: {e}")
        pytest.skip(f"Redis is not reachable: {e}")
    dead = f"redis://127.0.0.1:{free_port()}/3"   # nothing listens there
    app = notify_app(email=smtp.settings(), consent={"all": True}, queue_url=dead)
    ids = journal_ids(app)
    c = login(app, "teacher")
    with caplog.at_level(logging.WARNING, logger="zhurnal.notify"):
        r = c.post("/api/v1/marks", json={"student_id": ids["student1"], "lesson_id": ids["lesson_math_5a"],
                                          "value": "5"})
    assert r.status_code == 201, r.get_json()
    assert "could not wake the notification worker" in caplog.text
    assert c.get(f"/api/v1/marks/{r.get_json()['id']}").status_code in (200, 404, 405)  # the web still answers
    with app.app_context():
        assert Notification.select().where(Notification.fanned_at.is_null()).count() == 1   # waiting
        p1_email = Guardian.get(Guardian.user == User.get(User.login == "parent1").id).email
    assert smtp.messages == []
    # the queue is back: a worker on the same database and a reachable Redis delivers what waited
    url = app.extensions["zhurnal"].settings.database_url
    live = notify_app(url=url, email=smtp.settings(), consent={"all": True}, queue_url=REDIS_URL)
    from huey.consumer import Consumer
    from zhurnal.core.cli import _deliver_on_start
    from zhurnal.core.queue import get_queue
    q = get_queue(live)
    q.flush()
    consumer = Consumer(q, workers=1, worker_type="thread", periodic=False, initial_delay=0.05, max_delay=0.2)
    consumer.start()
    try:
        _deliver_on_start(live)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not smtp.to(p1_email):
            time.sleep(0.1)
    finally:
        consumer.stop(graceful=True)
        q.flush()
    assert len(smtp.to(p1_email)) == 1
    with live.app_context():
        assert Delivery.get(Delivery.address == p1_email).status == SENT


def test_every_receiver_runs_even_after_one_raised(notify_app):  # noqa: F811
    app = notify_app(consent={"all": True})
    seen = []

    def first(sender, **kw):
        raise ValueError("first receiver broke")

    def second(sender, **kw):
        seen.append(kw["school_id"])
    journal_signals.mark_saved.connect(first, weak=False)
    journal_signals.mark_saved.connect(second, weak=False)
    try:
        with app.app_context():
            results = signals.send(journal_signals.mark_saved, mark_id=1, school_id=7)
    finally:
        journal_signals.mark_saved.disconnect(first)
        journal_signals.mark_saved.disconnect(second)
    assert seen == [7] and (second, None) in results
    assert ("first", "mark-saved") in signals.recent_failures()
