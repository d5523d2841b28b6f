"""«Мои персональные данные» in a real browser: reached from the profile, readable (axe), downloadable."""
from __future__ import annotations

import json

from tests.browser.conftest import ui_login
from tests.browser.test_accessibility import critical


def test_a_parent_opens_their_personal_data_and_downloads_it(page, live_url):
    ui_login(page, live_url, "parent1")
    page.goto(f"{live_url}/account")
    page.get_by_role("link", name="Мои персональные данные").click()
    page.wait_for_url(f"{live_url}/account/personal-data")
    assert page.get_by_role("heading", name="Мои персональные данные", exact=True).is_visible()
    assert page.get_by_role("heading", name="Кто получал ваши данные").is_visible()
    assert page.locator(".personal-data-child").count() == 2  # parent1's two children
    assert critical(page) == []
    with page.expect_download() as dl:
        page.get_by_role("link", name="Скачать в формате JSON").click()
    download = dl.value
    assert download.suggested_filename == "personal-data-parent1.json"
    data = json.loads(open(download.path(), encoding="utf-8").read())
    assert data["subject"]["login"] == "parent1" and len(data["children"]) == 2
