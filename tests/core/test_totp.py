"""Staff's optional TOTP second factor, required by a school setting."""
from __future__ import annotations

import re

import pyotp

from zhurnal.core.identity.models import School, User
from tests.conftest import DEMO_PASSWORD, login


def _code(secret: str, shift: int = 0) -> str:
    import time
    return pyotp.TOTP(secret).at(time.time() + shift * 30)


def test_enrol_then_every_sign_in_needs_a_code_accepted_once(demo_app):
    c = login(demo_app, "teacher")
    assert c.get("/api/v1/me/totp").get_json() == {"enabled": False, "required": False}
    started = c.post("/api/v1/me/totp").get_json()
    assert started["otpauth_uri"].startswith("otpauth://totp/") and started["secret"]
    assert c.post("/api/v1/me/totp/confirm", json={"code": "000000"}).status_code == 422
    assert c.post("/api/v1/me/totp/confirm", json={"code": _code(started["secret"])}).get_json()["enabled"] is True
    fresh = demo_app.test_client()
    r = fresh.post("/api/v1/auth/login", json={"login": "teacher", "password": DEMO_PASSWORD})
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "totp_required"
    r = fresh.post("/api/v1/auth/login", json={"login": "teacher", "password": DEMO_PASSWORD, "totp": "123456"})
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "totp_invalid"
    code = _code(started["secret"], 1)
    r = fresh.post("/api/v1/auth/login", json={"login": "teacher", "password": DEMO_PASSWORD, "totp": code})
    assert r.status_code == 200
    again = demo_app.test_client()                       # the same code again: refused (replay)
    r = again.post("/api/v1/auth/login", json={"login": "teacher", "password": DEMO_PASSWORD, "totp": code})
    assert r.status_code == 401
    # a wrong code counts as a failed login
    with demo_app.app_context():
        assert User.get(User.login == "teacher").failed_logins == 1   # the replay (the success reset it)
    # parents have no second factor to set up
    assert login(demo_app, "parent1").post("/api/v1/me/totp").status_code == 403


def test_a_school_requires_it_of_staff_who_must_enrol_first(demo_app):
    admin = login(demo_app, "admin")
    with demo_app.app_context():
        sid = School.select().first().id
    assert admin.put(f"/api/v1/schools/{sid}/security", json={"staff_totp_required": True}).get_json() == \
        {"staff_totp_required": True}
    assert login(demo_app, "teacher").get("/api/v1/schools/%d/security" % sid).status_code == 403
    t = login(demo_app, "teacher")
    r = t.get("/api/v1/classes")
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "totp_enrollment_required"
    assert t.get("/journal/today").status_code == 302
    assert t.get("/api/v1/me/totp").get_json() == {"enabled": False, "required": True}
    secret = t.post("/api/v1/me/totp").get_json()["secret"]
    assert t.post("/api/v1/me/totp/confirm", json={"code": _code(secret)}).status_code == 200
    assert t.get("/api/v1/classes").status_code == 200
    assert t.delete("/api/v1/me/totp", json={"code": _code(secret, 1)}).status_code == 409   # required: stays on
    # parents are not asked
    assert login(demo_app, "parent1").get("/api/v1/me/tokens").status_code == 200


def test_enrol_and_sign_in_through_the_pages(demo_app):
    c = demo_app.test_client()

    def token(path):
        return re.search(r'name="csrf_token" value="([^"]+)"', c.get(path).get_data(as_text=True)).group(1)

    c.post("/login", data={"login": "nurse", "password": DEMO_PASSWORD, "csrf_token": token("/login")})
    page = c.post("/account/totp", data={"action": "start", "csrf_token": token("/account/totp")})
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.get_data(as_text=True)).group(1)
    r = c.post("/account/totp", data={"action": "confirm", "code": _code(secret), "csrf_token": token("/account/totp")})
    assert r.status_code == 302
    c.post("/logout", data={"csrf_token": token("/account")})
    r = c.post("/login", data={"login": "nurse", "password": DEMO_PASSWORD, "csrf_token": token("/login")})
    assert r.status_code == 401 and 'name="totp"' in r.get_data(as_text=True)
    r = c.post("/login", data={"login": "nurse", "password": DEMO_PASSWORD, "totp": _code(secret, 1),
                               "csrf_token": token("/login")})
    assert r.status_code == 302


def test_the_admin_switches_the_requirement_on_a_page(demo_app):
    admin = login(demo_app, "admin")
    page = admin.get("/admin/security").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert 'name="staff_totp_required"' in page and "checked" not in page
    assert login(demo_app, "director").get("/admin/security").status_code == 403
    assert admin.post("/admin/security", data={"csrf_token": token, "staff_totp_required": "1"}).status_code == 302
    assert "checked" in admin.get("/admin/security").get_data(as_text=True)
    assert login(demo_app, "teacher").get("/api/v1/classes").status_code == 403     # must enrol first
    assert login(demo_app, "director").get("/admin/security").status_code == 302    # to /account/totp
