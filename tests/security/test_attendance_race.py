"""Finding 15: clearing (or setting) one attendance cell from several clients at once.

Exactly one "deleted" history row and one audit entry per actual deletion; a
versionless "set" overwrites (never 409). Runs on SQLite and, with
ZHURNAL_TEST_DATABASE_URL, on PostgreSQL (where the transactions really overlap).
"""
from __future__ import annotations

import threading

from zhurnal.core.audit import AuditEntry
from zhurnal.plugins.journal.models import Attendance, History
from tests.conftest import login
from tests.plugins.journal.helpers import journal_ids

CLIENTS = 6


def _race(clients, body):
    barrier = threading.Barrier(len(clients))
    out = [None] * len(clients)

    def run(i, c):
        barrier.wait()
        r = c.put("/api/v1/attendance", json=body(i))
        out[i] = (r.status_code, r.get_json())
    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


def _counts(app, lesson, student):
    with app.app_context():
        hist = list(History.select().where((History.object_type == "attendance") & (History.lesson == lesson) &
                                           (History.student == student)).order_by(History.id))
        audits = AuditEntry.select().where(AuditEntry.action == "journal.attendance.set").count()
        row = Attendance.get_or_none((Attendance.lesson == lesson) & (Attendance.student == student))
    return hist, audits, row


def test_clearing_one_cell_at_once_writes_one_deletion(demo_app):
    ids = journal_ids(demo_app)
    lesson, student = ids["lesson_math_5a"], ids["other_5a"]
    clients = [login(demo_app, "teacher") for _ in range(CLIENTS)]
    for round_ in range(3):
        r = clients[0].put("/api/v1/attendance", json={"lesson_id": lesson, "student_id": student,
                                                       "status": "absent", "reason": f"round {round_}"})
        assert r.status_code == 200, r.get_json()
        hist0, audits0, row = _counts(demo_app, lesson, student)
        assert row is not None
        results = _race(clients, lambda i: {"lesson_id": lesson, "student_id": student, "status": None})
        assert all(code == 200 for code, _ in results), results
        hist, audits, row = _counts(demo_app, lesson, student)
        assert row is None
        new = hist[len(hist0):]
        assert [h.action for h in new] == ["deleted"], [(h.action, h.old, h.new) for h in new]
        assert audits - audits0 == 1


def test_versionless_set_overwrites_without_conflict(demo_app):
    ids = journal_ids(demo_app)
    lesson, student = ids["lesson_math_5a"], ids["student1"]
    clients = [login(demo_app, "teacher") for _ in range(CLIENTS)]
    statuses = ["absent", "late", "ill", "valid", None, "absent"]
    for _round in range(3):
        results = _race(clients, lambda i: {"lesson_id": lesson, "student_id": student,
                                            "status": statuses[i % len(statuses)]})
        assert all(code == 200 for code, _ in results), results
        hist, _audits, row = _counts(demo_app, lesson, student)
        # the history replays to what is stored: every change starts from the state the previous left
        state = None
        for h in hist:
            assert h.old == state, [(x.action, x.old, x.new) for x in hist]
            state = h.new
        assert state == (row.status if row else None)
