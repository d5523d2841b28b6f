"""The benchmark's data generator works: a tiny school (60 students, one month) in a few seconds.

The benchmarks themselves (``python -m bench.run``) never run in the suite; this
only proves that the generator still fits the models and writes consistent data,
on SQLite and, with ``ZHURNAL_TEST_DATABASE_URL``, on PostgreSQL (COPY).
"""
from __future__ import annotations

import datetime as dt

import pytest

from bench import generate, school
from zhurnal.core import signals


@pytest.fixture(scope="module")
def tiny(databases):
    """The tiny school, generated once for this module (SQLite, or PostgreSQL when configured)."""
    url = databases.new_url()
    meta = generate.generate(url, students=60, classes=3, months=1, echo=lambda *a: None)
    app = generate.build_app(url, dt.date.fromisoformat(meta["today"]), meta["plugins"])
    yield app, meta
    signals.disconnect_app(app)
    databases.drop(url)


def _one(sql: str):
    from zhurnal.core import db
    return db.database.execute_sql(sql).fetchone()


def test_tiny_school_counts(tiny):
    app, meta = tiny
    c = meta["counts"]
    assert c["roster_student"] == 60 and c["roster_class"] == 3
    assert meta["class_big_size"] == 30 and meta["class_small_size"] == 10
    assert c["journal_lesson"] > 200 and c["journal_mark"] > 1000 and c["journal_attendance"] > 100
    assert meta["grid_size"]["marks"] > 100 and meta["grid_size"]["students"] == 30
    with app.app_context():
        from zhurnal.plugins.roster.models import SchoolClass, Student
        big = SchoolClass.get_by_id(meta["class_big"])
        assert big.name == "5А"
        assert Student.select().where(Student.school_class == big.id).count() == 30
        # marks only up to "today", all on the right scale
        last = _one("SELECT MAX(l.date) FROM journal_mark m JOIN journal_lesson l ON l.id = m.lesson_id")[0]
        assert str(last)[:10] <= meta["today"]
        assert _one("SELECT COUNT(*) FROM journal_mark WHERE value NOT IN ('2', '3', '4', '5')")[0] == 0


def test_tiny_school_is_consistent(tiny):
    app, meta = tiny
    with app.app_context():
        # every mark's student belongs to the lesson's class, or to its group
        stray = _one("""SELECT COUNT(*) FROM journal_mark m JOIN journal_lesson l ON l.id = m.lesson_id
                        JOIN roster_student s ON s.id = m.student_id
                        WHERE s.class_id <> l.class_id
                           OR (l.group_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM roster_group_member gm
                               WHERE gm.group_id = l.group_id AND gm.student_id = s.id))""")[0]
        assert stray == 0
        # split-group lessons carry their class too (the journal's convention)
        assert _one("SELECT COUNT(*) FROM journal_lesson WHERE group_id IS NOT NULL AND class_id IS NULL")[0] == 0
        assert _one("SELECT COUNT(*) FROM journal_lesson WHERE group_id IS NOT NULL")[0] > 0
        # no lesson on a weekend or a holiday (the tiny month has no holiday: check weekdays)
        from zhurnal.plugins.journal.models import Lesson
        assert all(d.isoweekday() <= 5 for (d,) in Lesson.select(Lesson.date).distinct().tuples())
        from zhurnal.core import db
        if db.is_sqlite():
            assert db.database.execute_sql("PRAGMA foreign_key_check").fetchall() == []


def test_benchmark_accounts_log_in(tiny):
    app, meta = tiny
    client = app.test_client()
    for login in (meta["grid_teacher"], meta["parent_big"]["login"]):
        r = client.post("/api/v1/auth/login", json={"login": login, "password": generate.BENCH_PASSWORD})
        assert r.status_code == 200, (login, r.get_json())
        me = client.get("/api/v1/me").get_json()
        assert me["login"] == login
        client.post("/api/v1/auth/logout")


def test_school_plan_has_seventy_classes_and_split_english():
    plan = school.plan(2000, 70)
    assert len(plan.classes) == 70 and sum(c.size for c in plan.classes) == 2000
    sizes = {c.name: c.size for c in plan.classes}
    assert sizes["5А"] == 30 and sizes["5Е"] == 10
    assert {c.parallel for c in plan.classes} == set(range(1, 12))
    english = [t for t in plan.teachings if t.subject == "Английский язык"]
    assert english and all(t.group in (1, 2) for t in english)
    # one teacher teaches mathematics in both benchmark classes
    by_name = {c.name: c.index for c in plan.classes}
    math = {t.class_index: t.teacher for t in plan.teachings if t.subject == "Математика"}
    assert math[by_name["5А"]] == math[by_name["5Е"]]



def test_server_timer_logs_labelled_requests(tmp_path):
    """The benchmark's WSGI timer writes label, time and status; unlabelled requests are not logged."""
    from bench.timing import Timer, read_times, summary
    log = tmp_path / "times.log"

    def app(environ, start_response):
        start_response("201 CREATED", [])
        return [b"x"]

    timed = Timer(app, str(log))
    assert timed({"HTTP_X_BENCH": "mark_post"}, lambda s, h: None) == [b"x"]
    timed({}, lambda s, h: None)
    times = read_times(str(log))
    assert list(times) == ["mark_post"] and times["mark_post"][0][2] == "201"
    assert summary(times["mark_post"])["statuses"] == {"201": 1}
