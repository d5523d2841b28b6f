"""Browser fixtures: the demo app served on a free port, driven by Debian's chromium via Playwright.

``live_url`` serves a fresh copy of the demo school; ``page`` is a new browser
page (desktop size); ``phone_page`` a phone-sized one. Tests are marked
``browser`` and skip when chromium is missing (``.ci/run`` installs it).
"""
from __future__ import annotations

import os
import shutil
import socket
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("ZHURNAL_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("ZHURNAL_REQUIRE_SERVICES") == "1":
            pytest.fail(f"chromium not found at {CHROMIUM}")
        pytest.skip(f"chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright
    pw = sync_playwright().start()
    b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
    yield b
    b.close()
    pw.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_url(demo_app):
    port = _free_port()
    server = make_server("127.0.0.1", port, demo_app, threaded=True)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    t.join(5)


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ru-RU")
    p = ctx.new_page()
    p.set_default_timeout(15000)
    yield p
    ctx.close()


@pytest.fixture
def phone_page(browser):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                              has_touch=True, locale="ru-RU")
    p = ctx.new_page()
    p.set_default_timeout(15000)
    yield p
    ctx.close()


def ui_login(page, base: str, login: str, password: str = "demo12345") -> None:
    """Log in through the real login form."""
    page.goto(f"{base}/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
