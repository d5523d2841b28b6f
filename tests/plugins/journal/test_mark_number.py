"""A mark's value may be sent as a JSON number for numeric scales (``"value": 5``), as well as a string."""
from __future__ import annotations

import pytest


def test_a_number_is_the_same_mark_as_its_string(as_user, ids):
    c = as_user("teacher")
    r = c.post("/api/v1/marks", json={"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a"], "value": 5})
    assert r.status_code == 201, r.get_json()
    m = r.get_json()
    assert m["value"] == "5" and m["numeric"] == 5
    r = c.patch(f"/api/v1/marks/{m['id']}", json={"value": 4.0, "version": m["version"]})
    assert r.status_code == 200 and r.get_json()["value"] == "4"
    r = c.post("/api/v1/marks", json={"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a"], "value": "3"})
    assert r.status_code == 201 and r.get_json()["value"] == "3"


@pytest.mark.parametrize("value", [True, 10**18, 7, -1, 1e300, None, [5]])
def test_numbers_that_are_no_mark_are_422(as_user, ids, value):
    r = as_user("teacher").post("/api/v1/marks", json={"student_id": ids["other_5a"],
                                                        "lesson_id": ids["lesson_math_5a"], "value": value})
    assert r.status_code == 422, (value, r.get_json())
    assert "value" in r.get_json()["error"]["fields"]
