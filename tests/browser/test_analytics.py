"""Analytics in a real browser: the deputy sends the 5А report from the «Аналитика» page; the class
teacher klass5a finds it on the dashboard, opens it and sees the charts with their text
alternative; the deputy then sees that it was opened."""
from __future__ import annotations

from tests.browser.conftest import ui_login


def test_deputy_sends_the_5a_report_and_the_class_teacher_opens_it(browser, live_url, demo_app):
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ru-RU")
    page = ctx.new_page()
    page.set_default_timeout(15000)
    ui_login(page, live_url, "deputy")
    page.get_by_role("link", name="Аналитика").first.click()
    form = page.locator("form#an-send")
    form.locator("select[name=target]").select_option(label="5А")
    form.locator("input[name=from]").fill("2026-11-05")
    form.locator("input[name=to]").fill("2026-11-26")
    form.get_by_role("button", name="Сформировать и отправить").click()
    page.get_by_text("Отправлено отчётов: 1.").wait_for()
    row = page.locator("#an-sent tbody tr").first
    assert "5А" in row.inner_text() and "Иванова Ольга Николаевна" in row.inner_text()
    assert "не открыт" in row.inner_text()
    ctx.close()

    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ru-RU")
    page = ctx.new_page()
    page.set_default_timeout(15000)
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    ui_login(page, live_url, "klass5a")
    page.goto(f"{live_url}/")
    widget = page.get_by_text("Аналитические отчёты для вас")
    widget.wait_for()
    page.get_by_role("link", name="Отчёт за").first.click()
    page.get_by_role("heading", name="Отчёт по классу 5А").wait_for()
    assert "Отправленный отчёт" in page.inner_text("main")
    charts = page.locator("figure.an-figure svg[role=img]")
    assert charts.count() >= 3
    first = charts.first
    assert first.is_visible() and first.bounding_box()["width"] > 200
    # the text alternative: <title>/<desc> named by aria-labelledby, and the data table
    assert first.locator("title").text_content() == "Средний балл по предметам"
    assert "Математика" in first.locator("desc").text_content()
    assert page.get_by_role("img", name="Средний балл по предметам").count() == 1
    table = page.locator("figure.an-figure table.an-chart-data").first
    assert table.is_visible() and "Математика" in table.inner_text()
    from tests.browser.test_accessibility import critical
    assert critical(page) == []
    # the period list submits itself (a behaviour of the shell's script: no inline code on the page)
    page.get_by_role("link", name="Тот же период по сегодняшним данным").click()
    page.locator("select[name=period_id]").select_option(label="1 четверть")
    page.wait_for_url("**period_id=*")
    assert "1 сент. 2026" in page.inner_text("main") and page.locator("figure.an-figure svg").count() >= 3
    assert refused == []
    page.emulate_media(media="print")
    assert charts.first.is_visible() and not page.locator("form").first.is_visible()
    ctx.close()

    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ru-RU")
    page = ctx.new_page()
    ui_login(page, live_url, "deputy")
    page.goto(f"{live_url}/analytics/")
    assert "не открыт" not in page.locator("#an-sent tbody tr").first.inner_text()
    ctx.close()


def test_class_report_on_a_phone(phone_page, live_url, demo_app):
    from tests.access import demo_ids
    from tests.browser.test_accessibility import critical
    ids = demo_ids(demo_app)
    page = phone_page
    ui_login(page, live_url, "klass5a")
    page.goto(f"{live_url}/analytics/classes/{ids['class_5a']}?from=2026-09-01&to=2026-11-26")
    assert page.locator("figure.an-figure svg").count() >= 3
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert critical(page) == []
