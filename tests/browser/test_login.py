from tests.browser.conftest import ui_login


def test_login_form_and_dashboard_in_russian(page, live_url):
    ui_login(page, live_url, "klass5a", "wrong-password")
    assert "Неверный логин или пароль" in page.content()
    ui_login(page, live_url, "klass5a")
    assert page.url.rstrip("/") == live_url
    assert "Здравствуйте, Иванова Ольга Николаевна" in page.inner_text("h1")
    page.click("text=EN")
    assert "Hello, Иванова Ольга Николаевна" in page.inner_text("h1")


def test_login_and_dashboard_fit_a_phone(phone_page, live_url):
    """On a phone the form and the start page need no sideways scrolling, and the menu is there."""
    page = phone_page
    page.goto(f"{live_url}/login")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    ui_login(page, live_url, "parent1")
    assert page.url.rstrip("/") == live_url
    assert "Здравствуйте" in page.inner_text("h1")
    assert page.is_visible("text=Мои дети")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.is_visible("nav.mainnav")
