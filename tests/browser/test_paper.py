"""Paper documents in the browser: a class teacher prints extracts for two students, issues a login
slip, and the family activates the account with the code read off the PDF."""
from __future__ import annotations

import re
import subprocess

from tests.browser.conftest import ui_login


def _text(path, raw=False) -> str:
    out = subprocess.run(["pdftotext", "-raw" if raw else "-layout", str(path), "-"], capture_output=True,
                         check=True).stdout.decode()
    return re.sub(r"\s+", " ", out)


def test_class_teacher_prints_extracts_for_the_students_ticked(page, live_url, demo_app, tmp_path):
    from zhurnal.plugins.roster import service as roster
    from zhurnal.plugins.roster.models import SchoolClass
    with demo_app.app_context():
        c5a = SchoolClass.get((SchoolClass.parallel == 5) & (SchoolClass.letter == "А"))
        two = roster.class_students(c5a.id)[:2]
    ui_login(page, live_url, "klass5a")
    page.click("nav.mainnav >> text=Бумажные документы")
    assert "Бумажные документы: 5А класс" in page.inner_text("h1")
    assert "Список получающих на бумаге" in page.content()  # the consent plugin keeps it
    page.fill("#extracts input[name=from]", "2026-11-02")
    page.fill("#extracts input[name=to]", "2026-11-15")
    page.check("#extracts input[name=selection][value=chosen]")
    for s in two:
        page.check(f"#extracts input[name=student][value='{s.id}']")
    page.check("#extracts input[name=tear_off]")
    page.click("#extracts button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "Документ готовится" in page.content()
    row = page.locator("#batches tbody tr").first
    assert "готово" in row.inner_text()
    with page.expect_download() as d:
        row.locator("text=Скачать PDF").click()
    path = tmp_path / "batch.pdf"
    d.value.save_as(path)
    text = _text(path)
    assert all(s.full_name in text for s in two) and text.count("ВЫПИСКА") == 2
    # the register shows both, ready to be ticked
    assert page.locator("#register tr[data-handed='0']").count() >= 2


def test_family_activates_an_account_with_the_code_from_the_slip(browser, page, live_url, demo_app, tmp_path):
    from zhurnal.plugins.roster import service as roster
    from zhurnal.plugins.roster.models import SchoolClass
    with demo_app.app_context():
        c5a = SchoolClass.get((SchoolClass.parallel == 5) & (SchoolClass.letter == "А"))
        st = next(s for s in roster.class_students(c5a.id) if s.user_id is None)
    ui_login(page, live_url, "klass5a")
    page.goto(f"{live_url}/paper_export/classes/{c5a.id}/slips")
    page.check(f"input[name=person][value='s:{st.id}']")
    with page.expect_download() as d:
        page.click("#issue button[type=submit]")
    path = tmp_path / "slips.pdf"
    d.value.save_as(path)
    login_name, code = re.search(r"Логин (\S+) Код активации \(действует один раз\) (\S+)", _text(path, True)).groups()
    page.goto(f"{live_url}/paper_export/classes/{c5a.id}/slips")
    assert page.locator(f"#never li[data-login='{login_name}']").count() == 1

    ctx = browser.new_context(locale="ru-RU")
    family = ctx.new_page()
    ui_login(family, live_url, login_name, code)
    assert "/account/password" in family.url
    assert family.locator("input[name=current_password]").count() == 0
    family.fill("input[name=new_password]", "Сирень-2026-май")
    family.fill("input[name=new_password2]", "Сирень-2026-май")
    family.click("main form button[type=submit]")
    family.wait_for_load_state("networkidle")
    assert family.url.rstrip("/") == live_url and "Здравствуйте" in family.inner_text("h1")
    ctx.close()
    again = browser.new_context(locale="ru-RU").new_page()
    ui_login(again, live_url, login_name, code)
    assert "Неверный логин или пароль" in again.content()
    page.goto(f"{live_url}/paper_export/classes/{c5a.id}/slips")
    assert page.locator(f"#never li[data-login='{login_name}']").count() == 0


def test_progress_bar_follows_a_batch_made_by_the_worker(browser, page, databases, demo_template, tmp_path):
    """The batch is queued in Redis; the page shows its progress bar, which follows the worker and
    turns into the download link by itself."""
    import threading
    from werkzeug.serving import make_server
    from zhurnal.core.queue import get_queue
    from zhurnal.plugins.roster.models import SchoolClass
    from tests.browser.conftest import _free_port
    from tests.conftest import BUILTIN_PLUGINS, _close_app, build_app, require_service
    from tests.plugins.paper_export.test_progress import REDIS_URL, _redis
    require_service("Redis", _redis)
    template, _info = demo_template
    url = databases.new_url(template=template)
    app = build_app(url, BUILTIN_PLUGINS, migrate=False, queue_url=REDIS_URL)
    q = get_queue(app)
    q.flush()
    port = _free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    try:
        with app.app_context():
            c5a = SchoolClass.get((SchoolClass.parallel == 5) & (SchoolClass.letter == "А")).id
        ui_login(page, base, "klass5a")
        page.goto(f"{base}/paper_export/classes/{c5a}")
        page.fill("#extracts input[name=from]", "2026-10-26")
        page.fill("#extracts input[name=to]", "2026-11-08")
        page.click("#extracts button[type=submit]")
        page.wait_for_load_state("networkidle")
        row = page.locator("#batches tbody tr").first
        assert row.get_attribute("data-batch-status") == "queued"
        assert row.locator("progress").count() == 1

        def work():
            q.execute(q.dequeue())
        worker = threading.Thread(target=work)
        worker.start()
        page.wait_for_function("() => { const p = document.querySelector('#batches progress');"
                               " return p && p.value > 0 && p.value < 100; }", timeout=120000)
        page.wait_for_selector("#batches tr[data-batch-status=done]", timeout=240000)
        worker.join(30)
        assert "Скачать PDF" in page.locator("#batches tbody tr").first.inner_text()
    finally:
        server.shutdown()
        q.flush()
        _close_app(app)
        databases.drop(url)


def test_paper_pages_fit_a_phone(phone_page, live_url, demo_app):
    from zhurnal.plugins.roster.models import SchoolClass
    with demo_app.app_context():
        c5a = SchoolClass.get((SchoolClass.parallel == 5) & (SchoolClass.letter == "А")).id
    from tests.conftest import login
    demo_app.config["WTF_CSRF_ENABLED"] = False
    k = login(demo_app, "klass5a")
    k.post(f"/paper_export/classes/{c5a}/batches", data={"from": "2026-11-23", "to": "2026-11-24",
                                                         "selection": "class"})
    k.post(f"/paper_export/classes/{c5a}/batches", data={"kind": "archive", "from": "2026-11-23", "to": "2026-11-24"})
    ui_login(phone_page, live_url, "klass5a")
    for path in (f"/paper_export/classes/{c5a}", f"/paper_export/classes/{c5a}/slips"):
        phone_page.goto(live_url + path)
        assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
