"""Lockout is no longer a weapon: one address is throttled across accounts, a locked account
opens with a one-time code or by the admin, and the failure counter counts every parallel try."""
from __future__ import annotations

import threading

from zhurnal.core.identity.models import LoginAddress, User
from tests.conftest import DEMO_PASSWORD, login

SEC = {"argon2_time_cost": 1, "argon2_memory_cost": 8, "argon2_parallelism": 1}


def _client(app, ip):
    c = app.test_client()
    c.environ_base["REMOTE_ADDR"] = ip
    return c


def test_one_address_is_slowed_down_across_accounts(demo_app):
    bad = _client(demo_app, "203.0.113.7")
    logins = ["teacher", "parent1", "parent2", "director", "nurse", "klass5a", "admin"] + [f"nobody{i}" for i in range(13)]
    for name in logins:                                   # 20 failures, each account below its own limit
        r = bad.post("/api/v1/auth/login", json={"login": name, "password": "wrong-password"})
        assert r.status_code == 401, (name, r.status_code)
    r = bad.post("/api/v1/auth/login", json={"login": "deputy", "password": DEMO_PASSWORD})
    assert r.status_code == 429 and r.get_json()["error"]["code"] == "throttled"
    # the accounts themselves are not locked: their owners log in from elsewhere
    good = _client(demo_app, "198.51.100.20")
    assert good.post("/api/v1/auth/login", json={"login": "teacher", "password": DEMO_PASSWORD}).status_code == 200
    with demo_app.app_context():
        assert LoginAddress.get_by_id("203.0.113.7").failed_logins == 20


def _lock(app, name):
    for i in range(10):
        c = _client(app, f"192.0.2.{i + 1}")            # from many addresses, as an attacker would
        with app.app_context():
            User.update(last_failed_at=None).where(User.login == name).execute()   # skip the waits
        c.post("/api/v1/auth/login", json={"login": name, "password": "wrong-password"})
    with app.app_context():
        assert User.get(User.login == name).locked_until is not None


def test_a_locked_account_opens_with_a_one_time_code_from_a_slip(demo_app):
    _lock(demo_app, "teacher")
    c = _client(demo_app, "198.51.100.30")
    r = c.post("/api/v1/auth/login", json={"login": "teacher", "password": DEMO_PASSWORD})
    assert r.status_code == 429 and r.get_json()["error"]["code"] == "locked"
    admin = login(demo_app, "admin")
    with demo_app.app_context():
        uid = User.get(User.login == "teacher").id
    code = admin.post(f"/api/v1/users/{uid}/unlock-code").get_json()["unlock_code"]
    r = c.post("/api/v1/auth/login", json={"login": "teacher", "password": DEMO_PASSWORD, "unlock_code": "WRONG-CODE"})
    assert r.status_code == 429
    r = c.post("/api/v1/auth/login", json={"login": "teacher", "password": "wrong", "unlock_code": code})
    assert r.status_code == 401                                  # the code alone opens nothing
    r = c.post("/api/v1/auth/login", json={"login": "teacher", "password": DEMO_PASSWORD, "unlock_code": code})
    assert r.status_code == 200
    with demo_app.app_context():
        assert User.get(User.login == "teacher").locked_until is None
    # spent: it does not open the next lock
    _lock(demo_app, "teacher")
    r = c.post("/api/v1/auth/login", json={"login": "teacher", "password": DEMO_PASSWORD, "unlock_code": code})
    assert r.status_code == 429
    # and the admin can still open it
    assert admin.post(f"/api/v1/users/{uid}/unlock").status_code == 200
    assert c.post("/api/v1/auth/login", json={"login": "teacher", "password": DEMO_PASSWORD}).status_code == 200


def test_asking_for_an_emailed_code_tells_nothing(demo_app):
    c = demo_app.test_client()
    for name in ("teacher", "no-such-login"):
        r = c.post("/api/v1/auth/unlock-code", json={"login": name})
        assert r.status_code == 202 and r.get_json() == {"status": "accepted"}


def test_parallel_wrong_passwords_all_count(make_app):
    app = make_app(security={**SEC, "login_slowdown_after": 1000, "login_lock_after": 1000,
                             "address_slowdown_after": 1000})
    from zhurnal.core.identity import service
    with app.app_context():
        service.create_user("target", "Цель", password=DEMO_PASSWORD)
    n, barrier, codes = 12, threading.Barrier(12), []

    def attempt(i):
        c = _client(app, f"10.0.0.{i + 1}")
        barrier.wait()
        codes.append(c.post("/api/v1/auth/login", json={"login": "target", "password": f"wrong-{i}"}).status_code)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert codes == [401] * n
    with app.app_context():
        assert User.get(User.login == "target").failed_logins == n


def test_the_login_form_offers_the_code_when_locked(demo_app):
    import re
    _lock(demo_app, "teacher")
    c = _client(demo_app, "198.51.100.31")
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").get_data(as_text=True)).group(1)
    r = c.post("/login", data={"login": "teacher", "password": DEMO_PASSWORD, "csrf_token": token})
    html = r.get_data(as_text=True)
    assert r.status_code == 429 and 'name="unlock_code"' in html and "/login/unlock-code" in html
    r = c.post("/login/unlock-code", data={"login": "teacher", "csrf_token": token})
    assert r.status_code == 302
    with demo_app.app_context():
        from zhurnal.core import audit
        assert audit.AuditEntry.select().where(audit.AuditEntry.action == "core.unlock_code.sent").exists()


class _Channel:
    """A channel plugin as the email one is: takes security notices (kept here to read them back)."""

    def __init__(self):
        self.alerts = []

    from zhurnal.core.hookspecs import hookimpl

    @hookimpl
    def zhurnal_security_alert(self, alert):
        self.alerts.append(alert)
        return "test-channel"


def test_a_code_sent_to_the_owner_opens_the_account(demo_app):
    channel = _Channel()
    pm = demo_app.extensions["zhurnal"].plugins.pm
    pm.register(channel, name="test-channel")
    try:
        _lock(demo_app, "teacher")
        c = _client(demo_app, "198.51.100.40")
        assert c.post("/api/v1/auth/unlock-code", json={"login": "teacher"}).status_code == 202
        sent = [a for a in channel.alerts if a.kind == "unlock_code"]
        assert len(sent) == 1 and [u.login for u in sent[0].recipients] == ["teacher"]
        code = sent[0].data["code"]
        r = c.post("/api/v1/auth/login", json={"login": "teacher", "password": DEMO_PASSWORD, "unlock_code": code})
        assert r.status_code == 200
        # nothing is sent for an account that is not locked
        assert c.post("/api/v1/auth/unlock-code", json={"login": "teacher"}).status_code == 202
        assert len([a for a in channel.alerts if a.kind == "unlock_code"]) == 1
    finally:
        pm.unregister(name="test-channel")


def test_staff_issue_an_unlock_code_on_the_accounts_page(demo_app):
    import re
    _lock(demo_app, "teacher")
    admin = login(demo_app, "admin")
    page = admin.get("/admin/users?q=teacher").get_data(as_text=True)
    assert "unlock-code" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    with demo_app.app_context():
        uid = User.get(User.login == "teacher").id
    html = admin.post(f"/admin/users/{uid}/unlock-code", data={"csrf_token": token}).get_data(as_text=True)
    code = re.search(r'<code class="password">([0-9A-F-]+)</code>', html).group(1)
    c = _client(demo_app, "198.51.100.50")
    r = c.post("/api/v1/auth/login", json={"login": "teacher", "password": DEMO_PASSWORD, "unlock_code": code})
    assert r.status_code == 200
