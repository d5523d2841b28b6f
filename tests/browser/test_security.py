"""The Content-Security-Policy in a real browser: pages work without inline scripts (no
violation reported), behaviours moved to static files still work, and framing is refused."""
from __future__ import annotations

from zhurnal.plugins.roster.models import SchoolClass, Subject
from tests.browser.conftest import ui_login


def _violations(page) -> list[str]:
    found: list[str] = []
    page.on("console", lambda m: found.append(m.text) if "Content Security Policy" in m.text else None)
    return found


def test_journal_grid_period_switch_and_no_csp_violation(page, live_url, demo_app):
    with demo_app.app_context():
        c5a = SchoolClass.get((SchoolClass.parallel == 5) & (SchoolClass.letter == "А"))
        math = Subject.get(Subject.name == "Математика")
    violations = _violations(page)
    ui_login(page, live_url, "teacher")
    page.goto(f"{live_url}/journal/class/{c5a.id}?subject_id={math.id}")
    select = page.locator("select[name=period_id]")
    options = select.locator("option").evaluate_all("os => os.map(o => o.value)")
    other = next(v for v in options if v != select.input_value())
    with page.expect_navigation():
        select.select_option(other)             # data-autosubmit (was an inline onchange)
    assert f"period_id={other}" in page.url
    for path in ("/", "/account", "/diary/help", "/journal/today"):
        page.goto(live_url + path)
    assert not violations, violations


def test_pages_cannot_be_framed(page, live_url):
    ui_login(page, live_url, "parent1")
    violations = _violations(page)
    page.goto(f"{live_url}/static/core/zhurnal.css")        # an origin to host the frame from
    page.set_content(f'<iframe id="f" src="{live_url}/account/compromised"></iframe>')
    page.wait_for_timeout(800)
    frame = page.frames[-1]
    try:
        text = frame.evaluate("document.body ? document.body.innerText : ''")
    except Exception:  # noqa: BLE001 - a blocked frame is an error page of another origin
        text = ""
    assert "stop my account" not in text and "остановить" not in text.lower() and "украден" not in text.lower()
