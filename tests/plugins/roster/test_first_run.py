"""A fresh deployment: its first admin is led to create the school and set it up, and every page
they can reach works on an empty school (an empty state with the next step, never a 404 or 500)."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.conftest import BUILTIN_PLUGINS

NAV = re.compile(r'<nav class="mainnav"[^>]*>(.*?)</nav>', re.S)
HREF = re.compile(r'href="([^"#]+)')


@pytest.fixture
def fresh(make_app):
    """All built-in plugins on an empty database with one deployment admin (``root``)."""
    app = make_app(plugins=BUILTIN_PLUGINS)
    app.config["WTF_CSRF_ENABLED"] = False
    from zhurnal.core import access
    from zhurnal.core.identity import service
    with app.app_context():
        user, _pw = service.create_user("root", "Администратор", password="first-admin-12345", must_change=False)
        access.grant(user, "admin", scope_type="deployment", scope_id=None)
    client = app.test_client()
    r = client.post("/api/v1/auth/login", json={"login": "root", "password": "first-admin-12345"})
    assert r.status_code == 200
    return app, client


def nav_links(client) -> list[str]:
    html = client.get("/").get_data(as_text=True)
    m = NAV.search(html)
    assert m, html
    return HREF.findall(m.group(1))


def walk(client, links) -> dict[str, int]:
    """Every link (as the browser reads the attribute), followed through redirects: its final status."""
    import html
    out = {}
    for link in links:
        r = client.get(html.unescape(link), follow_redirects=True)
        out[link] = r.status_code
    return out


def test_fresh_admin_is_led_to_create_the_school(fresh):
    app, client = fresh
    home = client.get("/").get_data(as_text=True)
    assert "/roster/setup" in home  # the dashboard widget and the menu lead to the set-up
    links = nav_links(client)
    assert "/roster/setup" in links and "/roster/classes" in links
    assert walk(client, links) == {link: 200 for link in links}
    r = client.get("/roster/classes")  # «Классы» with no school: to the set-up, not a 404
    assert r.status_code == 302 and r.headers["Location"].endswith("/roster/setup")
    page = client.get("/roster/setup").get_data(as_text=True)
    assert 'id="create-school"' in page
    r = client.post("/roster/setup/school", data={"name": "", "short_name": "x" * 101, "address": "",
                                                 "timezone": "Mars/Base"})
    assert r.status_code == 422
    assert r.get_data(as_text=True).count("<li>") >= 3
    r = client.post("/roster/setup/school", data={
        "name": "Муниципальное бюджетное общеобразовательное учреждение «Лицей № 2»", "short_name": "Лицей № 2",
        "address": "г. Тверь, ул. Советская, 1", "timezone": "Europe/Moscow"})
    assert r.status_code == 302
    from zhurnal.core.identity.models import School
    from zhurnal.plugins.roster.setup import profile
    with app.app_context():
        school = School.get()
        assert profile(school).address == "г. Тверь, ул. Советская, 1"
    page = client.get("/roster/setup").get_data(as_text=True)
    assert 'data-step="year" data-done="0"' in page and 'id="next-step"' in page and "#new-year" in page


def test_every_page_of_an_empty_school_works(fresh):
    app, client = fresh
    client.post("/roster/setup/school", data={"name": "Школа № 5", "short_name": "Школа № 5", "address": "",
                                              "timezone": "Asia/Yekaterinburg"})
    links = nav_links(client)
    seen = walk(client, links)
    # one level further: every link on the pages the menu leads to, inside the application
    deeper = set()
    for link in links:
        html = client.get(link, follow_redirects=True).get_data(as_text=True)
        deeper |= {h for h in HREF.findall(html) if h.startswith("/") and not h.startswith(("/static", "/lang",
                   "/logout", "/auth/logout")) and "export." not in h and h not in seen}
    seen.update(walk(client, sorted(deeper)))
    bad = {k: v for k, v in seen.items() if v >= 400}
    assert not bad, bad
    assert len(seen) >= 8


def test_staff_accounts_from_the_set_up_page(fresh):
    app, client = fresh
    client.post("/roster/setup/school", data={"name": "Школа № 5", "short_name": "Школа № 5", "address": "",
                                              "timezone": "Europe/Moscow"})
    r = client.post("/roster/setup/staff", data={"login": "petrova", "display_name": "Петрова Анна Сергеевна",
                                                 "role": "teacher", "email": ""})
    assert r.status_code == 200 and 'id="new-account"' in r.get_data(as_text=True)
    r = client.post("/roster/setup/staff", data={"login": "petrova", "display_name": "Другая", "role": "teacher"})
    assert r.status_code == 422
    r = client.post("/roster/setup/staff", data={"login": "x y", "display_name": "Х", "role": "janitor"})
    assert r.status_code == 422
    from zhurnal.core import access
    from zhurnal.core.identity.models import School, User
    with app.app_context():
        u = User.get(User.login == "petrova")
        assert u.school_id == School.get().id and "teacher" in access.roles(u) and u.must_change_password
    page = client.get("/roster/setup").get_data(as_text=True)
    assert 'data-step="staff" data-done="1"' in page


def test_others_see_an_empty_state_without_a_school(fresh):
    app, _client = fresh
    from zhurnal.core import access
    from zhurnal.core.identity import service
    with app.app_context():
        nurse, _pw = service.create_user("support1", "Поддержка", password="support-12345", must_change=False)
        access.grant(nurse, "support", scope_type="deployment", scope_id=None)
    client = app.test_client()
    assert client.post("/api/v1/auth/login", json={"login": "support1", "password": "support-12345"}).status_code == 200
    for link in nav_links(client):
        assert client.get(link, follow_redirects=True).status_code < 400, link
    assert client.get("/roster/setup").status_code == 403


def test_the_api_creates_a_school_with_its_address_and_time_zone(fresh):
    app, client = fresh
    r = client.post("/api/v1/schools", json={"name": "Школа № 8", "short_name": "Школа № 8", "timezone": "Asia/Omsk",
                                             "address": "г. Омск, ул. Мира, 8"})
    assert r.status_code == 201, r.get_json()
    r = client.post("/api/v1/schools", json={"name": "Школа № 9", "short_name": "Школа № 9", "timezone": "Omsk"})
    assert r.status_code == 422 and "timezone" in r.get_json()["error"]["fields"]
    from zhurnal.core.identity.models import School
    from zhurnal.plugins.roster.setup import profile
    with app.app_context():
        assert [(profile(s).address, profile(s).timezone) for s in School.select()] == [
            ("г. Омск, ул. Мира, 8", "Asia/Omsk")]


@pytest.mark.parametrize("role", ["director", "deputy", "teacher", "nurse"])
def test_staff_of_an_empty_school_reach_no_broken_page(fresh, role):
    app, client = fresh
    client.post("/roster/setup/school", data={"name": "Школа № 5", "short_name": "Школа № 5", "address": "",
                                              "timezone": "Europe/Moscow"})
    from zhurnal.core import access
    from zhurnal.core.identity import service
    from zhurnal.core.identity.models import School
    with app.app_context():
        user, _pw = service.create_user(f"x{role}", "Сотрудник", password="staff-pass-12345", must_change=False,
                                        school=School.get())
        access.grant(user, role, school=School.get())
    c = app.test_client()
    assert c.post("/api/v1/auth/login", json={"login": f"x{role}", "password": "staff-pass-12345"}).status_code == 200
    links = nav_links(c)
    seen = walk(c, links)
    deeper = set()
    for link in links:
        page = c.get(link, follow_redirects=True).get_data(as_text=True)
        deeper |= {h for h in HREF.findall(page) if h.startswith("/") and not h.startswith(("/static", "/lang"))
                   and "logout" not in h and "export." not in h and h not in seen}
    seen.update(walk(c, sorted(deeper)))
    bad = {k: v for k, v in seen.items() if v >= 400}
    assert not bad, seen


def test_several_classes_at_once_from_the_set_up_page(fresh):
    app, client = fresh
    client.post("/roster/setup/school", data={"name": "Школа № 5", "short_name": "Школа № 5", "address": "",
                                              "timezone": "Europe/Moscow"})
    r = client.post("/roster/setup/classes", data={"names": "5А, 5Б"})
    assert r.status_code == 422 and "Сначала добавьте учебный год" in r.get_data(as_text=True)
    from zhurnal.core.identity.models import School
    from zhurnal.plugins.roster import service
    from zhurnal.plugins.roster.models import SchoolClass
    with app.app_context():
        service.create_year(School.get(), "2026/2027", dt.date(2026, 9, 1), dt.date(2027, 5, 31), "halves",
                            [(dt.date(2026, 9, 1), dt.date(2026, 12, 28)), (dt.date(2027, 1, 11), dt.date(2027, 5, 31))])
    for names, expect in (("5А, 12Я, x", "12Я, x"), ("5А 5а", "5А")):
        r = client.post("/roster/setup/classes", data={"names": names})
        assert r.status_code == 422 and expect in r.get_data(as_text=True), names
    r = client.post("/roster/setup/classes", data={"names": "1А 1Б, 5 «А»; 11-б"})
    assert r.status_code == 302
    with app.app_context():
        assert sorted(c.name for c in SchoolClass.select()) == ["11Б", "1А", "1Б", "5А"]
    r = client.post("/roster/setup/classes", data={"names": "5а"})
    assert r.status_code == 422 and "5А" in r.get_data(as_text=True)
    page = client.get("/roster/setup").get_data(as_text=True)
    assert 'data-step="classes" data-done="1"' in page
