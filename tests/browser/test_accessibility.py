"""Accessibility (axe-core in the browser) of the pages people open every day, and screenshots of every
role's home at desktop and phone size for a reviewer (written to ``$ZHURNAL_ARTIFACTS/screenshots``,
default ``test-artifacts/screenshots``; CI keeps that folder)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.conftest import ui_login
from tests.browser.test_lesson_phone import _todays_lesson
from tests.plugins.journal.helpers import journal_ids

ARTIFACTS = Path(os.environ.get("ZHURNAL_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts"))
ROLES = ("admin", "director", "deputy", "nurse", "teacher", "klass5a", "parent1", "student1", "support")


def critical(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe
    results = Axe().run(page).response
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])}× e.g. {v['nodes'][0]['target']})"
            for v in results["violations"] if v.get("impact") == "critical"]


def test_daily_pages_have_no_critical_accessibility_violations(page, live_url, demo_app):
    ids = journal_ids(demo_app)
    lesson_id, _free = _todays_lesson(demo_app)
    found = {}
    page.goto(f"{live_url}/login")
    found["login"] = critical(page)
    ui_login(page, live_url, "parent1")
    page.goto(f"{live_url}/diary/students/{ids['student1']}")
    found["parent's week"] = critical(page)
    page.context.clear_cookies()
    ui_login(page, live_url, "teacher")
    page.goto(f"{live_url}/journal/class/{ids['class_5a']}?subject_id={ids['subject_math']}")
    found["journal grid"] = critical(page)
    page.goto(f"{live_url}/journal/lessons/{lesson_id}")
    found["lesson page"] = critical(page)
    assert {k: v for k, v in found.items() if v} == {}


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_every_roles_home_page_is_saved_as_a_screenshot(browser, live_url, size):
    out = ARTIFACTS / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    opts = ({"viewport": {"width": 1366, "height": 900}} if size == "desktop" else
            {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True})
    for login in ROLES:
        ctx = browser.new_context(locale="ru-RU", **opts)
        p = ctx.new_page()
        try:
            ui_login(p, live_url, login)
            assert p.url.rstrip("/") == live_url, (login, p.url)
            # nothing runs off a phone's screen sideways (the menu wraps)
            if size == "phone":
                assert p.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), login
            path = out / f"home-{login}-{size}.png"
            p.screenshot(path=str(path), full_page=True)
            assert path.stat().st_size > 10_000
        finally:
            ctx.close()
