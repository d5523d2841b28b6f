"""Finding 16: an ``Idempotency-Key`` makes a retried creating write happen once."""
from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest

from zhurnal.core.idempotency import IdempotentRequest
from zhurnal.plugins.diary.models import Acknowledgement, Message, Thread
from zhurnal.plugins.journal.models import Attendance, History, Mark, Remark
from tests.conftest import TODAY, login
from tests.plugins.journal.helpers import journal_ids


def _cases(ids):
    """(login, method, path, body, other body, model counted, where) per idempotent endpoint."""
    lesson, st = ids["lesson_math_5a"], ids["other_5a"]
    return {
        "mark": ("teacher", "post", "/api/v1/marks", {"student_id": st, "lesson_id": lesson, "value": "4"},
                 {"student_id": st, "lesson_id": lesson, "value": "5"}, Mark, Mark.lesson == lesson),
        "attendance": ("teacher", "put", "/api/v1/attendance",
                       {"student_id": st, "lesson_id": lesson, "status": "late", "reason": "автобус"},
                       {"student_id": st, "lesson_id": lesson, "status": "absent"}, History,
                       (History.object_type == "attendance") & (History.lesson == lesson)),
        "remark": ("teacher", "post", "/api/v1/remarks",
                   {"student_id": st, "text": "Забыл тетрадь", "lesson_id": lesson},
                   {"student_id": st, "text": "Забыл учебник", "lesson_id": lesson}, Remark, Remark.student == st),
        "thread": ("parent1", "post", "/api/v1/messages/threads",
                   {"student_id": ids["student1"], "subject": "Экскурсия", "body": "Можно ли поехать?"},
                   {"student_id": ids["student1"], "subject": "Экскурсия", "body": "Другой вопрос"}, Thread, None),
        "announcement": ("klass5a", "post", f"/api/v1/classes/{ids['class_5a']}/announcements",
                         {"subject": "Собрание", "body": "В четверг в 18:00"},
                         {"subject": "Собрание", "body": "В пятницу в 18:00"}, Thread, None),
        "acknowledgement": ("parent1", "post", f"/api/v1/students/{ids['student1']}/diary/acknowledgements",
                            {"week": TODAY.isoformat()}, {"week": (TODAY - dt.timedelta(days=7)).isoformat()},
                            Acknowledgement, Acknowledgement.student == ids["student1"]),
    }


def _count(app, model, where):
    with app.app_context():
        q = model.select()
        return (q.where(where) if where is not None else q).count()


@pytest.mark.parametrize("name", ["mark", "attendance", "remark", "thread", "announcement", "acknowledgement",
                                  "message"])
def test_a_repeat_with_the_same_key_answers_the_first_result(demo_app, name):
    ids = journal_ids(demo_app)
    if name == "message":
        parent = login(demo_app, "parent1")
        thread = parent.post("/api/v1/messages/threads", json={"student_id": ids["student1"], "subject": "Вопрос",
                                                                "body": "Здравствуйте"}).get_json()["id"]
        case = ("parent1", "post", f"/api/v1/messages/threads/{thread}/messages", {"body": "Спасибо!"},
                {"body": "Спасибо большое!"}, Message, Message.thread == thread)
    else:
        case = _cases(ids)[name]
    who, method, path, body, other, model, where = case
    client = login(demo_app, who)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    before = _count(demo_app, model, where)
    first = getattr(client, method)(path, json=body, headers=key)
    assert 200 <= first.status_code < 300, first.get_json()
    after_first = _count(demo_app, model, where)
    assert after_first > before
    again = getattr(client, method)(path, json=body, headers=key)
    assert again.status_code == first.status_code
    assert again.get_json() == first.get_json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert _count(demo_app, model, where) == after_first
    # the same key with another request: refused, nothing written
    r = getattr(client, method)(path, json=other, headers=key)
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "idempotency_key_reused"
    assert _count(demo_app, model, where) == after_first
    # the key expires
    with demo_app.app_context():
        IdempotentRequest.update(created_at=dt.datetime(2000, 1, 1)).execute()
    r = getattr(client, method)(path, json=other, headers=key)
    assert r.status_code < 300, r.get_json()
    assert "Idempotent-Replayed" not in r.headers


def test_keys_are_per_user_and_without_a_key_nothing_changes(demo_app):
    ids = journal_ids(demo_app)
    teacher = login(demo_app, "teacher")
    body = {"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a"], "value": "3"}
    before = _count(demo_app, Mark, None)
    assert teacher.post("/api/v1/marks", json=body).status_code == 201
    assert teacher.post("/api/v1/marks", json=body).status_code == 201
    assert _count(demo_app, Mark, None) == before + 2
    r = teacher.post("/api/v1/marks", json=body, headers={"Idempotency-Key": "x" * 201})
    assert r.status_code == 400
    # a failed write stores nothing: the corrected request with the same key goes through
    key = {"Idempotency-Key": "k-1"}
    r = teacher.post("/api/v1/marks", json={**body, "value": "абв"}, headers=key)
    assert r.status_code == 422
    assert teacher.post("/api/v1/marks", json=body, headers=key).status_code == 201
    # another teacher's "k-1" is another key (and their own business)
    r = login(demo_app, "klass5a").post("/api/v1/remarks", json={"student_id": ids["other_5a"], "text": "Молодец",
                                                                 "kind": "praise"}, headers=key)
    assert r.status_code == 201 and "Idempotent-Replayed" not in r.headers


def test_the_same_key_at_the_same_moment_writes_once(demo_app):
    ids = journal_ids(demo_app)
    clients = [login(demo_app, "teacher") for _ in range(4)]
    body = {"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a"], "value": "5"}
    key = {"Idempotency-Key": str(uuid.uuid4())}
    before = _count(demo_app, Mark, None)
    barrier = threading.Barrier(len(clients))
    out = []

    def run(c):
        barrier.wait()
        r = c.post("/api/v1/marks", json=body, headers=key)
        out.append((r.status_code, r.get_json()))
    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert [s for s, _ in out] == [201] * len(clients), out
    assert len({b["id"] for _s, b in out}) == 1
    assert _count(demo_app, Mark, None) == before + 1


def test_the_header_is_documented_for_the_creating_writes(demo_app):
    doc = demo_app.test_client().get("/api/v1/openapi.json").get_json()
    for path, method in (("/api/v1/marks", "post"), ("/api/v1/attendance", "put"), ("/api/v1/remarks", "post"),
                         ("/api/v1/messages/threads", "post"),
                         ("/api/v1/students/{student_id}/diary/acknowledgements", "post")):
        names = [p.get("name") for p in doc["paths"][path][method].get("parameters", [])]
        assert "Idempotency-Key" in names, (path, method)


def test_expired_keys_are_dropped_by_the_nightly_job(demo_app):
    from zhurnal.core.queue import forget_idempotency_keys_job
    ids = journal_ids(demo_app)
    teacher = login(demo_app, "teacher")
    for key in ("old", "new"):
        r = teacher.post("/api/v1/marks", json={"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a"],
                                                "value": "4"}, headers={"Idempotency-Key": key})
        assert r.status_code == 201
    with demo_app.app_context():
        IdempotentRequest.update(created_at=dt.datetime(2000, 1, 1)).where(IdempotentRequest.key == "old").execute()
        assert forget_idempotency_keys_job.call_local() == 1
        assert [r.key for r in IdempotentRequest.select()] == ["new"]
