"""Import of a class's health sheet from XLSX/CSV: all or nothing, errors by row and column."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl

from tests.conftest import login

from .conftest import audit_since, last_audit_id, small_school

HEADER = ["Фамилия", "Имя", "Отчество", "Дата рождения", "Группа здоровья", "Физкультурная группа", "Действует до",
          "Рекомендации", "Аллергии"]
GOOD = [
    ["Алексеев", "Иван", "Петрович", dt.date(2015, 3, 14), "II", "основная", None, "", "Орехи"],
    ["Борисова", "Анна", "Сергеевна", "02.07.2015", "III", "Специальная", "31.05.2027", "Первая парта", ""],
    ["Волков", "Пётр", "", dt.datetime(2015, 11, 30), 1, "освобождён", dt.date(2026, 12, 25), "", ""],
]


def xlsx(rows, header=HEADER) -> io.BytesIO:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf


def _post(client, class_id, buf, name="лист.xlsx", dry_run=False):
    data = {"file": (buf, name)}
    if dry_run:
        data["dry_run"] = "1"
    return client.post(f"/api/v1/classes/{class_id}/health/import", data=data, content_type="multipart/form-data")


def test_valid_file_is_imported(make_app):
    app = make_app(plugins=["roster", "health_sheet"])
    s = small_school(app)
    since = last_audit_id(app)
    klass = login(app, "klass")
    r = _post(klass, s["class"], xlsx(GOOD), dry_run=True)
    assert r.status_code == 200 and r.get_json()["written"] is False and r.get_json()["rows"] == 3
    # dry_run in the query string, as for the roster's class list import
    r = klass.post(f"/api/v1/classes/{s['class']}/health/import?dry_run=1", data={"file": (xlsx(GOOD), "x.xlsx")},
                   content_type="multipart/form-data")
    assert r.status_code == 200 and r.get_json()["dry_run"] is True and r.get_json()["written"] is False
    assert klass.get(f"/api/v1/students/{s['students'][0]}/health").get_json()["exists"] is False
    assert audit_since(app, since, "health_sheet.import") == []

    r = _post(klass, s["class"], xlsx(GOOD))
    body = r.get_json()
    assert r.status_code == 200, body
    assert (body["ok"], body["written"], body["created"], body["updated"]) == (True, True, 3, 0)
    table = {row["student_id"]: row for row in klass.get(f"/api/v1/classes/{s['class']}/health").get_json()["rows"]}
    a, b, v = (table[i] for i in s["students"])
    assert (a["health_group"], a["pe_group"], a["allergies"], a["source"]) == (2, "main", "Орехи", "nurse_data")
    assert (b["health_group"], b["pe_group"], b["pe_valid_to"], b["recommendations"]) == \
        (3, "special", "2027-05-31", "Первая парта")
    assert (v["health_group"], v["pe_group"], v["pe_valid_to"]) == (1, "exempt", "2026-12-25")
    hist = klass.get(f"/api/v1/students/{s['students'][0]}/health/history").get_json()
    assert hist["items"][0]["via"] == "import"
    imports = audit_since(app, since, "health_sheet.import")
    assert len(imports) == 1 and imports[0].payload["created"] == 3 and imports[0].login == "klass"

    # the same file again: nothing changes; a changed row makes a new version
    rows = [list(r) for r in GOOD]
    rows[0][4] = "I"
    body = _post(klass, s["class"], xlsx(rows)).get_json()
    assert (body["created"], body["updated"], body["unchanged"]) == (0, 1, 2)
    assert klass.get(f"/api/v1/students/{s['students'][0]}/health").get_json()["version"] == 2


def test_errors_by_row_and_column_and_nothing_written(make_app):
    app = make_app(plugins=["roster", "health_sheet"])
    s = small_school(app)
    rows = [
        GOOD[0],
        ["Борисова", "Анна", "", "02.07.2015", "VI", "основная", "", "", ""],             # row 3: health group
        ["Волков", "Пётр", "", "30.11.2015", "I", "олимпийская", "вчера", "", ""],         # row 4: PE group, date
        ["Петров", "Пётр", "", "01.01.2015", "I", "основная", "", "", ""],                 # row 5: not in the class
        ["Алексеев", "Иван", "", "14.03.2015", "I", "основная", "", "", ""],               # row 6: twice
        ["", "Иван", "", "", "I", "основная", "", "", ""],                                 # row 7: empty cells
    ]
    r = _post(login(app, "nurse"), s["class"], xlsx(rows))
    assert r.status_code == 422
    body = r.get_json()["error"]  # the kernel's error shape, carrying the whole report
    assert body["code"] == "invalid_file" and "Ничего не загружено" in body["message"]
    assert body["fields"] == {"file": body["message"]}
    assert body["ok"] is False and body["written"] is False
    errors = [(e["row"], e["column"]) for e in body["errors"]]
    assert errors == [(3, "Группа здоровья"), (4, "Физкультурная группа"), (4, "Действует до"), (5, "Фамилия"),
                      (6, "Фамилия"), (7, "Фамилия"), (7, "Дата рождения")]
    messages = {(e["row"], e["column"]): e["message"] for e in body["errors"]}
    assert "I, II, III, IV" in messages[(3, "Группа здоровья")]
    assert "не найден" in messages[(5, "Фамилия")] and "5А" in messages[(5, "Фамилия")]
    assert "строке 2" in messages[(6, "Фамилия")]
    assert body["lines"][0].startswith("Строка 3")
    # nothing at all was written, not even the good first row
    assert login(app, "nurse").get(f"/api/v1/students/{s['students'][0]}/health").get_json()["exists"] is False


def test_missing_columns_and_bad_files(make_app):
    app = make_app(plugins=["roster", "health_sheet"])
    s = small_school(app)
    nurse = login(app, "nurse")
    body = _post(nurse, s["class"], xlsx(GOOD, header=["Фамилия", "Имя", "Дата рождения", "Аллергии"])).get_json()["error"]
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(1, "Группа здоровья"), (1, "Физкультурная группа")]
    assert "нет" in body["errors"][0]["message"].lower() or "отсутств" in body["errors"][0]["message"].lower()
    r = _post(nurse, s["class"], io.BytesIO(b"not a spreadsheet"), name="x.xlsx")
    assert r.status_code == 422 and r.get_json()["error"]["errors"][0]["row"] == 1
    r = _post(nurse, s["class"], xlsx([]))
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "invalid_file"
    r = nurse.post(f"/api/v1/classes/{s['class']}/health/import", data={}, content_type="multipart/form-data")
    assert r.status_code == 422 and "file" in r.get_json()["error"]["fields"]


def test_csv_and_cli_importer_with_a_class_column(make_app):
    """The ``health`` importer kind (as ``zhurnal import health`` calls it): students found by class."""
    app = make_app(plugins=["roster", "health_sheet"])
    s = small_school(app)
    csv_text = ("Класс;Фамилия;Имя;Дата рождения;Группа здоровья;Физкультурная группа\n"
                "5А;Борисова;Анна;02.07.2015;2;подготовительная\n"
                "7В;Волков;Пётр;30.11.2015;1;основная\n")
    with app.app_context():
        from zhurnal.core.identity.models import School
        importers = app.extensions["zhurnal"].plugins.per_plugin("zhurnal_importers")["health_sheet"]
        school = School.get_by_id(s["school"])
        report = importers["health"](io.BytesIO(csv_text.encode("utf-8")), "health.csv", school, None, False)
        assert not report.ok
        assert [(e.row, e.column) for e in report.errors] == [(3, "Фамилия")]
        assert "7В" in report.errors[0].message
        assert report.lines()[0].startswith("Строка 3, «Фамилия»")
        report = importers["health"](io.BytesIO(csv_text.splitlines()[0].encode() + b"\n" +
                                                csv_text.splitlines()[1].encode()), "health.csv", school, None, False)
        assert report.ok and report.written and report.created == 1
        from zhurnal.plugins.health_sheet.models import HealthRecord
        rec = HealthRecord.get(HealthRecord.student == s["students"][1])
        assert (rec.health_group, rec.pe_group) == (2, "preparatory")


def test_import_page(make_app):
    app = make_app(plugins=["roster", "health_sheet"])
    app.config["WTF_CSRF_ENABLED"] = False
    s = small_school(app)
    c = login(app, "klass")
    page = c.get(f"/health_sheet/classes/{s['class']}/import")
    assert page.status_code == 200 and "Физкультурная группа" in page.get_data(as_text=True)
    rows = [GOOD[0], ["Борисова", "Анна", "", "02.07.2015", "VI", "основная", "", "", ""]]
    r = c.post(f"/health_sheet/classes/{s['class']}/import", data={"file": (xlsx(rows), "x.xlsx")},
               content_type="multipart/form-data")
    assert r.status_code == 422
    text = r.get_data(as_text=True)
    assert "Группа здоровья" in text and "<td>3</td>" in text
    r = c.post(f"/health_sheet/classes/{s['class']}/import", data={"file": (xlsx(GOOD), "x.xlsx")},
               content_type="multipart/form-data")
    assert r.status_code == 200 and "3" in r.get_data(as_text=True)
    assert login(app, "fizruk").get(f"/health_sheet/classes/{s['class']}/import").status_code == 403
    assert login(app, "teacher").get(f"/health_sheet/classes/{s['class']}/import").status_code == 403


def _importer(app):
    return app.extensions["zhurnal"].plugins.per_plugin("zhurnal_importers")["health_sheet"]["health"]


def test_a_file_as_schools_keep_it_title_row_cp1251_and_totals(make_app):
    """The health sheet is read by the kernel's table reader, like the class list: a title above the
    header, a CSV saved by Excel in cp1251 and a totals footer are accepted."""
    app = make_app(plugins=["roster", "health_sheet"])
    s = small_school(app)
    csv_text = ("Листок здоровья 5А класса, 2026/2027 учебный год;;;;;\r\n"
                ";;;;;\r\n"
                "Класс;Фамилия;Имя;Дата рождения;Группа здоровья;Физкультурная группа\r\n"
                "5А;Борисова;Анна;02.07.2015;2;подготовительная\r\n"
                "5А;Волков;Пётр;30.11.2015;I;основная\r\n"
                "Итого: 2;;;;;\r\n")
    with app.app_context():
        from zhurnal.core.identity.models import School
        from zhurnal.plugins.health_sheet.models import HealthRecord
        school = School.get_by_id(s["school"])
        report = _importer(app)(io.BytesIO(csv_text.encode("cp1251")), "здоровье.csv", school, None, False)
        assert report.ok and report.written, report.lines()
        assert (report.rows, report.created) == (2, 2)
        groups = {r.student_id: (r.health_group, r.pe_group) for r in HealthRecord.select()}
        assert groups == {s["students"][1]: (2, "preparatory"), s["students"][2]: (1, "main")}

    # an XLSX with a merged title over the table
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Листок здоровья 5А класса"])
    ws.merge_cells("A1:F1")
    ws.append(HEADER[:6])
    ws.append(GOOD[0][:6])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    r = _post(login(app, "nurse"), s["class"], buf)
    body = r.get_json()
    assert r.status_code == 200, body
    assert (body["rows"], body["updated"], body["created"]) == (1, 0, 1)


def test_a_bad_cp1251_file_is_refused_whole_row_by_row(make_app):
    app = make_app(plugins=["roster", "health_sheet"])
    s = small_school(app)
    csv_text = ("Медицинские данные учащихся\r\n"
                "Фамилия;Имя;Дата рождения;Группа здоровья;Физкультурная группа\r\n"
                "Алексеев;Иван;14.03.2015;II;основная\r\n"
                "Борисова;Анна;31.02.2015;II;основная\r\n"
                "Волков;Пётр;30.11.2015;VII;основная\r\n")
    with app.app_context():
        from zhurnal.core.identity.models import School
        from zhurnal.plugins.health_sheet.models import HealthRecord
        school = School.get_by_id(s["school"])
        report = _importer(app)(io.BytesIO(csv_text.encode("cp1251")), "bad.csv", school, None, False)
        assert not report.ok and not report.written
        assert [(e.row, e.column) for e in report.errors] == [(4, "Дата рождения"), (5, "Группа здоровья")]
        lines = report.lines()
        assert lines[0].startswith("Строка 4, «Дата рождения»") and lines[1].startswith("Строка 5, «Группа здоровья»")
        assert "Ничего не загружено" in lines[-1]
        assert HealthRecord.select().count() == 0  # not even the good first row
