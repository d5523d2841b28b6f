"""Identity: login forms and API, throttling and locks, forced password change, ending sessions, tokens,
reported compromise."""
from __future__ import annotations

import re


from zhurnal.core import audit
from zhurnal.core.identity.models import ApiToken, CompromiseReport, User
from tests.conftest import DEMO_PASSWORD, login

NEW_PASSWORD = "Novy-parol-2026"


def csrf_token(client, path="/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def actions(app, **where) -> list[str]:
    with app.app_context():
        q = audit.AuditEntry.select().order_by(audit.AuditEntry.id)
        for k, v in where.items():
            q = q.where(getattr(audit.AuditEntry, k) == v)
        return [e.action for e in q]


def user(app, login_name) -> User:
    with app.app_context():
        return User.get(User.login == login_name)


# --- the login form ------------------------------------------------------------------------------------------

def test_login_form_needs_csrf_token_and_logout_too(demo_app):
    c = demo_app.test_client()
    page = c.get("/login")
    assert page.status_code == 200 and "Войти" in page.get_data(as_text=True)
    r = c.post("/login", data={"login": "teacher", "password": DEMO_PASSWORD})
    assert r.status_code == 400  # no token: refused before the password is even looked at
    assert c.get("/api/v1/me").status_code == 401
    r = c.post("/login?next=/account", data={"login": "teacher", "password": DEMO_PASSWORD,
                                             "csrf_token": csrf_token(c)})
    assert r.status_code == 302 and r.headers["Location"] == "/account"
    assert c.get("/api/v1/me").get_json()["login"] == "teacher"
    # an open redirect is not followed
    c2 = demo_app.test_client()
    r = c2.post("/login?next=//evil.example/", data={"login": "teacher", "password": DEMO_PASSWORD,
                                                      "csrf_token": csrf_token(c2)})
    assert r.headers["Location"] == "/"
    assert c.post("/logout").status_code == 400
    assert c.get("/api/v1/me").status_code == 200
    r = c.post("/logout", data={"csrf_token": csrf_token(c, "/account")})
    assert r.status_code == 302 and r.headers["Location"].startswith("/login")
    assert c.get("/api/v1/me").status_code == 401
    assert c.get("/").status_code == 302


def test_wrong_password_on_the_form_is_401_in_russian(demo_app):
    c = demo_app.test_client()
    r = c.post("/login", data={"login": "teacher", "password": "nope", "csrf_token": csrf_token(c)})
    assert r.status_code == 401
    assert "Неверный логин или пароль." in r.get_data(as_text=True)


# --- the API login ---------------------------------------------------------------------------------------------

def test_api_login_same_answer_for_existing_unknown_and_stopped_logins(demo_app):
    c = demo_app.test_client()
    answers = []
    for name in ("teacher", "no-such-person"):
        r = c.post("/api/v1/auth/login", json={"login": name, "password": "wrong-password"})
        answers.append((r.status_code, r.get_json()))
    assert answers[0] == answers[1]
    assert answers[0][0] == 401
    assert answers[0][1]["error"]["code"] == "login_refused"
    # a stopped account is not told apart either, unless the password is right
    admin = login(demo_app, "admin")
    assert admin.post(f"/api/v1/users/{user(demo_app, 'nurse').id}/lock").status_code == 200
    r = c.post("/api/v1/auth/login", json={"login": "nurse", "password": "wrong-password"})
    assert (r.status_code, r.get_json()) == answers[0]
    r = c.post("/api/v1/auth/login", json={"login": "nurse", "password": DEMO_PASSWORD})
    assert r.status_code == 401 and r.get_json()["error"]["message"] != answers[0][1]["error"]["message"]
    # unknown logins leave a trace in the audit too
    with demo_app.app_context():
        e = audit.AuditEntry.select().where(audit.AuditEntry.action == "core.login.failed",
                                            audit.AuditEntry.user_id.is_null()).get()
        assert e.payload == {"login": "no-such-person"}


def test_api_login_validates_input(demo_app):
    c = demo_app.test_client()
    r = c.post("/api/v1/auth/login", json={"login": ""})
    assert r.status_code == 422
    assert set(r.get_json()["error"]["fields"]) == {"login", "password"}
    r = c.post("/api/v1/auth/login", data="login=teacher", content_type="application/x-www-form-urlencoded")
    assert r.status_code == 415


def test_throttling_then_lock(demo_app, clock):
    c = demo_app.test_client()

    def attempt(password="wrong-password"):
        return c.post("/api/v1/auth/login", json={"login": "teacher", "password": password})

    for _ in range(3):  # login_slowdown_after = 3
        assert attempt().status_code == 401
    r = attempt(DEMO_PASSWORD)  # at once: too soon, even with the right password
    assert r.status_code == 429
    body = r.get_json()["error"]
    assert body["code"] == "throttled" and body["retry_after"] == 1
    assert "Слишком много неудачных попыток" in body["message"]
    failures = 3
    while failures < 9:  # each wait doubles: 1, 2, 4, ... seconds
        wait = 2 ** (failures - 3)
        clock.advance(wait - 0.5)
        r = attempt()
        assert r.status_code == 429 and r.get_json()["error"]["retry_after"] == 1
        clock.advance(0.5)
        assert attempt().status_code == 401
        failures += 1
    clock.advance(2 ** (failures - 3))
    assert attempt().status_code == 401  # the 10th failure locks the account
    r = attempt(DEMO_PASSWORD)
    assert r.status_code == 429
    body = r.get_json()["error"]
    assert body["code"] == "locked" and 14 * 60 < body["retry_after"] <= 15 * 60 + 1
    assert "заблокирована" in body["message"]
    # audited, and visible to admins in the list of accounts (API and page)
    assert actions(demo_app, user_id=user(demo_app, "teacher").id).count("core.account.locked") == 1
    admin = login(demo_app, "admin")
    row = admin.get("/api/v1/users?q=teacher").get_json()["items"]
    row = next(u for u in row if u["login"] == "teacher")
    assert row["locked_until"] is not None and row["is_active"] is True
    html = admin.get("/admin/users?q=teacher").get_data(as_text=True)
    assert "заблокирована до" in html
    # the form says so too
    f = demo_app.test_client()
    r = f.post("/login", data={"login": "teacher", "password": DEMO_PASSWORD, "csrf_token": csrf_token(f)})
    assert r.status_code == 429 and "заблокирована" in r.get_data(as_text=True)
    # after the lock the right password works again, and the count starts afresh
    clock.advance(15 * 60 + 1)
    assert attempt(DEMO_PASSWORD).status_code == 200
    assert user(demo_app, "teacher").failed_logins == 0


# --- forced password change ---------------------------------------------------------------------------------

def test_issued_password_must_be_changed_first(demo_app, cli):
    out = cli(demo_app, "users", "create", "novaya.uchitel", "Новикова Анна Сергеевна", "--role", "teacher").output
    issued = re.search(r"password: (\S+)", out).group(1)
    web = demo_app.test_client()
    r = web.post("/login", data={"login": "novaya.uchitel", "password": issued, "csrf_token": csrf_token(web)})
    assert r.status_code == 302 and r.headers["Location"] == "/account/password"
    assert web.get("/").headers["Location"].endswith("/account/password")
    assert web.get("/admin/users").headers["Location"].endswith("/account/password")
    assert web.get("/account/password").status_code == 200

    api = demo_app.test_client()
    assert api.post("/api/v1/auth/login", json={"login": "novaya.uchitel", "password": issued}).status_code == 200
    assert api.get("/api/v1/me").get_json()["must_change_password"] is True
    r = api.get("/api/v1/me/tokens")
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "password_change_required"
    r = api.post("/api/v1/me/password", json={"current_password": issued, "new_password": "short"})
    assert r.status_code == 422 and "new_password" in r.get_json()["error"]["fields"]
    r = api.post("/api/v1/me/password", json={"current_password": "wrong", "new_password": NEW_PASSWORD})
    assert r.status_code == 422 and "current_password" in r.get_json()["error"]["fields"]
    r = api.post("/api/v1/me/password", json={"current_password": issued, "new_password": issued})
    assert r.status_code == 422
    assert api.post("/api/v1/me/password", json={"current_password": issued,
                                                 "new_password": NEW_PASSWORD}).status_code == 204
    assert api.get("/api/v1/me/tokens").status_code == 200  # this session goes on
    assert web.get("/").status_code == 302  # the other one ended with the change
    assert web.get("/api/v1/me").status_code == 401
    login(demo_app, "novaya.uchitel", NEW_PASSWORD)


def test_change_password_on_the_page(demo_app):
    c = demo_app.test_client()
    c.post("/login", data={"login": "nurse", "password": DEMO_PASSWORD, "csrf_token": csrf_token(c)})
    other = login(demo_app, "nurse")
    token = csrf_token(c, "/account/password")
    r = c.post("/account/password", data={"current_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD,
                                          "new_password2": "different", "csrf_token": token})
    assert r.status_code == 422
    r = c.post("/account/password", data={"current_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD,
                                          "new_password2": NEW_PASSWORD, "csrf_token": token})
    assert r.status_code == 302
    assert c.get("/").status_code == 200
    assert other.get("/api/v1/me").status_code == 401


# --- ending every session and token at once ------------------------------------------------------------------

def _sessions_and_token(app, who="teacher"):
    web = app.test_client()
    web.post("/login", data={"login": who, "password": DEMO_PASSWORD, "csrf_token": csrf_token(web)})
    api = login(app, who)
    secret = api.post("/api/v1/me/tokens", json={"name": "скрипт"}).get_json()["token"]
    bearer = {"Authorization": f"Bearer {secret}"}
    assert web.get("/api/v1/me").status_code == 200 and api.get("/api/v1/me").status_code == 200
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 200
    return web, api, bearer


def _all_ended(app, web, api, bearer):
    assert web.get("/api/v1/me").status_code == 401
    assert web.get("/").status_code == 302
    assert api.get("/api/v1/me").status_code == 401
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 401


def test_password_change_ends_other_sessions_and_tokens(demo_app):
    web, api, bearer = _sessions_and_token(demo_app)
    changer = login(demo_app, "teacher")
    assert changer.post("/api/v1/me/password", json={"current_password": DEMO_PASSWORD,
                                                     "new_password": NEW_PASSWORD}).status_code == 204
    _all_ended(demo_app, web, api, bearer)
    assert changer.get("/api/v1/me").status_code == 200


def test_admin_lock_ends_every_session_and_token(demo_app):
    web, api, bearer = _sessions_and_token(demo_app)
    admin = login(demo_app, "admin")
    teacher_id = user(demo_app, "teacher").id
    r = admin.post(f"/api/v1/users/{teacher_id}/lock")
    assert r.status_code == 200 and r.get_json()["user"]["blocked_reason"] == "admin"
    _all_ended(demo_app, web, api, bearer)
    r = demo_app.test_client().post("/api/v1/auth/login", json={"login": "teacher", "password": DEMO_PASSWORD})
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "login_refused"
    assert "остановлена" in r.get_json()["error"]["message"]
    assert admin.post(f"/api/v1/users/{teacher_id}/unlock").status_code == 200
    login(demo_app, "teacher")
    assert {"core.account.lock", "core.account.unlock"} <= set(actions(demo_app, object_type="core_user", object_id=str(teacher_id)))


def test_admin_lock_on_the_accounts_page(demo_app):
    web, api, bearer = _sessions_and_token(demo_app, "klass5a")
    admin = demo_app.test_client()
    admin.post("/login", data={"login": "admin", "password": DEMO_PASSWORD, "csrf_token": csrf_token(admin)})
    uid = user(demo_app, "klass5a").id
    assert admin.post(f"/admin/users/{uid}/lock").status_code == 400  # CSRF
    r = admin.post(f"/admin/users/{uid}/lock", data={"csrf_token": csrf_token(admin, "/admin/users")})
    assert r.status_code == 302
    _all_ended(demo_app, web, api, bearer)


def test_reported_compromise_stops_everything_and_tells_head_and_support(demo_app):
    web, api, bearer = _sessions_and_token(demo_app)
    r = api.post("/api/v1/me/compromised", json={"note": "Телефон украли"})
    assert r.status_code == 202
    report_id = r.get_json()["report_id"]
    assert r.get_json()["status"] == "account_stopped"
    _all_ended(demo_app, web, api, bearer)
    teacher = user(demo_app, "teacher")
    assert not teacher.is_active and teacher.blocked_reason == "compromised"
    with demo_app.app_context():
        report = CompromiseReport.get_by_id(report_id)
        assert report.note == "Телефон украли" and report.notified_at is not None  # the job ran (memory queue)
        told = audit.AuditEntry.get(audit.AuditEntry.action == "core.compromise.notified")
        assert told.payload["recipients"] == ["director", "support"]
        assert told.payload["account"] == "teacher" and told.user_id is None
        assert ApiToken.select().where(ApiToken.user == teacher.id, ApiToken.revoked_at.is_null()).count() == 0
    for who in ("director", "support", "admin"):
        c = login(demo_app, who)
        html = c.get("/admin/incidents").get_data(as_text=True)
        assert "Телефон украли" in html and "<code>teacher</code>" in html, who
        assert "ожидается" not in html  # told, not pending
    for who in ("deputy", "klass5a", "parent1"):
        assert login(demo_app, who).get("/admin/incidents").status_code == 403, who
    # told in-app: on the start page of the director
    home = login(demo_app, "director").get("/").get_data(as_text=True)
    assert "Скомпрометированные учётные данные" in home and "Телефон украли" in home
    assert "Скомпрометированные" not in login(demo_app, "deputy").get("/").get_data(as_text=True)


def test_compromise_report_on_the_page(demo_app):
    c = demo_app.test_client()
    c.post("/login", data={"login": "parent1", "password": DEMO_PASSWORD, "csrf_token": csrf_token(c)})
    token = csrf_token(c, "/account/compromised")
    r = c.post("/account/compromised", data={"note": "x", "csrf_token": token})
    assert r.status_code == 422  # not confirmed
    r = c.post("/account/compromised", data={"note": "Пароль видел чужой", "confirm": "yes", "csrf_token": token})
    assert r.status_code == 200
    assert c.get("/api/v1/me").status_code == 401
    assert not user(demo_app, "parent1").is_active


# --- personal API tokens -------------------------------------------------------------------------------------

def test_personal_tokens(demo_app):
    me = login(demo_app, "klass5a")
    r = me.post("/api/v1/me/tokens", json={"name": "Выгрузка оценок"})
    assert r.status_code == 201
    created = r.get_json()
    secret = created["token"]
    assert secret.startswith("zh_") and created["prefix"] == secret[:10]
    listed = me.get("/api/v1/me/tokens").get_json()
    assert [t["name"] for t in listed] == ["Выгрузка оценок"]
    assert "token" not in listed[0]  # shown once only
    with demo_app.app_context():
        assert secret not in ApiToken.get_by_id(created["id"]).token_hash  # only a hash is kept
    script = demo_app.test_client()
    bearer = {"Authorization": f"Bearer {secret}"}
    assert script.get("/api/v1/me", headers=bearer).get_json()["login"] == "klass5a"
    assert script.get("/api/v1/me", headers={"Authorization": "Bearer zh_forged"}).status_code == 401
    assert script.get("/api/v1/me", headers={"Authorization": f"Basic {secret}"}).status_code == 401
    other = login(demo_app, "teacher")
    assert other.delete(f"/api/v1/me/tokens/{created['id']}").status_code == 404
    assert script.get("/api/v1/me", headers=bearer).status_code == 200
    assert me.delete(f"/api/v1/me/tokens/{created['id']}").status_code == 204
    assert script.get("/api/v1/me", headers=bearer).status_code == 401
    assert me.delete(f"/api/v1/me/tokens/{created['id']}").status_code == 404
    assert me.get("/api/v1/me/tokens").get_json() == []
    acts = actions(demo_app, object_type="core_api_token")
    assert acts == ["core.token.create", "core.token.revoke"]


def test_token_page(demo_app):
    c = demo_app.test_client()
    c.post("/login", data={"login": "deputy", "password": DEMO_PASSWORD, "csrf_token": csrf_token(c)})
    html = c.post("/account/tokens", data={"name": "Отчёт", "csrf_token": csrf_token(c, "/account")}).get_data(as_text=True)
    secret = re.search(r"(zh_[A-Za-z0-9_\-]{20,})", html).group(1)
    assert demo_app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    with demo_app.app_context():
        tok = ApiToken.get(ApiToken.name == "Отчёт")
    r = c.post(f"/account/tokens/{tok.id}/revoke", data={"csrf_token": csrf_token(c, "/account")})
    assert r.status_code == 302
    assert demo_app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_compromise_since_marks_later_actions_invalid(demo_app):
    """Support reports for a locked-out user: the account stops, and what was done with it from
    the moment the credentials leaked is marked invalid in the audit."""
    import datetime as dt
    from zhurnal.core import audit
    from zhurnal.core.db import utcnow
    from zhurnal.core.identity.models import CompromiseReport, User
    from tests.conftest import login as api_login

    victim = api_login(demo_app, "klass5a")
    victim.post("/api/v1/me/tokens", json={"name": "before"})          # audited action by klass5a
    with demo_app.app_context():
        uid = User.get(User.login == "klass5a").id
        first = audit.AuditEntry.select().where(audit.AuditEntry.user_id == uid).order_by(audit.AuditEntry.id).first()
        since = first.at - dt.timedelta(seconds=1)
    sup = api_login(demo_app, "support")
    r = sup.post(f"/api/v1/users/{uid}/compromised",
                 json={"note": "пароль видели посторонние", "since": since.isoformat()})
    assert r.status_code == 202
    assert victim.get("/api/v1/me").status_code == 401              # session ended at once
    with demo_app.app_context():
        report = CompromiseReport.get(CompromiseReport.user == uid)
        assert report.reported_by.login == "support" and report.compromised_since == since
        made = {e.id for e in audit.AuditEntry.select().where((audit.AuditEntry.user_id == uid) &
                                                              (audit.AuditEntry.at >= since))}
        voided = {r.entry_id for r in audit.AuditInvalid.select()}
        assert made and made <= voided
        assert not audit.verify()
    # the audit page shows them as invalid to the director
    page = api_login(demo_app, "director").get("/admin/audit?login=klass5a").get_data(as_text=True)
    assert "invalid" in page or "недействительно" in page
    # a parent may not report someone else
    assert api_login(demo_app, "parent1").post(f"/api/v1/users/{uid}/compromised", json={}).status_code in (403, 404)


def test_a_logged_in_request_reads_account_school_and_roles_in_one_statement(demo_app):
    from tests.utils import count_queries
    c = login(demo_app, "parent1")           # two children: several role assignments
    with count_queries() as q:
        me = c.get("/api/v1/me").get_json()
    assert q.count == 1, q.queries
    assert me["roles"] == ["parent"] and me["school_id"]
    assert len(me["role_assignments"]) >= 2                      # one per child, all from that statement


def test_an_unknown_login_is_slowed_down_and_locked_like_an_account(demo_app, clock):
    """Trying logins must not tell which accounts exist: 401, 429 throttled and 429 locked come
    after the same number of failures whether or not the login names an account."""
    def answers(login_name):
        c = demo_app.test_client()   # each from its own address: the address's own count is another matter
        c.environ_base["REMOTE_ADDR"] = "192.0.2.1" if login_name == "teacher" else "192.0.2.2"
        out = []
        while len(out) < 40 and (not out or out[-1][1] != "locked"):
            r = c.post("/api/v1/auth/login", json={"login": login_name, "password": "wrong-password"})
            body = r.get_json()
            out.append((r.status_code, body["error"]["code"], body["error"].get("retry_after")))
            if r.status_code == 429 and body["error"]["code"] == "throttled":
                clock.advance(body["error"]["retry_after"])
        return out

    known, unknown = answers("teacher"), answers("nobody-here")
    assert known == unknown
    assert unknown[0][0] == 401 and ("throttled" in {a[1] for a in unknown}) and unknown[-1][:2] == (429, "locked")
    from zhurnal.core.identity.models import LoginFailure
    from zhurnal.core.identity.service import forget_login_failures
    with demo_app.app_context():
        assert LoginFailure.get_by_id("nobody-here").locked_until is not None
        clock.advance(2 * 24 * 3600)
        assert forget_login_failures() == 3 and LoginFailure.select().count() == 0   # and the two addresses
