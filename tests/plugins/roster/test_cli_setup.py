"""Setting a school up from a script: ``zhurnal school|class|subject ...`` and staff accounts."""
from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from zhurnal.core.cli import main as zhurnal_main


@pytest.fixture
def cli():
    runner = CliRunner()

    def invoke(app, *args):
        return runner.invoke(zhurnal_main, list(args), obj={"app": app}, catch_exceptions=False)
    return invoke


def one_line_error(r, text: str) -> None:
    assert r.exit_code != 0, r.output
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert lines == [f"Error: {text}"], r.stderr


YEAR = ["school", "year", "create", "--start", "01.09.2026", "--end", "31.05.2027", "--periods", "trimesters",
        "--period", "01.09.2026-30.11.2026", "--period", "01.12.2026-28.02.2027",
        "--period", "2027-03-01:2027-05-31",
        "--holiday", "Осенние каникулы=26.10.2026-03.11.2026", "--holiday", "Зимние каникулы=29.12.2026-10.01.2027"]


def test_a_school_from_nothing_by_script(make_app, cli):
    app = make_app()
    # before a school exists, commands that need one say how to make it
    for args in (["users", "create", "ivanova", "Иванова И. П.", "--role", "teacher"], YEAR,
                 ["class", "create", "5А"], ["subject", "create", "Математика"]):
        one_line_error(cli(app, *args), "there is no school yet: create one with `zhurnal school create`")
    r = cli(app, "school", "create", "--name", "Муниципальное бюджетное общеобразовательное учреждение "
            "«Средняя общеобразовательная школа № 3»", "--short-name", "МБОУ СОШ № 3",
            "--address", "г. Чита, ул. Ленина, 5", "--timezone", "Asia/Chita")
    assert r.exit_code == 0, r.output
    assert re.fullmatch(r"created school \d+: МБОУ СОШ № 3\n", r.output)
    # exactly one school: --school is not needed
    r = cli(app, "users", "create", "ivanova", "Иванова Ирина Петровна", "--role", "teacher")
    assert r.exit_code == 0, r.output
    r = cli(app, *YEAR)
    assert r.output == "created school year 2026/2027 (3 trimesters, 2 holidays)\n", r.output
    r = cli(app, "class", "create", "5А", "--teacher", "ivanova", "--room", "12")
    assert r.output == "created 5А in 2026/2027, class teacher ivanova\n", r.output
    assert cli(app, "class", "create", "5б", "6 «А»").output == "created 5Б, 6А in 2026/2027\n"
    r = cli(app, "subject", "create", "Математика", "Русский язык")
    assert r.output == "created 2 subject(s): Математика, Русский язык\n"
    r = cli(app, "subject", "assign", "Математика", "ivanova", "5А", "5Б")
    assert r.output == "ivanova teaches Математика in 5А, 5Б\n", r.output
    r = cli(app, "school", "holiday", "add", "Весенние каникулы", "22.03.2027-29.03.2027")
    assert r.exit_code == 0 and "added holiday Весенние каникулы 22.03.2027-29.03.2027 to 2026/2027" in r.output
    from zhurnal.core import access
    from zhurnal.core.identity.models import School, User
    from zhurnal.plugins.roster.models import AcademicYear, Holiday, Period, SchoolClass, TeachingAssignment
    from zhurnal.plugins.roster.setup import profile
    with app.app_context():
        school = School.get()
        assert profile(school).timezone == "Asia/Chita" and profile(school).address == "г. Чита, ул. Ленина, 5"
        year = AcademicYear.get()
        assert year.period_kind == "trimesters"
        assert [p.name for p in Period.select().order_by(Period.number)] == ["1 триместр", "2 триместр", "3 триместр"]
        assert Holiday.select().count() == 3
        c5a = SchoolClass.get(SchoolClass.parallel == 5, SchoolClass.letter == "А")
        ivanova = User.get(User.login == "ivanova")
        assert c5a.class_teacher_id == ivanova.id and c5a.room == "12"
        assert "class_teacher" in access.roles(ivanova)
        assert TeachingAssignment.select().count() == 2
        from zhurnal.core.audit import AuditEntry
        actions = {e.action for e in AuditEntry.select()}
    assert {"roster.school.create", "roster.year.create", "roster.holiday.create", "roster.class.create",
            "roster.subject.create", "roster.teaching.assign"} <= actions


def test_setup_commands_refuse_bad_input_in_one_line(make_app, cli):
    app = make_app()
    cli(app, "school", "create", "--name", "Школа № 1", "--short-name", "Школа № 1")
    cases = [
        (["school", "create", "--name", "Школа № 1", "--short-name", "Школа № 1"],
         "a school named 'Школа № 1' exists already"),
        (["school", "create", "--name", "Другая", "--short-name", "Д", "--timezone", "Mars/Olympus"],
         "--timezone 'Mars/Olympus': Unknown time zone; write it like Europe/Moscow"),
        (["school", "year", "create", "--start", "01.09.2026", "--end", "31.05.2027", "--period",
          "01.09.2026-30.11.2026"], "periods: Give the dates of every reporting period of this kind "
                                    "(4 --period options for quarters)"),
        (["school", "year", "create", "--start", "31.09.2026", "--end", "31.05.2027"],
         "--start: '31.09.2026' is not a date (write 01.09.2026 or 2026-09-01)"),
        (["school", "year", "create", "--start", "01.09.2026", "--end", "01.09.2026"],
         "end: The end must be after the start"),
        (["class", "create", "5А"], "there is no school year yet: create one with `zhurnal school year create`"),
        (["school", "holiday", "add", "Каникулы", "01.11.2026-02.11.2026"],
         "there is no school year yet: create one with `zhurnal school year create`"),
        (["users", "create", "x", "X", "--role", "teacher", "--school", "99"], "no school with id 99"),
    ]
    for args, text in cases:
        one_line_error(cli(app, *args), text)
    assert cli(app, *YEAR).exit_code == 0
    cases = [
        (["class", "create", "12А"], "'12А' is not a class name: write a grade 1-11 and a letter, e.g. 5А"),
        (["class", "create", "5А", "--teacher", "nobody"], "no account with login 'nobody'"),
        (["school", "holiday", "add", "Лето", "01.06.2027-31.08.2027"], "Holidays must lie within the school year"),
        (["subject", "assign", "Физика", "x", "5А"], "no subject 'Физика': create it with `zhurnal subject create`"),
    ]
    for args, text in cases:
        one_line_error(cli(app, *args), text)
    assert cli(app, "class", "create", "5А").exit_code == 0
    one_line_error(cli(app, "class", "create", "5 а"), "class 5А exists already in 2026/2027")
    cli(app, "school", "create", "--name", "Школа № 2", "--short-name", "Школа № 2")
    one_line_error(cli(app, "subject", "create", "Физика"), "there are several schools: name one with --school ID")


def test_setup_commands_have_help(make_app, cli):
    app = make_app()
    for args in (["school"], ["school", "create"], ["school", "year", "create"], ["school", "holiday", "add"],
                 ["class", "create"], ["subject", "create"], ["subject", "assign"]):
        r = cli(app, *args, "--help")
        assert r.exit_code == 0 and "Usage:" in r.output, args
