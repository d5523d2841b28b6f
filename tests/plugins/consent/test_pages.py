"""The class teacher's control page: who consented, refused, has nothing registered; filters;
the registration form; CSV/XLSX export; the printable form; the menu and the dashboard widget."""
from __future__ import annotations

import io
import re

import pytest

from tests.conftest import login


def _rows(html: str) -> dict[int, str]:
    return {int(g): s for g, s in re.findall(r'<tr data-guardian="(\d+)" data-status="(\w+)">', html)}


def test_the_control_page_lists_every_guardian_with_the_status(demo_app, cids):
    from zhurnal.plugins.consent import service
    r = login(demo_app, "klass5a").get(f"/consent/classes/{cids['class_5a']}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    with demo_app.app_context():
        expected = {row["guardian_id"]: row["status"] for row in service.class_overview(cids["class_5a"])}
    assert _rows(html) == expected
    assert "Согласия, 5А класс" in html and "ничего не оформлено" in html and "отказ" in html
    assert 'id="register"' in html  # the class teacher may register


@pytest.mark.parametrize("status", ["granted", "refused", "none", "paper"])
def test_filters(demo_app, cids, status):
    rows = _rows(login(demo_app, "klass5a").get(f"/consent/classes/{cids['class_5a']}?status={status}")
                 .get_data(as_text=True))
    assert rows
    if status == "paper":
        assert set(rows.values()) <= {"refused", "withdrawn", "none", "mixed"}
        assert cids["guardian_refused"] in rows and cids["guardian_none"] in rows
    else:
        assert set(rows.values()) == {status}


def test_a_bad_filter_is_400(demo_app, cids):
    assert login(demo_app, "klass5a").get(f"/consent/classes/{cids['class_5a']}?status=maybe").status_code == 400


def test_registering_on_the_page(demo_app, cids):
    c = login(demo_app, "klass5a")
    url = f"/consent/classes/{cids['class_5a']}"
    r = c.post(url, data={"guardian_id": cids["guardian_none"], "status": "granted", "date": "2026-11-24",
                          "number": "С-44", "kept_at": "папка 5А"})
    assert r.status_code == 302
    assert _rows(c.get(url).get_data(as_text=True))[cids["guardian_none"]] == "granted"
    hist = c.get(f"/consent/guardians/{cids['guardian_none']}").get_data(as_text=True)
    assert "С-44" in hist and "папка 5А" in hist and "Иванова Ольга Николаевна" in hist
    # errors: shown on the page with 422, nothing written
    for data, text in [({"date": "2030-01-01"}, "не может быть в будущем"), ({"number": ""}, "Обязательное поле"),
                       ({"status": "withdrawn", "guardian_id": cids["guardian_refused"]}, "Нет действующего согласия"),
                       ({"guardian_id": "abc"}, "Выберите родителя"), ({"guardian_id": "999999"}, "Выберите родителя"),
                       ({"date": "31.02.2026"}, "Неверная дата")]:
        form = {"guardian_id": cids["guardian_none"], "status": "refused", "date": "2026-11-25", "number": "N"} | data
        r = c.post(url, data=form)
        assert r.status_code == 422 and text in r.get_data(as_text=True), data
    assert _rows(c.get(url).get_data(as_text=True))[cids["guardian_none"]] == "granted"


def test_the_page_form_only_takes_guardians_of_the_class(demo_app, cids):
    """A guardian of 6Б only cannot be registered from 5А's page."""
    from zhurnal.plugins.consent import service
    with demo_app.app_context():
        other = service.class_overview(cids["class_6b"])
        ids_5a = {r["guardian_id"] for r in service.class_overview(cids["class_5a"])}
    outsider = next(r["guardian_id"] for r in other if r["guardian_id"] not in ids_5a)
    r = login(demo_app, "klass5a").post(f"/consent/classes/{cids['class_5a']}", data={
        "guardian_id": outsider, "status": "refused", "date": "2026-11-25", "number": "N"})
    assert r.status_code == 422


def test_the_class_page_of_another_class_is_403(demo_app, cids):
    assert login(demo_app, "klass5a").get(f"/consent/classes/{cids['class_6b']}").status_code == 403
    for cid in (999999, 2 ** 63, 10 ** 30):
        assert login(demo_app, "klass5a").get(f"/consent/classes/{cid}").status_code == 404
        assert login(demo_app, "klass5a").get(f"/consent/classes/{cid}/export.csv").status_code == 404
        assert login(demo_app, "klass5a").get(f"/consent/form?class_id={cid}").status_code == 404
        assert login(demo_app, "klass5a").get(f"/consent/guardians/{cid}").status_code == 404


def test_csv_export(demo_app, cids):
    from zhurnal.core.tabular import raw_rows
    r = login(demo_app, "klass5a").get(f"/consent/classes/{cids['class_5a']}/export.csv?status=none")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    assert r.data.startswith(b"\xef\xbb\xbf")
    rows = [row for _n, row in raw_rows(r.data, "x.csv")]
    assert rows[0][:3] == ["Родитель", "Ученик", "Согласие"]
    assert rows[1:] and all(row[2] == "ничего не оформлено" for row in rows[1:])


def test_xlsx_export_and_its_audit(demo_app, cids):
    from openpyxl import load_workbook
    from zhurnal.core.audit import AuditEntry
    from zhurnal.plugins.consent import service
    r = login(demo_app, "director").get(f"/consent/classes/{cids['class_5a']}/export.xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.data)).active
    values = list(ws.iter_rows(values_only=True))
    with demo_app.app_context():
        n = sum(len(row["children"]) for row in service.class_overview(cids["class_5a"]))
    assert len(values) == n + 1
    granted = [v for v in values[1:] if v[2] == "согласие дано"]
    assert granted and all(v[4] for v in granted)  # a document number for every consent
    with demo_app.app_context():
        e = AuditEntry.select().where(AuditEntry.action == "consent.export").order_by(AuditEntry.id.desc()).get()
        assert e.login == "director" and e.payload == {"format": "xlsx", "rows": n}


def test_the_administration_sees_every_class(demo_app, cids):
    html = login(demo_app, "director").get("/consent/").get_data(as_text=True)
    assert len(re.findall(r'<tr data-class="\d+">', html)) == 4
    r = login(demo_app, "klass5a").get("/consent/")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/consent/classes/{cids['class_5a']}")


def test_the_printable_form(demo_app, cids):
    c = login(demo_app, "klass5a")
    html = c.get("/consent/form").get_data(as_text=True)
    assert "152-ФЗ" in html and "Средняя общеобразовательная школа № 17" in html and "{school}" not in html
    assert "Редакция бланка 1" in html
    filled = c.get(f"/consent/form?class_id={cids['class_5a']}&status=none").get_data(as_text=True)
    assert filled.count('<section class="form">') >= 1
    from zhurnal.plugins.roster.models import Guardian
    with demo_app.app_context():
        assert Guardian.get_by_id(cids["guardian_none"]).full_name in filled
    from zhurnal.core.audit import AuditEntry
    with demo_app.app_context():
        e = AuditEntry.select().where(AuditEntry.action == "consent.record.read").order_by(AuditEntry.id.desc()).get()
        assert (e.login, e.object_id, e.payload["via"]) == ("klass5a", str(cids["class_5a"]), "web:forms")
    assert c.get("/consent/form?version=7").status_code == 404
    assert c.get(f"/consent/form?class_id={cids['class_6b']}").status_code == 403


def test_menu_and_dashboard_widget(demo_app, cids):
    from zhurnal.plugins.consent import service
    with demo_app.app_context():
        n = sum(1 for r in service.class_overview(cids["class_5a"]) if any(c["status"] == "none" for c in r["children"]))
    html = login(demo_app, "klass5a").get("/").get_data(as_text=True)
    assert 'href="/consent/"' in html
    assert re.search(rf"{n} родител\w* без оформленного согласия", html)
    assert 'href="/consent/"' not in login(demo_app, "parent1").get("/").get_data(as_text=True)
    assert 'href="/consent/"' not in login(demo_app, "teacher").get("/").get_data(as_text=True)


def test_the_director_publishes_a_new_form_version(demo_app, cids):
    from zhurnal.plugins.consent.models import ConsentRecord
    c = login(demo_app, "director")
    r = c.post("/consent/texts", data={"title": "Согласие (редакция 2027 г.)", "valid_from": "2026-11-26",
                                       "body": "Я, ____, даю согласие {school} на обработку персональных данных."})
    assert r.status_code == 302
    html = c.get("/consent/texts").get_data(as_text=True)
    assert 'data-version="2"' in html and "Согласие (редакция 2027 г.)" in html
    printed = c.get("/consent/form").get_data(as_text=True)
    assert "Редакция бланка 2" in printed and "Средняя общеобразовательная школа № 17" in printed
    assert "Редакция бланка 1" in c.get("/consent/form?version=1").get_data(as_text=True)
    login(demo_app, "klass5a").post(f"/consent/classes/{cids['class_5a']}", data={
        "guardian_id": cids["guardian_none"], "status": "granted", "date": "2026-11-26", "number": "С-9"})
    with demo_app.app_context():
        assert ConsentRecord.select().order_by(ConsentRecord.id.desc()).get().text.version == 2
    r = c.post("/consent/texts", data={"title": "", "valid_from": "2026-11-26", "body": "x"})
    assert r.status_code == 422 and "Обязательное поле" in r.get_data(as_text=True)
    r = c.post("/consent/texts", data={"title": "T", "valid_from": "26.11", "body": "x"})
    assert r.status_code == 422
    assert 'data-version="3"' not in c.get("/consent/texts").get_data(as_text=True)
    assert login(demo_app, "klass5a").get("/consent/texts").status_code == 403


def test_the_administrations_overview_takes_a_constant_number_of_queries(demo_app, cids):
    from tests.utils import count_queries
    c = login(demo_app, "director")
    c.get("/consent/")
    with count_queries() as q:
        assert c.get("/consent/").status_code == 200
    assert q.count <= 12, q.queries


def test_the_student_card_shows_the_guardians_consent(demo_app, cids):
    html = login(demo_app, "klass5a").get(f"/roster/students/{cids['student1']}").get_data(as_text=True)
    assert 'id="consent-card"' in html
    assert f'data-guardian="{cids["guardian_parent1"]}" data-status="granted"' in html
    # the parent and the student open the card too, without this section
    for who in ("parent1", "student1"):
        r = login(demo_app, who).get(f"/roster/students/{cids['student1']}")
        assert r.status_code == 200 and 'id="consent-card"' not in r.get_data(as_text=True)


def test_the_audit_page_reads_consent_entries_in_words(demo_app, cids):
    login(demo_app, "klass5a").post(f"/consent/classes/{cids['class_5a']}", data={
        "guardian_id": cids["guardian_none"], "status": "granted", "date": "2026-11-26", "number": "С-77"},
        follow_redirects=True)
    html = login(demo_app, "director").get("/admin/audit?person=klass5a").get_data(as_text=True)
    assert "зарегистрировал(а) бланк согласия" in html and "просмотрел(а) реестр согласий" in html
