"""``secure_cookies`` from the environment, and on by default when ``base_url`` is https."""
from __future__ import annotations

import pytest

from zhurnal.core.config import load_settings


@pytest.mark.parametrize("env,expected", [
    ({}, False),
    ({"ZHURNAL_BASE_URL": "https://school.example"}, True),
    ({"ZHURNAL_BASE_URL": "https://school.example", "ZHURNAL_SECURE_COOKIES": "0"}, False),
    ({"ZHURNAL_SECURE_COOKIES": "1"}, True),
    ({"ZHURNAL_SECURE_COOKIES": "true"}, True),
    ({"ZHURNAL_SECURITY_SECURE_COOKIES": "yes"}, True),
])
def test_secure_cookies_setting(env, expected):
    s = load_settings({"testing": True}, env=env)
    assert s.security["secure_cookies"] is expected


def test_an_https_deployment_sets_secure_session_cookies(make_app):
    from tests.conftest import DEMO_PASSWORD
    app = make_app(base_url="https://school.example")
    from zhurnal.core.identity import service
    with app.app_context():
        service.create_user("admin2", "Админ", password=DEMO_PASSWORD)
    c = app.test_client()
    r = c.post("/api/v1/auth/login", json={"login": "admin2", "password": DEMO_PASSWORD},
               base_url="https://school.example")
    assert r.status_code == 200
    cookies = r.headers.getlist("Set-Cookie")
    assert cookies and all("Secure" in h for h in cookies), cookies
