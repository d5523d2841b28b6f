"""A stale edit of a health sheet through the API: the kernel's 409, and showing the current sheet in it
is an audited read like any other (152-FZ)."""
from __future__ import annotations

from tests.conftest import login

from .conftest import last_audit_id, reads, small_school


def test_stale_edit_answers_the_current_sheet_and_audits_the_read(make_app):
    app = make_app(plugins=["roster", "health_sheet"])
    s = small_school(app)
    sid = s["students"][0]
    url = f"/api/v1/students/{sid}/health"
    assert login(app, "nurse").put(url, json={"version": 0, "health_group": 1}).status_code == 200
    since = last_audit_id(app)
    r = login(app, "klass").put(url, json={"version": 0, "health_group": 2})
    assert r.status_code == 409
    err = r.get_json()["error"]
    assert err["code"] == "conflict" and err["message"].startswith("Лист здоровья уже изменил другой пользователь")
    assert err["current"]["version"] == 1 and err["current"]["health_group"] == 1
    [read] = reads(app, since)
    assert read.login == "klass" and read.object_type == "roster_student" and read.object_id == str(sid)
    assert read.payload == {"via": "health_sheet_api.save_health", "students": [sid], "view": "full"}


def test_stale_version_without_a_sheet_answers_the_empty_sheet(make_app):
    """No sheet yet, but the editor claims version 2: 409 with the empty sheet (version 0), audited too."""
    app = make_app(plugins=["roster", "health_sheet"])
    s = small_school(app)
    sid = s["students"][1]
    since = last_audit_id(app)
    r = login(app, "nurse").put(f"/api/v1/students/{sid}/health", json={"version": 2, "health_group": 2})
    assert r.status_code == 409
    current = r.get_json()["error"]["current"]
    assert current["exists"] is False and current["version"] == 0 and current["student_id"] == sid
    assert [e.login for e in reads(app, since)] == ["nurse"]
