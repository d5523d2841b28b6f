"""The password policy for passwords people choose: length, the shipped list of common and
breached passwords, not the login or the name."""
from __future__ import annotations

import pytest

from zhurnal.core.identity.passwords import common_passwords, generate, weakness
from tests.conftest import DEMO_PASSWORD, login


@pytest.mark.parametrize("password", ["password", "12345678", "qwertyuiop", "Password1", "iloveyou",
                                      "1q2w3e4r5t", "йцукенгшщз", "PASSWORD123", "sunshine!"])
def test_common_and_breached_passwords_are_refused(password):
    assert weakness(password, "ivanova", "Иванова Мария Петровна") is not None


def test_the_list_is_shipped_as_data_and_large():
    words = common_passwords()
    assert len(words) > 10_000 and "password" in words and "baseball" in words
    from importlib.resources import files
    assert files("zhurnal.core.identity").joinpath("data/common-passwords.txt").is_file()


@pytest.mark.parametrize("password,login,name", [
    ("ivanova2026!", "ivanova", "Иванова Мария"), ("Мария-весна-2026", "m.ivanova", "Иванова Мария Петровна"),
    ("short1!", "x", ""), ("teacher1", "teacher1", ""), ("77777777", "x", ""), ("abababab", "x", "")])
def test_login_name_length_and_repetition(password, login, name):
    assert weakness(password, login, name) is not None


@pytest.mark.parametrize("password", ["Сирень-у-окна-7", "kot.na.podokonnike", DEMO_PASSWORD])
def test_reasonable_passwords_pass(password):
    assert weakness(password, "ivanova", "Иванова Мария Петровна") is None


def test_issued_passwords_pass_the_policy():
    assert all(weakness(generate(), "ivanova", "Иванова Мария") is None for _ in range(200))


def test_changing_to_a_common_password_is_refused_through_the_api(demo_app):
    c = login(demo_app, "parent1")
    r = c.post("/api/v1/me/password", json={"current_password": DEMO_PASSWORD, "new_password": "password"})
    assert r.status_code == 422 and "new_password" in r.get_json()["error"]["fields"]
    r = c.post("/api/v1/me/password", json={"current_password": DEMO_PASSWORD, "new_password": "12345678"})
    assert r.status_code == 422
    assert login(demo_app, "parent1").get("/api/v1/me").status_code == 200   # the demo password still works


def test_cli_refuses_a_common_password(make_app, cli):
    app = make_app()
    from zhurnal.core.identity.models import School
    with app.app_context():
        School.create(name="Школа", short_name="Школа")
    r = cli(app, "users", "create", "petrov", "Петров Пётр", "--role", "teacher", "--password", "qwerty123")
    assert r.exit_code != 0 and "common" in r.output
