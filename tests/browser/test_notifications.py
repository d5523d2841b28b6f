"""Notifications in a real browser: a parent chooses what to receive and reads what the e-mail channel,
with no mail server set up, delivered to the «Исходящие» page."""
from __future__ import annotations

from zhurnal.core.identity.models import User
from zhurnal.core.notify.models import Preference
from zhurnal.core.notify.worker import deliver_due
from zhurnal.plugins.diary import service as diary
from zhurnal.plugins.diary.service import class_guardian_users
from zhurnal.plugins.roster.models import SchoolClass
from tests.browser.conftest import ui_login


def test_parent_sets_preferences_and_reads_the_local_outbox_on_a_phone(phone_page, live_url, demo_app):
    with demo_app.app_context():
        cls = SchoolClass.get((SchoolClass.parallel == 5) & (SchoolClass.letter == "А"))
        with demo_app.test_request_context():
            diary.announce(User.get(User.login == "klass5a"), cls, class_guardian_users(cls.id),
                           subject="Экскурсия в музей", body="В пятницу едем в краеведческий музей, сбор в 9:00.")
        assert deliver_due()["sent"] >= 2
        p2 = User.get(User.login == "parent2").id
    page = phone_page
    ui_login(page, live_url, "parent2")
    page.goto(f"{live_url}/account")
    page.click("text=Уведомления")
    assert page.url.endswith("/notifications/preferences")
    page.select_option("select[name='mark:email']", "digest")
    page.fill("input[name=quiet_start]", "22:00")
    page.fill("input[name=quiet_end]", "07:00")
    page.click("#notify-preferences button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("select[name='mark:email']").input_value() == "digest"
    assert page.locator("input[name=quiet_start]").input_value() == "22:00"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page scrolls sideways: {width}px"
    with demo_app.app_context():
        assert Preference.get((Preference.user == p2) & (Preference.event == "mark")).mode == "digest"
    page.click("text=Исходящие")
    page.click("text=Экскурсия в музей")
    assert "краеведческий музей" in page.locator("pre.message-text").inner_text()
