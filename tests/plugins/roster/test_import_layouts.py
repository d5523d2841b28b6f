"""Class lists as schools really have them: files written here to look like what other systems and the
regional portal export (synthetic people), read without editing, with pupils, guardians, links,
phones and СНИЛС checked in the database afterwards."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from zhurnal.plugins.roster.import_values import snils_check


def snils(nine: str) -> str:
    """A valid СНИЛС (digits only) from nine digits."""
    return nine + f"{snils_check(nine):02d}"


S1, S2, S3, S4, S5 = (snils(n) for n in ("112233445", "123456789", "087654321", "200300400", "031415926"))


@pytest.fixture
def school(make_app):
    """A fresh school with the current year and classes 5А, 7А, 11А; no pupils."""
    app = make_app(plugins=["roster"])
    from zhurnal.core.identity.models import School
    from zhurnal.plugins.roster import service
    with app.app_context():
        s = School.create(name="Школа № 9", short_name="Школа № 9")
        year = service.create_year(s, "2026/2027", dt.date(2026, 9, 1), dt.date(2027, 5, 31), "halves",
                                   [(dt.date(2026, 9, 1), dt.date(2026, 12, 28)), (dt.date(2027, 1, 9),
                                                                                  dt.date(2027, 5, 31))])
        for par in (5, 7, 11):
            service.create_class(s, year, par, "А")
    return app


def run(app, data: bytes, name: str, *, dry_run=False, mapping=None):
    from zhurnal.core.identity.models import School
    from zhurnal.plugins.roster.importer import import_students
    with app.app_context():
        report = import_students(io.BytesIO(data), name, School.get(), None, dry_run, mapping=mapping)
        return report, report.lines()


def people(app) -> dict:
    """Pupils by full name: (class, birth date, snils, [(guardian full name, phone, relation)])."""
    from zhurnal.plugins.roster.models import Guardian, SchoolClass, Student, StudentGuardian
    out = {}
    with app.app_context():
        for st in Student.select():
            links = (StudentGuardian.select(StudentGuardian, Guardian).join(Guardian)
                     .where(StudentGuardian.student == st.id))
            out[st.full_name] = (SchoolClass.get_by_id(st.school_class_id).name, st.birth_date, st.snils,
                                 sorted((l.guardian.full_name, l.guardian.phone, l.relation) for l in links))
        out["_guardians"] = Guardian.select().count()
    return out


def csv_file(rows, *, encoding="utf-8", delimiter=";", bom=False) -> bytes:
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    data = buf.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def test_cp1251_portal_export_with_preamble_quoted_breaks_and_one_guardian_column(school):
    rows = [
        ["Выгрузка из АИС «Сетевой город. Образование»"], ["Дата выгрузки: 25.11.2026"], [],
        ["№ п/п", "Класс", "Фамилия ребенка", "Имя ребенка", "Отчество (при наличии)", "Дата рождения", "Пол",
         "СНИЛС", "Адрес", "ФИО законного представителя", "Телефон законного представителя", "Паспорт",
         "ОВЗ"],
        ["1", "7 «А»", "  жамсуев", "БАТО", "баирович", "05.03.2013", "М", S1[:3] + "-" + S1[3:6] + "-" + S1[6:9] +
         " " + S1[9:], "г. Чита,\r\nул. Ленина, д. 1", "Жамсуева Сэсэг Дашиевна", "8 (914) 123-45-67", "7610 123456",
         ""],
        ["2", "7-а", "Мамедов", "Эльчин", "Рашид ОГЛЫ", "11.12.2013", "м", S3.lstrip("0"), "", "Мамедов Рашид",
         "+7 914 765 43 21", "", "нет"],
        ["3", "7 а", "ИВАНОВА", "мария", "", "2013-01-30", "ж", "", "", "", "", "", ""],
    ]
    report, lines = run(school, csv_file(rows, encoding="cp1251"), "7a.csv")
    assert report.ok, lines
    assert (report.rows, report.created, report.guardians) == (3, 3, 2)
    p = people(school)
    assert p["Жамсуев Бато Баирович"] == ("7А", dt.date(2013, 3, 5), f"{S1[:3]}-{S1[3:6]}-{S1[6:9]} {S1[9:]}",
                                          [("Жамсуева Сэсэг Дашиевна", "+79141234567", "guardian")])
    mamedov = p["Мамедов Эльчин Рашид оглы"]
    assert mamedov[2] == f"{S3[:3]}-{S3[3:6]}-{S3[6:9]} {S3[9:]}"  # the leading zero Excel dropped is back
    assert mamedov[3] == [("Мамедов Рашид", "+79147654321", "guardian")]
    assert p["Иванова Мария"][3] == []
    assert p["_guardians"] == 2
    from zhurnal.plugins.roster.models import Student
    with school.app_context():
        assert Student.get(Student.last_name == "Жамсуев").address == "г. Чита, ул. Ленина, д. 1"
    ignored = [line for line in lines if "не загружается" in line]
    assert any("«Паспорт»" in line for line in ignored) and any("«ОВЗ»" in line for line in ignored)
    assert any("«№ п/п»" in line for line in ignored)


def test_csv_rows_are_named_by_the_line_they_start_on(school):
    rows = [["Класс", "Фамилия", "Имя", "Адрес", "Телефон родителя", "ФИО родителя"],
            ["5А", "Ершов", "Иван", "г. Чита,\r\nул. Мира, 1", "", ""],        # lines 2-3
            ["5А", "Ершова", "Ада", "", "123", "Ершова Анна"]]                  # line 4
    report, lines = run(school, csv_file(rows), "5a.csv")
    assert report.bad_rows() == [4], lines


def test_latin_captions_of_another_system_utf8_bom_commas(school):
    rows = [["lastname", "firstname", "middlename", "birthday", "class", "snils", "email", "phone",
             "parent_name", "parent_phone", "parent_email"],
            ["Petrova", "Anna", "", "2016-02-03", "5A", S2, " Anna.P@Example.RU ", "", "Петрова Ольга Ивановна",
             "79001112233", "OLGA@example.ru"],
            ["Сидоров", "Глеб", "Ильич", "03.04.2016", "5а", "", "", "8 900 111-22-44", "", "", ""]]
    report, lines = run(school, csv_file(rows, delimiter=",", bom=True), "export.csv")
    assert report.ok, lines
    from zhurnal.plugins.roster.models import Guardian, Student
    with school.app_context():
        anna = Student.get(Student.first_name == "Anna")
        assert anna.email == "anna.p@example.ru" and anna.snils == f"{S2[:3]}-{S2[3:6]}-{S2[6:9]} {S2[9:]}"
        assert Student.get(Student.last_name == "Сидоров").phone == "+79001112244"
        g = Guardian.get()
        assert (g.phone, g.email) == ("+79001112233", "olga@example.ru")


def _xlsx_two_level() -> bytes:
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(["Список обучающихся 5 «А» класса МБОУ СОШ № 9 на 2026/2027 учебный год"])
    ws.merge_cells("A1:K1")
    ws.append([])
    ws.append(["№", "ФИО обучающегося", "Дата рождения", "СНИЛС", "Мать", None, "Отец", None,
               "Законный представитель", None, "Класс"])
    ws.append([None, None, None, None, "ФИО", "Телефон", "ФИО", "Телефон", "ФИО", "Телефон", None])
    for col in ("A", "B", "C", "D", "K"):
        ws.merge_cells(f"{col}3:{col}4")
    for a, b in (("E", "F"), ("G", "H"), ("I", "J")):
        ws.merge_cells(f"{a}3:{b}3")
    ws.append([1, "Кузнецова Дарья Андреевна", dt.datetime(2015, 9, 1), int(S4), "Кузнецова Елена Викторовна",
               89051234567, "Кузнецов Андрей Петрович", "+7(905)765-43-21", None, None, "5А"])
    ws.append([2, "Кузнецов Илья Андреевич", dt.datetime(2017, 1, 15), None, "кузнецова елена викторовна",
               "8-905-123-45-67", None, None, None, None, "5А"])
    ws.append([3, "Орлова Вера Игоревна", 42400, int(S5), None, None, None, None, "Орлов Павел Семёнович",
               "+7 905 000 00 01", "5А"])
    ws.append([])
    ws.append(["Итого: 3 обучающихся"])
    ws["C5"].number_format = "DD.MM.YYYY"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_merged_title_two_level_header_footer_and_siblings(school):
    report, lines = run(school, _xlsx_two_level(), "5a.xlsx")
    assert report.ok, lines
    assert (report.rows, report.created, report.guardians, report.guardians_created) == (3, 3, 3, 3)
    p = people(school)
    mother = ("Кузнецова Елена Викторовна", "+79051234567", "mother")
    assert p["Кузнецова Дарья Андреевна"][3] == [("Кузнецов Андрей Петрович", "+79057654321", "father"), mother]
    assert p["Кузнецов Илья Андреевич"][3] == [mother]  # one mother for both, phone spelt differently
    assert p["Кузнецова Дарья Андреевна"][2] == f"{S4[:3]}-{S4[3:6]}-{S4[6:9]} {S4[9:]}"
    assert p["Кузнецова Дарья Андреевна"][1] == dt.date(2015, 9, 1)
    assert p["Орлова Вера Игоревна"][1] == dt.date(2016, 1, 31)  # an Excel day number
    assert p["Орлова Вера Игоревна"][3] == [("Орлов Павел Семёнович", "+79050000001", "guardian")]
    assert p["_guardians"] == 3
    assert not any("Итого" in line for line in lines)


def test_csv_saved_from_a_two_level_header(school):
    rows = [["Класс", "ФИО обучающегося", "Мать", "", "Отец", ""],
            ["", "", "ФИО", "Телефон", "ФИО", "Телефон"],
            ["5А", "Зимин Олег", "Зимина Ева", "8 900 100-00-01", "Зимин Лев", "8 900 100-00-02"]]
    report, lines = run(school, csv_file(rows), "5a.csv")
    assert report.ok, lines
    assert people(school)["Зимин Олег"][3] == [("Зимин Лев", "+79001000002", "father"),
                                               ("Зимина Ева", "+79001000001", "mother")]


def test_several_guardians_in_one_cell_and_following_lines(school):
    rows = [["Класс", "ФИО", "Дата рождения", "Родители (ФИО, телефон)"],
            ["11А", "Соколов Максим Олегович", "12.06.2009",
             "Соколова Ирина Павловна (мать) +7 916 111-22-33\nСоколов Олег Игоревич, отец\n8 916 444-55-66"],
            ["11А", "Соколова Алина Олеговна", "01.02.2011",
             "Соколова Ирина Павловна, мать, 89161112233; Соколов Олег Игоревич (отец)"]]
    report, lines = run(school, csv_file(rows), "11a.csv")
    assert report.ok, lines
    p = people(school)
    both = [("Соколов Олег Игоревич", "+79164445566", "father"), ("Соколова Ирина Павловна", "+79161112233", "mother")]
    assert p["Соколов Максим Олегович"][3] == both and p["Соколова Алина Олеговна"][3] == both
    assert p["_guardians"] == 2


def test_a_second_phone_of_a_guardian_is_named_in_the_report(school):
    rows = [["Класс", "ФИО", "ФИО законного представителя", "Телефон законного представителя"],
            ["5А", "Дроздов Кирилл", "Дроздова Алла Петровна", "8 912 000-00-01, 8 343 200-00-02"]]
    report, lines = run(school, csv_file(rows), "5a.csv")
    assert report.ok, lines
    assert any(line.startswith("Строка 2, «Телефон законного представителя»") and "8 343 200-00-02" in line
               for line in lines), lines
    assert people(school)["Дроздов Кирилл"][3] == [("Дроздова Алла Петровна", "+79120000001", "guardian")]


def test_one_row_per_person_with_a_role_and_a_family_code(school):
    rows = [["Роль", "Код семьи", "Фамилия", "Имя", "Отчество", "Дата рождения", "Класс", "Телефон", "Кем приходится"],
            ["ученик", "F-1", "Егоров", "Тимур", "Русланович", "02.02.2015", "5А", "", ""],
            ["ученица", "F-1", "Егорова", "Алия", "Руслановна", "03.03.2013", "7А", "", ""],
            ["родитель", "F-1", "Егорова", "Гульнара", "Ринатовна", "", "", "+7 (917) 000-00-11", "мать"],
            ["отец", "F-1", "Егоров", "Руслан", "Маратович", "", "", "", ""],
            ["Ученик", "F-2", "Белов", "Лев", "", "04.04.2015", "5А", "", ""]]
    report, lines = run(school, csv_file(rows), "people.csv")
    assert report.ok, lines
    assert (report.created, report.guardians) == (3, 2)
    p = people(school)
    fam = [("Егоров Руслан Маратович", "", "father"), ("Егорова Гульнара Ринатовна", "+79170000011", "mother")]
    assert p["Егоров Тимур Русланович"][3] == fam and p["Егорова Алия Руслановна"][3] == fam
    assert p["Белов Лев"][3] == [] and p["_guardians"] == 2


def test_role_rows_linked_by_the_pupil_s_code_or_name(school):
    rows = [["Код", "Тип", "ФИО", "Дата рождения", "Класс", "Ребенок", "Телефон", "Степень родства"],
            ["u1", "обучающийся", "Ким Дана Сергеевна", "01.01.2013", "7А", "", "", ""],
            ["u2", "обучающийся", "Ким Ли Сергеевич", "02.02.2009", "11А", "", "", ""],
            ["p1", "законный представитель", "Ким Сергей Ильич", "", "", "u1; Ким Ли Сергеевич", "+79990001122",
             "отец"],
            ["p2", "родитель", "Ким Ольга", "", "", "Пак Юна", "", "мать"]]
    report, lines = run(school, csv_file(rows), "people.csv")
    assert not report.ok and report.bad_rows() == [5], lines
    assert "Ученика «Пак Юна» нет в файле" in lines[0]
    report, lines = run(school, csv_file(rows[:4]), "people.csv")
    assert report.ok, lines
    p = people(school)
    father = [("Ким Сергей Ильич", "+79990001122", "father")]
    assert p["Ким Дана Сергеевна"][3] == father and p["Ким Ли Сергеевич"][3] == father


def test_a_file_with_bad_rows_is_refused_whole_naming_exactly_those_rows(school):
    rows = [["Список класса"], [],
            ["Класс", "Фамилия", "Имя", "Дата рождения", "СНИЛС", "ФИО законного представителя", "Телефон родителя",
             "Email родителя"],
            ["5А", "Рябов", "Денис", "01.01.2015", S1, "Рябова Анна", "+7 900 000 00 01", ""],       # 4: good
            ["5А", "Лисина", "Ада", "01.01.2015", "", "Лисина Вера", "+7 900 000 01", ""],         # 5: 9 digits
            ["5А", "Гусев", "Ян", "01.01.2015", S2[:-2] + "00", "", "", ""],                       # 6: check number
            ["9Б", "Носов", "Юрий", "01.01.2015", "", "", "", ""],                                 # 7: no class 9Б
            [],                                                                                    # 8: blank
            ["5 А", "  рябов ", "Денис", "01.01.2015", S1, "", "", ""],                            # 9: same as 4
            ["5А", "Фомин", "Олег", "31.02.2015", "", "", "", ""],                                 # 10: no such date
            ["5А", "Зуева", "Ира", "01.01.2015", "", "Зуева Нина", "", "nina@"],                   # 11: bad e-mail
            ["5А", "Титов", "Марк", "02.02.2015", "", "", "", ""],                                 # 12: good
            ["Итого", "", "", "", "", "", "", ""]]                                                 # footer
    report, lines = run(school, csv_file(rows), "bad.csv")
    assert not report.ok
    assert report.bad_rows() == [5, 6, 7, 9, 10, 11]
    by_row = {e.row: (e.column, line) for e, line in zip(report.errors, lines)}
    assert by_row[5][0] == "Телефон родителя" and "9" in by_row[5][1]
    assert by_row[6][0] == "СНИЛС" and "контрольное число" in by_row[6][1]
    assert by_row[7][0] == "Класс" and "9Б" in by_row[7][1]
    assert by_row[9][1].startswith("Строка 9") and "строке 4" in by_row[9][1]
    assert by_row[10][0] == "Дата рождения" and by_row[11][0] == "Email родителя"
    assert people(school) == {"_guardians": 0}  # nothing written


def test_existing_pupils_are_updated_not_duplicated(school):
    rows = [["Класс", "ФИО", "Дата рождения", "Адрес", "ФИО матери", "Телефон матери"],
            ["5А", "Орехов Никита Сергеевич", "01.05.2015", "ул. Лесная, 1", "Орехова Мария", "89001234567"]]
    assert run(school, csv_file(rows), "a.csv")[0].created == 1
    rows[1][3], rows[1][5] = "ул. Лесная, 2", "+7 900 123-45-67"
    report, lines = run(school, csv_file(rows), "a.csv")
    assert report.ok and (report.created, report.updated) == (0, 1), lines
    p = people(school)
    assert list(p) == ["Орехов Никита Сергеевич", "_guardians"] and p["_guardians"] == 1


def test_a_new_sibling_gets_the_guardian_the_school_has(school):
    rows = [["Класс", "ФИО", "Дата рождения", "ФИО матери", "Телефон матери"],
            ["7А", "Гришин Фёдор", "01.05.2013", "Гришина Зоя Петровна", ""]]
    assert run(school, csv_file(rows), "7a.csv")[0].ok
    rows = [rows[0], ["5А", "Гришин Пётр", "01.05.2015", "Гришина Зоя Петровна", "8 901 000 22 33"]]
    report, lines = run(school, csv_file(rows), "5a.csv")
    assert report.ok and report.guardians_created == 0, lines
    p = people(school)
    assert p["_guardians"] == 1 and p["Гришин Пётр"][3] == [("Гришина Зоя Петровна", "+79010002233", "mother")]
    assert p["Гришин Фёдор"][3] == [("Гришина Зоя Петровна", "+79010002233", "mother")]


def test_unknown_caption_is_mapped_by_the_user_and_remembered(school):
    rows = [["Класс", "Фам.", "Имя", "Д/р"], ["5А", "Щукин", "Карп", "01.01.2015"]]
    report, lines = run(school, csv_file(rows), "odd.csv")
    assert not report.ok and "«Фам.»" in lines[0] and "«Фамилия»" in lines[0], lines
    report, lines = run(school, csv_file(rows), "odd.csv", dry_run=True, mapping={"Фам.": "last_name", "Д/р": "birth_date"})
    assert report.ok and report.created == 1 and not report.written, lines
    from zhurnal.core.identity.models import School
    from zhurnal.plugins.roster.importer import save_mapping
    with school.app_context():
        save_mapping(School.get(), {"фам": "last_name", "д/р": "birth_date"})
    report, lines = run(school, csv_file(rows), "odd.csv")  # next time without mapping
    assert report.ok and report.created == 1, lines
    assert people(school)["Щукин Карп"][1] == dt.date(2015, 1, 1)
