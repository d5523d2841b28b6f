"""A stale edit in the journal API: 409 with the journal's message and the record as the winning
edit answered it (the kernel answers every stale edit; the journal says how its records look)."""
from __future__ import annotations

from tests.conftest import login


def test_a_stale_mark_edit_answers_the_mark_as_the_winner_saved_it(demo_app, ids):
    a, b = login(demo_app, "teacher"), login(demo_app, "teacher")
    m = a.post("/api/v1/marks", json={"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a"],
                                      "value": "3"}).get_json()
    won = a.patch(f"/api/v1/marks/{m['id']}", json={"value": "4", "version": m["version"]})
    assert won.status_code == 200
    lost = b.patch(f"/api/v1/marks/{m['id']}", json={"value": "2", "version": m["version"]})
    assert lost.status_code == 409
    err = lost.get_json()["error"]
    assert err == {"code": "conflict", "message": "Кто-то изменил это одновременно с вами; вот текущее состояние.",
                   "fields": {}, "current": won.get_json()}
