"""``next`` is followed only to a path of this site (language switch, login, lesson forms)."""
from __future__ import annotations

import re

import pytest

from tests.conftest import DEMO_PASSWORD, login

EVIL = ["//evil.example/", "/%09/evil.example", "/\t/evil.example", "\\\\evil.example", "/\\evil.example",
        "https://evil.example/", "/%0d%0aSet-Cookie:x=1", "/\r\nSet-Cookie: x=1", "/x\r\nLocation: //evil",
        " //evil.example", "/%5c%5cevil.example", "javascript:alert(1)", "/\x00//evil", "///evil.example"]


@pytest.mark.parametrize("target", EVIL)
def test_the_helper_refuses_what_leaves_the_site(demo_app, target):
    from urllib.parse import unquote
    from zhurnal.core.ui import safe_next
    with demo_app.test_request_context("/"):
        assert safe_next(unquote(target), "/home") == "/home"
        assert safe_next(target, "/home") in ("/home", target) and not safe_next(target, "/home").startswith("//")


def test_the_helper_keeps_paths_of_this_site(demo_app):
    from zhurnal.core.ui import safe_next
    with demo_app.test_request_context("/"):
        assert safe_next("/journal/grid?class_id=3&x=%2F", "/") == "/journal/grid?class_id=3&x=%2F"
        assert safe_next("/", "/x") == "/"
        assert safe_next("", "/x") == "/x" and safe_next(None, "/x") == "/x"


def _location(r) -> str:
    return r.headers.get("Location", "")


def _off_site(loc: str) -> bool:
    loc = loc.strip().replace("\\", "/")
    loc = "".join(ch for ch in loc if ch >= " ")
    return loc.startswith("//") or "://" in loc.split("?")[0] or "evil" in loc


@pytest.mark.parametrize("target", ["/%09/evil.example", "//evil.example", "/%5C%5Cevil.example",
                                    "%5C%5Cevil.example", "/%0D%0ASet-Cookie:x=1", "/%0Aevil"])
def test_language_switch(demo_app, target):
    c = demo_app.test_client()
    r = c.get(f"/lang/ru?next={target}")
    assert r.status_code == 302, r.status_code
    assert not _off_site(_location(r)) and "Set-Cookie:x" not in _location(r)


def test_language_switch_follows_a_path_and_the_referrer_of_this_site(demo_app):
    c = demo_app.test_client()
    assert _location(c.get("/lang/en?next=/account")) == "/account"
    assert _location(c.get("/lang/en", headers={"Referer": "http://localhost/diary/?week=2026-11-23"})) == \
        "/diary/?week=2026-11-23"
    assert _location(c.get("/lang/en", headers={"Referer": "https://evil.example/x"})) == "/"


@pytest.mark.parametrize("target", ["/%09/evil.example", "%5C%5Cevil.example", "/%0D%0AX:1"])
def test_login_form(demo_app, target):
    c = demo_app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").get_data(as_text=True)).group(1)
    r = c.post(f"/login?next={target}", data={"login": "teacher", "password": DEMO_PASSWORD, "csrf_token": token})
    assert r.status_code == 302 and _location(r) == "/"


def test_lesson_form(demo_app):
    from zhurnal.plugins.journal.models import Lesson
    c = login(demo_app, "teacher")
    with demo_app.app_context():
        from zhurnal.core.identity.models import User
        teacher = User.get(User.login == "teacher")
        lesson = Lesson.select().where(Lesson.teacher == teacher.id).order_by(Lesson.date.desc()).first()
    page = c.get(f"/journal/lessons/{lesson.id}")
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    for target in ("/\t/evil.example", "\\\\evil.example", "/\r\nX: 1"):
        r = c.post(f"/journal/lessons/{lesson.id}", data={"csrf_token": token, "next": target,
                                                          "version": lesson.version, "topic": lesson.topic or "Тема"})
        assert r.status_code == 302 and not _off_site(_location(r)), (target, _location(r))
