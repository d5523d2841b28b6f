"""A fresh deployment in a real browser: the first admin creates the school, a school year and a class,
and imports a class list through the preview and mapping page."""
from __future__ import annotations

import csv
import io
import threading

import pytest
from werkzeug.serving import make_server

from tests.browser.conftest import _free_port, ui_login
from tests.conftest import BUILTIN_PLUGINS

PASSWORD = "first-admin-12345"


@pytest.fixture
def fresh_url(make_app):
    app = make_app(plugins=BUILTIN_PLUGINS)
    from zhurnal.core import access
    from zhurnal.core.identity import service
    with app.app_context():
        user, _pw = service.create_user("root", "Администратор", password=PASSWORD, must_change=False)
        access.grant(user, "admin", scope_type="deployment", scope_id=None)
    port = _free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{port}", app
    server.shutdown()
    t.join(5)


def class_list() -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(["Фам.", "Имя", "Отчество (при наличии)", "Дата рождения", "ФИО законного представителя",
                "Телефон законного представителя"])
    w.writerow(["лаптева", "ника", "", "14.02.2015", "Лаптева Юлия Викторовна", "8 (915) 700-10-20"])
    w.writerow(["Лаптев", "Глеб", "Сергеевич", "03.09.2016", "Лаптева Юлия Викторовна", "+7 915 700 10 20"])
    return buf.getvalue().encode("cp1251")


def test_first_admin_sets_up_the_school_and_imports_a_class_list(fresh_url, page, tmp_path):
    base, app = fresh_url
    ui_login(page, base, "root", PASSWORD)
    page.click("nav.mainnav >> text=Настройка")
    page.fill("#create-school input[name=name]", "Муниципальное бюджетное общеобразовательное учреждение «Гимназия № 4»")
    page.fill("#create-school input[name=short_name]", "Гимназия № 4")
    page.fill("#create-school input[name=address]", "г. Псков, ул. Гоголя, 4")
    page.select_option("#create-school select[name=timezone]", "Europe/Moscow")
    page.click("#create-school button[type=submit]")
    page.wait_for_selector("#checklist")
    assert page.locator("[data-step=year]").get_attribute("data-done") == "0"
    # the next step leads to the year form
    page.click("#next-step a")
    page.click("#new-year summary")
    page.fill("#new-year input[name=start]", "2026-09-01")
    page.fill("#new-year input[name=end]", "2027-05-31")
    page.select_option("#new-year select[name=period_kind]", "halves")
    for name, value in (("p1_start", "2026-09-01"), ("p1_end", "2026-12-28"), ("p2_start", "2027-01-11"),
                        ("p2_end", "2027-05-31")):
        page.fill(f"#new-year input[name={name}]", value)
    page.click("#new-year button[type=submit]")
    page.wait_for_selector("#periods")
    assert page.locator("#periods tbody tr").count() == 2
    page.fill("#add-class input[name=parallel]", "5")
    page.fill("#add-class input[name=letter]", "а")
    page.click("#add-class button[type=submit]")
    page.wait_for_selector("text=5А")
    page.goto(f"{base}/roster/setup")
    assert page.locator("[data-step=classes]").get_attribute("data-done") == "1"
    # the class list: preview, the unknown caption mapped by hand, a dry run, the import
    page.goto(f"{base}/roster/classes")
    page.click("#classes >> text=5А")
    class_url = page.url
    page.goto(class_url + "/import")
    path = tmp_path / "5а класс.csv"
    path.write_bytes(class_list())
    page.set_input_files("input[name=file]", str(path))
    page.click("button:has-text('Предпросмотр')")
    page.wait_for_selector("#preview")
    assert "Не найдена строка заголовков" in page.inner_text("#report")
    from tests.browser.test_accessibility import ARTIFACTS  # the reviewer's screenshots folder
    (ARTIFACTS / "screenshots").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "screenshots" / "first-run-import-preview.png"), full_page=True)
    page.select_option("#preview select[aria-label='Фам.']", "last_name")
    page.click("#preview button[value=check]")
    page.wait_for_selector("#counts")
    assert "будет добавлено учеников — 2" in page.inner_text("#report")
    assert "Представителей в файле: 1, новых для школы: 1" in page.inner_text("#counts")
    page.click("#do-import")
    page.wait_for_selector("#report")
    assert "Загружено строк: 2" in page.inner_text("#report")
    page.goto(class_url)
    text = page.inner_text("main")
    assert "Лаптева Ника" in text and "Лаптев Глеб Сергеевич" in text
    from zhurnal.plugins.roster.importer import saved_mapping
    from zhurnal.plugins.roster.models import Guardian
    from zhurnal.core.identity.models import School
    with app.app_context():
        assert saved_mapping(School.get()) == {"фам": "last_name"}
        g = Guardian.get()
        assert (g.full_name, g.phone, len(list(g.student_links))) == ("Лаптева Юлия Викторовна", "+79157001020", 2)
