"""UI language: Russian by default, English on request; every catalog complete and unambiguous."""
from __future__ import annotations

from zhurnal.core import i18n
from tests.conftest import login


def test_russian_by_default(demo_app):
    c = demo_app.test_client()
    html = c.get("/login").get_data(as_text=True)
    assert '<html lang="ru">' in html and "Войти" in html
    r = c.post("/api/v1/auth/login", json={"login": "teacher", "password": "nope"})
    assert r.get_json()["error"]["message"] == "Неверный логин или пароль."


def test_query_parameter_switches_and_sticks(demo_app):
    c = demo_app.test_client()
    html = c.get("/login?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html and "Log in" in html
    assert '<html lang="en">' in c.get("/login").get_data(as_text=True)  # kept in the session
    r = c.post("/api/v1/auth/login", json={"login": "teacher", "password": "nope"})
    assert r.get_json()["error"]["message"] == "Wrong login or password."
    assert '<html lang="ru">' in c.get("/login?lang=ru").get_data(as_text=True)
    assert '<html lang="ru">' in c.get("/login?lang=de").get_data(as_text=True)  # unknown: ignored


def test_language_link_switches_and_returns(demo_app):
    c = login(demo_app, "klass5a")
    assert "Сменить пароль" in c.get("/account").get_data(as_text=True)
    r = c.get("/lang/en?next=/account")
    assert r.status_code == 302 and r.headers["Location"] == "/account"
    assert "Change password" in c.get("/account").get_data(as_text=True)
    assert c.get("/lang/xx?next=/").status_code == 302
    assert "Change password" in c.get("/account").get_data(as_text=True)
    r = c.get("/lang/ru?next=//evil.example/")
    assert r.headers["Location"] == "/"
    assert "Сменить пароль" in c.get("/account").get_data(as_text=True)


def test_deployment_default_and_user_preference(make_app):
    from zhurnal.core import access
    from zhurnal.core.identity import service
    from zhurnal.core.identity.models import User
    app = make_app(default_locale="en")
    with app.app_context():
        u, _ = service.create_user("misha", "Миша", password="Parol-dlya-testa-1", must_change=False)
        access.grant(u, "admin", scope_type="deployment", scope_id=None)
    assert '<html lang="en">' in app.test_client().get("/login").get_data(as_text=True)
    with app.app_context():
        User.update(locale="ru").where(User.login == "misha").execute()
    c = login(app, "misha", "Parol-dlya-testa-1")
    assert '<html lang="ru">' in c.get("/account").get_data(as_text=True)


def test_every_catalog_is_complete_compiled_and_unambiguous():
    """``python -m zhurnal.core.i18n check`` over the kernel and every plugin folder."""
    assert i18n.main(["check"]) == 0


def test_conflicting_translations_are_caught(tmp_path, monkeypatch):
    """Two packages translating one msgid differently: one would silently override the other."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po
    pkgs = []
    for name, string in (("core", "По"), ("alpha", "Кому"), ("beta", "По")):
        pkg = tmp_path / name
        path = i18n.po_path(pkg, "ru")
        path.parent.mkdir(parents=True)
        cat = Catalog(locale="ru")
        cat.add("To", string)
        cat.add("Next", "Далее")
        with path.open("wb") as fh:
            write_po(fh, cat)
        pkgs.append(pkg)
    monkeypatch.setattr(i18n, "packages", lambda: pkgs)
    problems = i18n.conflicts(pkgs)
    assert len(problems) == 1
    assert problems[0].startswith("alpha: 'To' is 'Кому' here but 'По' in beta, 'По' in core")
    # without the kernel's wording, two plugins that disagree are both told
    monkeypatch.setattr(i18n, "packages", lambda: pkgs[1:])
    assert [p.split(":")[0] for p in i18n.conflicts(pkgs[1:])] == ["alpha", "beta"]
