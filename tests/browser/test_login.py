from tests.browser.conftest import ui_login


def test_login_form_and_dashboard_in_russian(page, live_url):
    ui_login(page, live_url, "klass5a", "wrong-password")
    assert "Неверный логин или пароль" in page.content()
    ui_login(page, live_url, "klass5a")
    assert page.url.rstrip("/") == live_url
    assert "Здравствуйте, Иванова Ольга Николаевна" in page.inner_text("h1")
    page.click("text=EN")
    assert "Hello, Иванова Ольга Николаевна" in page.inner_text("h1")
