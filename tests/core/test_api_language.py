"""API errors speak the user's language, like the field messages do."""
from __future__ import annotations


def test_api_errors_follow_the_users_language(as_user):
    t = as_user("teacher")
    r = t.post("/api/v1/marks", json={"student_id": 1, "lesson_id": 2**31 - 1, "value": "5"})
    assert r.status_code == 422 and r.get_json()["error"]["message"] == "Неверные данные."
    assert t.get("/api/v1/marks/2147483000").get_json()["error"]["message"] == "Такой отметки нет."
    assert t.get("/api/v1/no-such-route").get_json()["error"]["message"] == "Не найдено."
    t.get("/lang/en")
    assert t.get("/api/v1/marks/2147483000").get_json()["error"]["message"] == "No such mark."
    assert t.get("/api/v1/no-such-route").get_json()["error"]["message"] == "Not found."
