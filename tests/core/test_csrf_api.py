"""Cookie-authenticated API writes need a same-origin Origin/Referer or a CSRF token; Bearer
tokens are exempt. The probe's three requests (an issued password, a period closed, a multipart
class import) with ``Origin: https://evil.example`` and only the cookie are refused."""
from __future__ import annotations

import io
import re

import pytest

from zhurnal.core.identity.models import User
from tests.conftest import login

EVIL = {"Origin": "https://evil.example"}


def _ids(app):
    from zhurnal.plugins.journal.models import Period
    from zhurnal.plugins.roster.models import SchoolClass, Student
    with app.app_context():
        return {"student": Student.select().order_by(Student.id).first().id,
                "period": Period.select().where(Period.closed_at.is_null()).order_by(Period.id).first().id,
                "class": SchoolClass.select().order_by(SchoolClass.id).first().id}


@pytest.mark.parametrize("headers", [EVIL, {"Origin": "null"}, {"Referer": "https://evil.example/page"},
                                     {"Origin": "http://localhost.evil.example"},
                                     {"Origin": "https://localhost"}])
def test_cross_site_cookie_writes_are_refused_and_change_nothing(demo_app, headers):
    ids = _ids(demo_app)
    admin = login(demo_app, "admin")
    r = admin.post(f"/api/v1/students/{ids['student']}/account", headers=headers)
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "csrf_failed"
    r = admin.post(f"/api/v1/periods/{ids['period']}/close", headers=headers)
    assert r.status_code == 403
    r = admin.post(f"/api/v1/classes/{ids['class']}/import", headers=headers, content_type="multipart/form-data",
                   data={"file": (io.BytesIO("Фамилия;Имя\nИванов;Иван\n".encode()), "list.csv")})
    assert r.status_code == 403
    assert admin.post("/api/v1/auth/logout", headers=headers).status_code == 403
    from zhurnal.plugins.journal.models import Period
    with demo_app.app_context():
        assert Period.get_by_id(ids["period"]).closed_at is None
    assert admin.get("/api/v1/me", headers=headers).status_code == 200   # reads are not writes


def test_same_origin_and_base_url_and_csrf_token_pass(demo_app):
    ids = _ids(demo_app)
    admin = login(demo_app, "deputy")
    r = admin.post(f"/api/v1/periods/{ids['period']}/close", headers={"Origin": "http://localhost"})
    assert r.status_code in (200, 204), r.get_json()
    r = admin.post(f"/api/v1/periods/{ids['period']}/reopen", headers={"Referer": "http://localhost/journal/periods"})
    assert r.status_code != 403
    # the configured public address (behind a proxy the Host may be internal)
    base = demo_app.extensions["zhurnal"].settings.base_url
    assert admin.get("/api/v1/me/tokens", headers={"Origin": base}).status_code == 200
    assert admin.post("/api/v1/me/tokens", json={"name": "x"}, headers={"Origin": base}).status_code == 201
    # a page's CSRF token in X-CSRFToken also passes (a client that sends no Origin)
    html = admin.get("/account").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    r = admin.post("/api/v1/me/tokens", json={"name": "y"}, headers={"Origin": "null", "X-CSRFToken": token})
    assert r.status_code == 201
    r = admin.post("/api/v1/me/tokens", json={"name": "z"}, headers={"Origin": "null", "X-CSRFToken": "forged"})
    assert r.status_code == 403


def test_bearer_token_requests_are_exempt_but_a_bogus_bearer_does_not_lend_a_cookie_its_exemption(demo_app):
    ids = _ids(demo_app)
    admin = login(demo_app, "deputy")
    secret = admin.post("/api/v1/me/tokens", json={"name": "script"}).get_json()["token"]
    script = demo_app.test_client()
    r = script.post(f"/api/v1/periods/{ids['period']}/close",
                    headers={**EVIL, "Authorization": f"Bearer {secret}"})
    assert r.status_code in (200, 204)
    r = admin.post(f"/api/v1/periods/{ids['period']}/reopen",
                   headers={**EVIL, "Authorization": "Bearer zh_not-a-real-token"})
    assert r.status_code == 403
