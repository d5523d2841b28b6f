"""Finding 17: a terminated PostgreSQL backend does not turn requests into 500s.

A request whose connection was terminated before it wrote anything is run again, once,
on a fresh connection. Needs ZHURNAL_TEST_DATABASE_URL (skipped on SQLite).
"""
from __future__ import annotations

import pytest
from flask import request

from zhurnal.plugins.journal.models import Mark
from tests.conftest import PG_URL, login
from tests.plugins.journal.helpers import journal_ids

pytestmark = pytest.mark.skipif(not PG_URL, reason="PostgreSQL only: set ZHURNAL_TEST_DATABASE_URL")


def _terminate_backends(app) -> int:
    """From a connection of our own, end every other backend of the app's database."""
    import psycopg2
    url = app.config["DATABASE_URL"]
    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        n = cur.fetchone()[0]
    conn.close()
    return n


@pytest.fixture
def kill_in_flight(demo_app):
    """``kill_in_flight()``: the next request's backend is terminated after the request has
    loaded its user (its connection is in use) and before the view runs."""
    armed = []

    @demo_app.before_request
    def _terminate():
        if armed:
            armed.clear()
            assert _terminate_backends(demo_app) >= 1
    return lambda: armed.append(True)


def test_reads_and_writes_survive_terminated_backends(demo_app, kill_in_flight):
    ids = journal_ids(demo_app)
    teacher = login(demo_app, "teacher")
    parent = login(demo_app, "parent1")
    kill_in_flight()
    r = teacher.get(f"/api/v1/classes/{ids['class_5a']}/journal?subject_id={ids['subject_math']}")
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    kill_in_flight()
    assert parent.get(f"/api/v1/students/{ids['student1']}/diary").status_code == 200
    # a write whose connection died before it wrote: done once, on the fresh connection
    with demo_app.app_context():
        before = Mark.select().count()
    kill_in_flight()
    r = teacher.post("/api/v1/marks", json={"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a"],
                                            "value": "4"})
    assert r.status_code == 201, r.get_data(as_text=True)[:300]
    with demo_app.app_context():
        assert Mark.select().count() == before + 1
    # pages too
    kill_in_flight()
    assert teacher.get(f"/journal/class/{ids['class_5a']}?subject_id={ids['subject_math']}").status_code == 200


def test_a_request_that_wrote_is_not_run_again(demo_app):
    """Its connection lost after a write: 503 (the client may retry with an Idempotency-Key), never twice."""
    armed = [True]

    @demo_app.after_request
    def _lose_connection_after_the_write(response):
        if armed and request.path == "/api/v1/marks":
            armed.clear()
            _terminate_backends(demo_app)
            from zhurnal.plugins.journal.models import Lesson
            Lesson.select().count()   # the request goes on reading: the connection is gone
        return response

    ids = journal_ids(demo_app)
    teacher = login(demo_app, "teacher")
    with demo_app.app_context():
        before = Mark.select().count()
    r = teacher.post("/api/v1/marks", json={"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a"],
                                            "value": "5"})
    assert r.status_code == 503, r.get_data(as_text=True)[:300]
    with demo_app.app_context():
        assert Mark.select().count() == before + 1
