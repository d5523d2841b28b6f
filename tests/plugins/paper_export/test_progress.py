"""A class batch as a real background job: queued in Redis, made by a huey worker, its progress
followed through the page's JSON while it runs."""
from __future__ import annotations

import os
import re
import threading
import time

import pytest

from tests.conftest import BUILTIN_PLUGINS, _close_app, build_app, login, require_service

REDIS_URL = os.environ.get("ZHURNAL_TEST_REDIS_URL") or "redis://127.0.0.1:6379/8"


def _redis():
    import redis
    redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()


@pytest.fixture
def queued_app(databases, demo_template):
    require_service("Redis", _redis)
    template, _info = demo_template
    url = databases.new_url(template=template)
    app = build_app(url, BUILTIN_PLUGINS, migrate=False, queue_url=REDIS_URL)
    from zhurnal.core.queue import get_queue
    get_queue(app).flush()
    yield app
    get_queue(app).flush()
    _close_app(app)
    databases.drop(url)


def test_batch_runs_in_the_worker_with_progress_on_the_page(queued_app):
    from zhurnal.core.queue import get_queue
    from zhurnal.plugins.roster.models import SchoolClass
    app = queued_app
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        c5a = SchoolClass.get((SchoolClass.parallel == 5) & (SchoolClass.letter == "А")).id
    k = login(app, "klass5a")
    r = k.post(f"/paper_export/classes/{c5a}/batches", data={"from": "2026-10-26", "to": "2026-11-08",
                                                             "selection": "class"})
    assert r.status_code == 302
    bid = int(re.search(r"batch=(\d+)", r.headers["Location"]).group(1))
    first = k.get(f"/paper_export/batches/{bid}.json").get_json()
    assert first["status"] == "queued" and first["percent"] == 0  # nothing made in the request
    page = k.get(f"/paper_export/classes/{c5a}?batch={bid}").get_data(as_text=True)
    assert f'data-batch="{bid}" data-batch-status="queued"' in page and "<progress" in page

    q = get_queue(app)
    assert len(q) == 1

    def work():  # one huey worker: take the job from Redis and run it
        task = q.dequeue()
        q.execute(task)
    worker = threading.Thread(target=work)
    worker.start()
    seen = []
    deadline = time.time() + 240
    while time.time() < deadline:
        s = k.get(f"/paper_export/batches/{bid}.json").get_json()
        seen.append(s["percent"])
        if s["status"] in ("done", "failed"):
            break
        time.sleep(0.05)
    worker.join(30)
    assert s["status"] == "done", s
    assert any(0 < p < 100 for p in seen), seen  # progress was visible while it ran
    assert seen == sorted(seen) and seen[-1] == 100
    assert k.get(f"/paper_export/batches/{bid}.pdf").data.startswith(b"%PDF")
