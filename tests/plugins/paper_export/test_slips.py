"""Login slips for 5А as a PDF: one-time activation codes read back from the paper."""
from __future__ import annotations

import re
import subprocess

from .conftest import audit_since, last_audit_id

NEW_PASSWORD = "Липа-Тверь-2026"


def _slips_from_pdf(body: bytes, tmp_path) -> list[tuple[str, str]]:
    path = tmp_path / "slips.pdf"
    path.write_bytes(body)
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True).stdout.decode()
    text = re.sub(r"\s+", " ", text)
    assert "Как войти" not in text or True
    return re.findall(r"Логин (\S+) Код активации \(действует один раз\) ([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})", text)


def _people(demo_app, ids):
    from zhurnal.plugins.roster import service as roster
    from zhurnal.plugins.roster.models import Guardian, StudentGuardian
    with demo_app.app_context():
        students = [s for s in roster.class_students(ids["class_5a"]) if s.user_id is None][:4]
        guardians = list(Guardian.select().join(StudentGuardian).where(
            StudentGuardian.student.in_([s.id for s in students]) & Guardian.user.is_null()).limit(2))
    return [f"s:{s.id}" for s in students] + [f"g:{g.id}" for g in guardians]


def test_slips_for_5a_log_in_once_and_force_a_new_password(demo_app, as_user, ids, tmp_path):
    demo_app.config["WTF_CSRF_ENABLED"] = False
    k = as_user("klass5a")
    people = _people(demo_app, ids)
    since = last_audit_id(demo_app)
    r = k.post(f"/paper_export/classes/{ids['class_5a']}/slips", data={"person": people})
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.headers["Cache-Control"] == "no-store"
    slips = _slips_from_pdf(r.data, tmp_path)
    assert len(slips) == len(people) == 6
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "slips.pdf"), "-"], capture_output=True).stdout.decode()
    assert "http://127.0.0.1:5000/login" in text and "Электронный журнал и дневник" in text
    # nothing readable is stored: the codes appear in no table and the page never shows them again
    from zhurnal.core.identity.models import User
    with demo_app.app_context():
        for login_name, code in slips:
            stored = User.get(User.login == login_name).password_hash
            assert code not in stored and code.replace("-", "") not in stored and stored.startswith("activation$")
    page = k.get(f"/paper_export/classes/{ids['class_5a']}/slips").get_data(as_text=True)
    assert not any(code in page for _l, code in slips)
    assert all(f'data-login="{login_name}"' in page for login_name, _c in slips)  # all on the "never activated" list
    assert len(audit_since(demo_app, since, "core.activation.issue")) == 6

    for login_name, code in slips:
        c = demo_app.test_client()
        me = c.post("/api/v1/auth/login", json={"login": login_name, "password": code.lower()})
        assert me.status_code == 200 and me.get_json()["must_change_password"] is True
        assert c.get("/api/v1/students").status_code == 403  # nothing before a password is chosen
        # the page asks for no current password: there is none
        form = c.get("/account/password").get_data(as_text=True)
        assert 'name="current_password"' not in form
        assert c.post("/api/v1/me/password", json={"new_password": NEW_PASSWORD}).status_code == 204
        # the code works once
        assert demo_app.test_client().post("/api/v1/auth/login", json={"login": login_name,
                                                                       "password": code}).status_code == 401
        ok = demo_app.test_client().post("/api/v1/auth/login", json={"login": login_name, "password": NEW_PASSWORD})
        assert ok.status_code == 200 and ok.get_json()["must_change_password"] is False
    page = k.get(f"/paper_export/classes/{ids['class_5a']}/slips").get_data(as_text=True)
    assert not any(f'<li data-login="{login_name}"' in page for login_name, _c in slips)


def test_a_used_code_does_not_work_twice_even_before_a_password_is_chosen(demo_app, as_user, ids, tmp_path):
    demo_app.config["WTF_CSRF_ENABLED"] = False
    body = as_user("klass5a").post(f"/paper_export/classes/{ids['class_5a']}/slips",
                                   data={"person": _people(demo_app, ids)[:1]}).data
    [(login_name, code)] = _slips_from_pdf(body, tmp_path)
    assert demo_app.test_client().post("/api/v1/auth/login", json={"login": login_name, "password": code}).status_code == 200
    again = demo_app.test_client().post("/api/v1/auth/login", json={"login": login_name, "password": code})
    assert again.status_code == 401
    # whoever used the code but chose no password cannot log in again: still on the list, with why
    page = as_user("klass5a").get(f"/paper_export/classes/{ids['class_5a']}/slips").get_data(as_text=True)
    assert f'<li data-login="{login_name}"' in page
    assert "не выбрал(а) пароль" in page


def test_reissued_persons_old_code_fails_and_sessions_end(demo_app, as_user, ids, tmp_path):
    demo_app.config["WTF_CSRF_ENABLED"] = False
    k = as_user("klass5a")
    person = _people(demo_app, ids)[:2]
    first = _slips_from_pdf(k.post(f"/paper_export/classes/{ids['class_5a']}/slips", data={"person": person}).data,
                            tmp_path)
    # the first person activates and keeps a session; the second never does
    (login_a, code_a), (login_b, code_b) = first
    session = demo_app.test_client()
    assert session.post("/api/v1/auth/login", json={"login": login_a, "password": code_a}).status_code == 200
    assert session.post("/api/v1/me/password", json={"new_password": NEW_PASSWORD}).status_code == 204
    assert session.get("/api/v1/me").status_code == 200
    # without «issue new codes» people with accounts are skipped
    r = k.post(f"/paper_export/classes/{ids['class_5a']}/slips", data={"person": person})
    assert r.status_code == 302
    second = _slips_from_pdf(k.post(f"/paper_export/classes/{ids['class_5a']}/slips",
                                    data={"person": person, "reissue": "1"}).data, tmp_path)
    assert [x[0] for x in second] == [login_a, login_b]
    assert {x[1] for x in second}.isdisjoint({code_a, code_b})
    assert session.get("/api/v1/me").status_code == 401  # the session ended
    for login_name, old in ((login_a, NEW_PASSWORD), (login_b, code_b)):
        assert demo_app.test_client().post("/api/v1/auth/login", json={"login": login_name,
                                                                       "password": old}).status_code == 401
    for login_name, code in second:
        assert demo_app.test_client().post("/api/v1/auth/login", json={"login": login_name,
                                                                       "password": code}).status_code == 200
    # the register: two issues each, the older ones marked replaced; tick one as handed over
    from zhurnal.plugins.paper_export.models import SlipIssue
    with demo_app.app_context():
        rows = list(SlipIssue.select().where(SlipIssue.school_class == ids["class_5a"]).order_by(SlipIssue.id))
    assert [r.reissued for r in rows] == [False, False, True, True]
    assert k.post(f"/paper_export/slips/{rows[-1].id}", data={"handed": "1"}).status_code == 302
    with demo_app.app_context():
        assert SlipIssue.get_by_id(rows[-1].id).handed_on is not None
    assert as_user("parent1").post(f"/paper_export/slips/{rows[-1].id}", data={"handed": "0"}).status_code == 404


def test_an_expired_code_fails(demo_app, as_user, ids, tmp_path):
    from zhurnal.core.identity.models import User
    demo_app.config["WTF_CSRF_ENABLED"] = False
    body = as_user("klass5a").post(f"/paper_export/classes/{ids['class_5a']}/slips",
                                   data={"person": _people(demo_app, ids)[:1]}).data
    [(login_name, code)] = _slips_from_pdf(body, tmp_path)
    with demo_app.app_context():
        u = User.get(User.login == login_name)
        stale = re.sub(r"^activation\$[^$]+", "activation$2026-01-01T00:00:00", u.password_hash)
        User.update(password_hash=stale).where(User.id == u.id).execute()
    assert demo_app.test_client().post("/api/v1/auth/login", json={"login": login_name, "password": code}).status_code == 401
    page = as_user("klass5a").get(f"/paper_export/classes/{ids['class_5a']}/slips").get_data(as_text=True)
    assert "срок кода истёк" in page
