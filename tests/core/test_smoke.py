import re

from tests.conftest import DEMO_PASSWORD, login

DEMO_LOGINS = ("admin", "director", "deputy", "nurse", "teacher", "klass5a", "parent1", "parent2", "student1")


def test_demo_logins_work_through_api(demo_app):
    for name in DEMO_LOGINS:
        c = login(demo_app, name)
        me = c.get("/api/v1/me").get_json()
        assert me["login"] == name
        assert me["must_change_password"] is False


def test_demo_logins_work_through_the_login_form(demo_app):
    """The real form (with its CSRF token) takes every demo login straight to their dashboard in Russian."""
    for name in DEMO_LOGINS:
        c = demo_app.test_client()
        form = c.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        r = c.post("/login", data={"login": name, "password": DEMO_PASSWORD, "csrf_token": token})
        assert r.status_code == 302 and r.headers["Location"] == "/", (name, r.status_code)  # no password change
        home = c.get("/")
        assert home.status_code == 200, name
        html = home.get_data(as_text=True)
        assert re.search(r"<h1>Здравствуйте, [^<]+</h1>", html), name
        assert '<nav class="mainnav"' in html and 'lang="ru"' in html, name
