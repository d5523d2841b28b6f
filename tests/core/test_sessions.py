"""Server-side sessions: logout ends the session itself, the list of one's sessions with
"end this one" / "end all others", a notice on sign-in from a new device, failing closed."""
from __future__ import annotations

import re

from zhurnal.core import audit
from tests.conftest import DEMO_PASSWORD, login


def _copy(client, app):
    """A second client holding a saved copy of ``client``'s cookies (what a thief keeps)."""
    thief = app.test_client()
    for cookie in client._cookies.values():
        thief.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    return thief


def _csrf(client, path="/account") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def test_api_logout_ends_the_session_on_the_server(demo_app):
    c = login(demo_app, "parent1")
    saved = _copy(c, demo_app)
    assert saved.get("/api/v1/me").status_code == 200
    assert c.post("/api/v1/auth/logout").status_code == 204
    assert saved.get("/api/v1/me").status_code == 401
    assert saved.get("/diary/", follow_redirects=False).status_code in (302, 401)


def test_page_logout_ends_the_session_on_the_server(demo_app):
    c = demo_app.test_client()
    r = c.post("/login", data={"login": "parent1", "password": DEMO_PASSWORD, "csrf_token": _csrf(c, "/login")})
    assert r.status_code == 302
    saved = _copy(c, demo_app)
    assert saved.get("/api/v1/me").status_code == 200
    assert c.post("/logout", data={"csrf_token": _csrf(c)}).status_code == 302
    assert saved.get("/api/v1/me").status_code == 401
    assert saved.get("/account").status_code == 302


def test_list_own_sessions_end_one_and_end_all_others(demo_app):
    phone, laptop, tablet = (login(demo_app, "teacher") for _ in range(3))
    listed = laptop.get("/api/v1/me/sessions").get_json()
    assert len(listed) == 3 and sum(s["current"] for s in listed) == 1
    phone_id = phone.get("/api/v1/me/sessions").get_json()
    phone_id = next(s["id"] for s in phone_id if s["current"])
    assert laptop.delete(f"/api/v1/me/sessions/{phone_id}").status_code == 204
    assert phone.get("/api/v1/me").status_code == 401
    assert laptop.delete(f"/api/v1/me/sessions/{phone_id}").status_code == 404
    # another account's session cannot be ended (404: not known)
    other = login(demo_app, "parent1")
    other_id = next(s["id"] for s in other.get("/api/v1/me/sessions").get_json() if s["current"])
    assert laptop.delete(f"/api/v1/me/sessions/{other_id}").status_code == 404
    assert other.get("/api/v1/me").status_code == 200
    r = laptop.post("/api/v1/me/sessions/end-others")
    assert r.status_code == 200 and r.get_json() == {"ended": 1}
    assert tablet.get("/api/v1/me").status_code == 401
    assert laptop.get("/api/v1/me").status_code == 200
    acts = [e.action for e in _entries(demo_app)]
    assert "core.session.end" in acts and "core.session.end_others" in acts


def test_sessions_on_the_account_page(demo_app):
    c = demo_app.test_client()
    c.post("/login", data={"login": "teacher", "password": DEMO_PASSWORD, "csrf_token": _csrf(c, "/login")})
    other = login(demo_app, "teacher")
    page = c.get("/account").get_data(as_text=True)
    assert "end-others" in page and page.count('class="session-row') == 2
    r = c.post("/account/sessions/end-others", data={"csrf_token": _csrf(c)})
    assert r.status_code == 302 and other.get("/api/v1/me").status_code == 401
    assert c.get("/api/v1/me").status_code == 200


def test_sign_in_from_a_new_device_is_announced(demo_app):
    c = login(demo_app, "teacher")          # the first sign-in ever: nothing to compare with
    assert "core.login.new_device" not in [e.action for e in _entries(demo_app)]
    c.post("/api/v1/auth/logout")
    login_again = c.post("/api/v1/auth/login", json={"login": "teacher", "password": DEMO_PASSWORD})
    assert login_again.status_code == 200   # the same browser (device cookie): no notice
    assert "core.login.new_device" not in [e.action for e in _entries(demo_app)]
    login(demo_app, "teacher")               # a fresh client: a new device
    assert [e.action for e in _entries(demo_app)].count("core.login.new_device") == 1


def test_requests_fail_closed_when_the_session_store_is_unreachable(demo_app):
    c = login(demo_app, "parent1")
    from zhurnal.core import db
    with demo_app.app_context():
        db.database.execute_sql("ALTER TABLE core_session RENAME TO core_session_gone")
    r = c.get("/api/v1/me")
    assert r.status_code == 503
    assert c.get("/diary/").status_code == 503


def _entries(app):
    with app.app_context():
        return list(audit.AuditEntry.select().order_by(audit.AuditEntry.id))


def test_the_new_device_notice_reaches_the_channels(demo_app):
    from zhurnal.core.hookspecs import hookimpl
    seen = []

    class Channel:
        @hookimpl
        def zhurnal_security_alert(self, alert):
            seen.append(alert)
            return "test-channel"

    pm = demo_app.extensions["zhurnal"].plugins.pm
    pm.register(Channel(), name="test-channel")
    try:
        login(demo_app, "nurse")
        login(demo_app, "nurse")
    finally:
        pm.unregister(name="test-channel")
    notices = [a for a in seen if a.kind == "new_device_login"]
    assert len(notices) == 1 and [u.login for u in notices[0].recipients] == ["nurse"]


def test_old_sessions_are_forgotten_at_night(demo_app):
    import datetime as dt
    from zhurnal.core.identity.models import UserSession
    from zhurnal.core.identity.service import forget_login_failures
    c = login(demo_app, "parent1")
    c.post("/api/v1/auth/logout")
    live = login(demo_app, "parent1")
    with demo_app.app_context():
        UserSession.update(ended_at=dt.datetime(2020, 1, 1)).where(UserSession.ended_at.is_null(False)).execute()
        before = UserSession.select().count()
        forget_login_failures()
        assert UserSession.select().count() == before - 1
    assert live.get("/api/v1/me").status_code == 200


def test_a_failing_channel_does_not_stop_the_sign_in(demo_app):
    from zhurnal.core.hookspecs import hookimpl

    class Broken:
        @hookimpl
        def zhurnal_security_alert(self, alert):
            raise RuntimeError("SMTP down")

    pm = demo_app.extensions["zhurnal"].plugins.pm
    pm.register(Broken(), name="broken-channel")
    try:
        login(demo_app, "nurse")
        c = login(demo_app, "nurse")          # a new device: the notice fails, the sign-in does not
    finally:
        pm.unregister(name="broken-channel")
    assert c.get("/api/v1/me").status_code == 200
    assert [e.action for e in _entries(demo_app)].count("core.login.new_device") == 1


def test_a_session_unused_for_session_hours_is_over(demo_app):
    import datetime as dt
    from zhurnal.core.identity.models import UserSession
    c = login(demo_app, "parent1")
    with demo_app.app_context():
        UserSession.update(last_seen_at=dt.datetime.utcnow() - dt.timedelta(hours=13)).execute()  # session_hours = 12
    assert c.get("/api/v1/me").status_code == 401
