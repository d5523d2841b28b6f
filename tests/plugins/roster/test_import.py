"""Class list import and export: all-or-nothing, every bad row reported, CSV cp1251 and XLSX, CLI, API, page."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from click.testing import CliRunner

from zhurnal.core.cli import main as cli
from zhurnal.plugins.roster.models import Guardian, SchoolClass, Student, StudentGuardian
from tests.plugins.roster.conftest import HEADER, audit_since, count, csv_bytes, last_audit_id, xlsx_bytes

#: what an export writes: the import's columns with the pupil's СНИЛС after the address
EXPORT_HEADER = HEADER[:7] + ["СНИЛС"] + HEADER[7:]

NEW = [  # two new 5А pupils, siblings with one mother; the second has a father as well
    ["5А", "Жукова", "Мария", "Игоревна", "05.03.2015", "ж", "г. Тверь, ул. Советская, д. 5",
     "Жукова", "Елена", "Петровна", "+7 910 111-22-33", "zhukova@example.ru", "мать"],
    ["5А", "Жуков", "Пётр", "Игоревич", "7.11.2015", "м", "г. Тверь, ул. Советская, д. 5",
     "Жукова", "Елена", "Петровна", "+7 910 111-22-33", "zhukova@example.ru", "мать"],
    ["5А", "Жуков", "Пётр", "Игоревич", "7.11.2015", "м", "г. Тверь, ул. Советская, д. 5",
     "Жуков", "Игорь", "Семёнович", "8 (910) 444-55-66", "", "отец"],
]


def _import(app, data: bytes, name: str, user=None, dry_run=False, only_class=None):
    from zhurnal.core.identity.models import School
    from zhurnal.plugins.roster.importer import import_students
    with app.test_request_context():
        report = import_students(io.BytesIO(data), name, School.select().get(), user, dry_run, only_class=only_class)
        return report, report.lines()


def test_a_file_with_bad_rows_writes_nothing_and_reports_every_bad_row(demo_app):
    rows = [
        NEW[0],
        ["5А", "Козлов", "Артём", "", "31.02.2015", "м", "", "", "", "", "", "", ""],          # 3: no such date
        ["7Г", "Орлов", "Кирилл", "", "01.01.2015", "м", "", "", "", "", "", "", ""],          # 4: no such class
        ["5А", "", "Полина", "", "01.01.2015", "ж", "", "", "", "", "", "", ""],               # 5: no last name
        ["5А", "Белова", "Ева", "", "01.01.2015", "девочка?", "", "Белова", "", "", "12", "", "тётя"],  # 6: 3 errors
        NEW[1],
    ]
    students, guardians, since = count(demo_app, Student), count(demo_app, Guardian), last_audit_id(demo_app)
    report, lines = _import(demo_app, csv_bytes(rows), "5a.csv")
    assert not report.ok
    assert report.bad_rows() == [3, 4, 5, 6]
    by_row = {(e.row, e.column) for e in report.errors}
    assert {(3, "Дата рождения"), (4, "Класс"), (5, "Фамилия"), (6, "Пол"), (6, "Имя родителя"),
            (6, "Телефон родителя")} <= by_row
    text = "\n".join(lines)
    assert "Строка 3, «Дата рождения»: «31.02.2015» — не дата; напишите так: 05.03.2015." in text
    assert "Строка 4, «Класс»: В 2026/2027 учебном году нет класса 7Г." in text
    assert "Строка 5, «Фамилия»: Не указана фамилия." in text
    assert lines[-1] == "В файле 6 ошибок, ничего не загружено."
    # nothing written, not even the good rows
    assert (count(demo_app, Student), count(demo_app, Guardian)) == (students, guardians)
    assert not audit_since(demo_app, since)


def test_cp1251_semicolon_csv_creates_students_and_guardians_once(demo_app, ids):
    data = csv_bytes(NEW, encoding="cp1251")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    since = last_audit_id(demo_app)
    report, lines = _import(demo_app, data, "5А.csv")
    assert report.ok, lines
    assert (report.created, report.updated, report.rows) == (2, 0, 3)
    assert lines[-1] == "Загружено строк: 3. Добавлено учеников: 2, изменено: 0."
    with demo_app.app_context():
        masha = Student.get(Student.first_name == "Мария", Student.last_name == "Жукова")
        petya = Student.get(Student.first_name == "Пётр", Student.last_name == "Жуков")
        assert (masha.school_class_id, masha.birth_date, masha.gender) == (ids["class_5a"], dt.date(2015, 3, 5), "f")
        mothers = Guardian.select().where((Guardian.last_name == "Жукова") & (Guardian.first_name == "Елена"))
        assert mothers.count() == 1  # the siblings share one mother record
        links = {(l.student_id, l.relation) for l in StudentGuardian.select().where(
            StudentGuardian.student.in_([masha.id, petya.id]))}
        assert links == {(masha.id, "mother"), (petya.id, "mother"), (petya.id, "father")}
    actions = [e.action for e in audit_since(demo_app, since)]
    assert actions.count("roster.student.create") == 2 and actions[-1] == "roster.import"
    # the same file again changes nothing
    again, _lines = _import(demo_app, data, "5А.csv")
    assert again.ok and (again.created, again.updated) == (0, 0)
    assert count(demo_app, Guardian, Guardian.last_name == "Жукова", Guardian.first_name == "Елена") == 1


def test_encodings_delimiters_title_rows_and_full_name_columns(demo_app):
    header = ["Кл.", "ФИО ученика", "Д.Р.", "пол", "ФИО родителя", "Тел. родителя", "E-mail родителя", "Примечание"]
    rows = [["5а", "ЗАЙЦЕВА Алиса Олеговна", "2015-04-01", "Ж", "Зайцева Анна Ивановна", "+79101234567", "", "ок"]]
    report, lines = _import(demo_app, b"\xef\xbb\xbf" + csv_bytes(rows, delimiter=",", header=header), "list.csv")
    assert report.ok, lines
    assert any("«Примечание»" in line for line in lines)  # ignored columns are named
    with demo_app.app_context():
        st = Student.get(Student.first_name == "Алиса", Student.middle_name == "Олеговна")
        assert st.last_name == "Зайцева" and st.school_class.name == "5А"
    titled = xlsx_bytes([["5А", "Фомина", "Вера", "", dt.datetime(2015, 6, 1), "ж"] + [""] * 7],
                        title_rows=[["Список 5А класса на 2026/2027 учебный год"], []])
    report, lines = _import(demo_app, titled, "5А.xlsx")
    assert report.ok, lines
    with demo_app.app_context():
        assert Student.get(Student.last_name == "Фомина").birth_date == dt.date(2015, 6, 1)
    for data, name, message in [(b"", "x.csv", "Файл пуст."),
                                (b"\xd0\xcf\x11\xe0" + b"\0" * 100, "old.xls", "Старый формат Excel"),
                                (b"PK\x03\x04broken", "x.xlsx", "Не удаётся прочитать файл XLSX"),
                                (csv_bytes([["a", "b"]], header=["Что", "Где"]), "x.csv", "Не найдена строка заголовков")]:
        report, lines = _import(demo_app, data, name)
        assert not report.ok and message in lines[0], lines


def test_xlsx_export_import_round_trip(demo_app, ids, tmp_path):
    from zhurnal.plugins.roster.importer import export_students
    path = tmp_path / "5a.xlsx"
    with demo_app.app_context():
        from zhurnal.core.identity.models import School
        n = export_students(str(path), School.select().get(), "5a")
        assert n >= 25
    from openpyxl import load_workbook
    ws = load_workbook(path).active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert rows[0] == EXPORT_HEADER and len(rows) == n + 1
    assert isinstance(rows[1][4], dt.datetime)  # a real date cell
    assert {r[0] for r in rows[1:]} == {"5А"}
    # unchanged: nothing to do
    report, lines = _import(demo_app, path.read_bytes(), "5a.xlsx")
    assert report.ok and (report.created, report.updated) == (0, 0), lines
    # change an address, add a pupil, write it back
    rows[1][6] = "г. Тверь, ул. Новая, д. 1"
    rows.append(["5А", "Егорова", "Дарья", "Павловна", dt.datetime(2015, 2, 2), "ж", "", "", "Егорова", "Ирина", "",
                 "+7 900 000-11-22", "", "мать"])
    changed = xlsx_bytes(rows[1:], header=rows[0])
    report, lines = _import(demo_app, changed, "5a.xlsx")
    assert report.ok and (report.created, report.updated) == (1, 1), lines
    with demo_app.app_context():
        assert Student.select().where((Student.last_name == rows[1][1]) & (Student.first_name == rows[1][2]) &
                                      (Student.address == "г. Тверь, ул. Новая, д. 1")).exists()
        assert Student.select().where(Student.school_class == ids["class_5a"]).count() == 26


def test_csv_export_reads_back_unchanged(demo_app, tmp_path):
    from zhurnal.plugins.roster.importer import export_students
    path = tmp_path / "all.csv"
    with demo_app.app_context():
        from zhurnal.core.identity.models import School
        export_students(str(path), School.select().get(), None)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.decode("utf-8-sig").splitlines()[0] == ";".join(EXPORT_HEADER)
    report, lines = _import(demo_app, data, "all.csv")
    assert report.ok and report.created == 0 and report.updated == 0, lines[:5]
    assert report.rows == len(data.decode("utf-8-sig").splitlines()) - 1


def test_class_teacher_imports_only_into_their_class(demo_app, ids, as_user):
    rows = [NEW[0], ["6Б", "Серов", "Глеб", "", "01.01.2014", "м"] + [""] * 7, NEW[1]]
    students = count(demo_app, Student)
    r = as_user("klass5a").post(f"/api/v1/classes/{ids['class_5a']}/import",
                                data={"file": (io.BytesIO(xlsx_bytes(rows)), "5А.xlsx")},
                                content_type="multipart/form-data")
    assert r.status_code == 422
    err = r.get_json()["error"]
    assert err["code"] == "invalid_file"
    assert [(e["row"], e["column"]) for e in err["errors"]] == [(3, "Класс")]
    assert "6Б" in err["errors"][0]["message"]
    assert count(demo_app, Student) == students
    # the whole-school import page refuses the class teacher
    assert as_user("klass5a").get("/roster/import").status_code == 403


def test_api_upload_dry_run_then_write(demo_app, ids, as_user):
    c = as_user("klass5a")
    url = f"/api/v1/classes/{ids['class_5a']}/import"
    body = csv_bytes([row[1:] for row in NEW], header=HEADER[1:])  # no «Класс»: the class of the URL
    students = count(demo_app, Student)
    dry = c.post(url + "?dry_run=1", data={"file": (io.BytesIO(body), "list.csv")}, content_type="multipart/form-data")
    assert dry.status_code == 200
    assert dry.get_json()["written"] is False and dry.get_json()["created"] == 2
    assert count(demo_app, Student) == students
    real = c.post(url, data={"file": (io.BytesIO(body), "list.csv")}, content_type="multipart/form-data")
    assert real.status_code == 200 and real.get_json()["written"] and real.get_json()["created"] == 2
    assert count(demo_app, Student) == students + 2
    assert c.post(url, data={}, content_type="multipart/form-data").status_code == 422


def test_import_page_shows_the_report_in_russian(pages, ids):
    from tests.conftest import login
    c = login(pages, "klass5a")
    bad = csv_bytes([NEW[0], ["5А", "Орлов", "", "", "1.1.2015", "м"] + [""] * 7])
    r = c.post(f"/roster/classes/{ids['class_5a']}/import", data={"file": (io.BytesIO(bad), "5а.csv")},
               content_type="multipart/form-data")
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Не указано имя." in html and "В файле 1 ошибка, ничего не загружено." in html
    ok = c.post(f"/roster/classes/{ids['class_5a']}/import",
                data={"file": (io.BytesIO(csv_bytes(NEW)), "5а.csv"), "dry_run": "1"},
                content_type="multipart/form-data")
    assert ok.status_code == 200 and "будет добавлено учеников — 2" in ok.get_data(as_text=True)
    export = c.get(f"/roster/classes/{ids['class_5a']}/export.csv")
    assert export.status_code == 200 and export.headers["Cache-Control"] == "no-store"
    assert export.get_data().decode("utf-8-sig").startswith("Класс;Фамилия;Имя")
    assert c.get(f"/roster/classes/{ids['class_6b']}/export.csv").status_code == 403


def test_cli_import_and_export(demo_app, tmp_path):
    runner = CliRunner()
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(csv_bytes(NEW, encoding="cp1251"))
    bad.write_bytes(csv_bytes([NEW[0], ["9Я", "Орлов", "Олег", "", "", ""] + [""] * 7]))
    students = count(demo_app, Student)
    r = runner.invoke(cli, ["import", "students", str(bad)], obj={"app": demo_app})
    assert r.exit_code == 1
    assert "Строка 3, «Класс»: В 2026/2027 учебном году нет класса 9Я." in r.output
    r = runner.invoke(cli, ["import", "students", str(good), "--dry-run"], obj={"app": demo_app})
    assert r.exit_code == 0 and "ничего не записано" in r.output
    assert count(demo_app, Student) == students
    r = runner.invoke(cli, ["import", "students", str(good)], obj={"app": demo_app})
    assert r.exit_code == 0 and "Добавлено учеников: 2" in r.output, r.output
    assert count(demo_app, Student) == students + 2
    out = tmp_path / "5А.xlsx"
    r = runner.invoke(cli, ["export", "students", str(out), "--class", "5А"], obj={"app": demo_app})
    assert r.exit_code == 0, r.output
    from openpyxl import load_workbook
    names = {row[1] for row in load_workbook(out).active.iter_rows(min_row=2, values_only=True)}
    assert {"Жукова", "Жуков"} <= names
    r = runner.invoke(cli, ["export", "students", str(tmp_path / "x.csv"), "--class", "11Я"], obj={"app": demo_app})
    assert r.exit_code != 0 and "no class 11Я" in r.output
    with demo_app.app_context():
        from zhurnal.core.audit import AuditEntry
        assert AuditEntry.select().where(AuditEntry.action == "roster.export").exists()
