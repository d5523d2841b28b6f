"""Consent in a real browser: the class teacher registers a parent's written withdrawal on the
control page; the parent, on a phone, then gets the consent notice instead of the child's week,
and the class teacher's export link downloads the class's table."""
from __future__ import annotations

from tests.browser.conftest import ui_login
from tests.plugins.consent.conftest import ids_of


def test_a_withdrawal_registered_on_the_control_page_closes_the_web_diary(page, phone_page, browser, live_url,
                                                                          demo_app):
    ids = ids_of(demo_app)
    ui_login(page, live_url, "klass5a")
    page.click("nav >> text=Согласия")
    page.wait_for_url(f"**/consent/classes/{ids['class_5a']}")
    row = page.locator(f"tr[data-guardian='{ids['guardian_parent2']}']")
    assert row.get_attribute("data-status") == "granted"
    form = page.locator("#register form")
    form.locator("select[name=guardian_id]").select_option(str(ids["guardian_parent2"]))
    form.locator("select[name=status]").select_option("withdrawn")
    form.locator("input[name=date]").fill("2026-11-25")
    form.locator("input[name=number]").fill("ОТЗ-5")
    form.locator("input[name=kept_at]").fill("папка «Согласия», 5А")
    form.locator("button").click()
    page.wait_for_selector(f"tr[data-guardian='{ids['guardian_parent2']}'][data-status='withdrawn']")
    assert "Документ зарегистрирован" in page.inner_text("body")
    # the filter shows the paper-delivery list with the parent on it
    page.click("nav.filters >> text=на бумаге")
    assert page.locator(f"tr[data-guardian='{ids['guardian_parent2']}']").count() == 1
    assert page.locator("tr[data-status='granted']").count() == 0
    with page.expect_download() as dl:
        page.click("text=Скачать CSV")
    path = dl.value.path()
    text = open(path, encoding="utf-8-sig").read()
    assert "ОТЗ-5" in text and "согласие отозвано" in text

    ui_login(phone_page, live_url, "parent2")
    phone_page.goto(f"{live_url}/diary/students/{ids['parent2_child']}")
    notice = phone_page.locator("#consent-missing")
    assert notice.is_visible()
    assert "классному руководителю" in notice.inner_text()
    assert phone_page.locator("section.dy-day").count() == 0
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= phone_page.viewport_size["width"]
    # the control page fits a phone too (the table scrolls inside its box)
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="ru-RU")
    try:
        teacher_phone = ctx.new_page()
        ui_login(teacher_phone, live_url, "klass5a")
        teacher_phone.goto(f"{live_url}/consent/classes/{ids['class_5a']}")
        assert teacher_phone.evaluate("document.documentElement.scrollWidth") <= 390
        assert teacher_phone.locator("#register button").is_visible()
    finally:
        ctx.close()
