"""Linking Telegram in a real browser on a phone: the code shown on the page is sent to the bot (a local
HTTP server playing the Bot API), the worker's poll links the chat, the page shows it and unlinks it."""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from tests.browser.conftest import _free_port, ui_login
from tests.plugins.notify_telegram.conftest import bot_api, channel_apps, tg_app  # noqa: F401  (fixtures)


@pytest.fixture
def tg_live_url(tg_app):  # noqa: F811
    port = _free_port()
    server = make_server("127.0.0.1", port, tg_app, threaded=True)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    t.join(5)


def test_a_parent_links_and_unlinks_their_chat_on_a_phone(phone_page, tg_live_url, tg_app, bot_api):  # noqa: F811
    page = phone_page
    ui_login(page, tg_live_url, "parent1")
    page.goto(f"{tg_live_url}/notifications/preferences")  # profile -> notifications -> Telegram
    # with e-mail, SMS and Telegram columns the choices table scrolls in its own box: Save stays usable
    page.select_option("select[name='mark:telegram']", "instant")
    page.click("#notify-preferences button[type=submit]", timeout=5000)
    page.wait_for_load_state("networkidle")
    assert "Сохранено" in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.click("text=Настроить")
    assert page.url == f"{tg_live_url}/notify_telegram/"
    assert page.inner_text("#tg-unlinked") == "К вашей учётной записи не привязан чат Telegram."
    page.click("text=Получить код")
    code = page.inner_text("#tg-code")
    assert len(code) == 9 and code[4] == "-"
    assert page.get_attribute("text=Открыть бота в Telegram", "href") == \
        f"https://t.me/school17_bot?start={code.replace('-', '')}"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    bot_api.user_sends(555001, code)
    from zhurnal.plugins.notify_telegram.jobs import poll_updates_job
    with tg_app.app_context():
        assert poll_updates_job.call_local() == 1
    page.goto(f"{tg_live_url}/notify_telegram/")
    assert "@anna_petrova" in page.inner_text("#tg-linked")
    page.goto(f"{tg_live_url}/notifications/preferences")
    assert page.is_visible("text=@anna_petrova")
    page.click("nav.mainnav >> text=Telegram")
    assert bot_api.sent()[0]["chat_id"] == 555001

    page.click("text=Отвязать Telegram")
    page.wait_for_load_state("networkidle")
    assert "Telegram отвязан" in page.inner_text("main")
    assert page.is_visible("#tg-unlinked")
