"""``zhurnal school|class|subject ...``: set a school up from a script.

``zhurnal school create``, ``zhurnal school year create``, ``zhurnal school holiday add``,
``zhurnal class create 5А --teacher login``, ``zhurnal subject create`` (and ``subject assign``).
Every command checks what the pages and the API check, writes through the service (audited),
and fails with one line and a non-zero exit.
"""
from __future__ import annotations

import datetime as dt

import click

from zhurnal.core.cli import with_app

PERIOD_KINDS = {"quarters": "quarters", "trimesters": "trimesters", "halves": "halves", "half-years": "halves"}


def _school(school_id: int | None):
    """The school named by ``--school`` (an id or a short name), or the only one."""
    from zhurnal.core.identity.models import School
    if school_id is None:
        schools = list(School.select().order_by(School.id).limit(2))
        if not schools:
            raise click.ClickException("there is no school yet: create one with `zhurnal school create`")
        if len(schools) > 1:
            raise click.ClickException("there are several schools: name one with --school ID")
        return schools[0]
    school = School.get_or_none(School.id == school_id)
    if school is None:
        raise click.ClickException(f"no school with id {school_id}")
    return school


def _msg(msgid: str, **params) -> str:
    """An English msgid of the roster formatted for the command line."""
    return (msgid % params if params else msgid).rstrip(".")


def _day(value: str, what: str) -> dt.date:
    from .setup import parse_day
    try:
        return parse_day(value)
    except ValueError:
        raise click.ClickException(f"{what}: {value!r} is not a date (write 01.09.2026 or 2026-09-01)") from None


def _span(value: str, what: str) -> tuple[dt.date, dt.date]:
    """``01.09.2026-25.10.2026`` or ``2026-09-01:2026-10-25`` -> (start, end)."""
    text = value.strip()
    for sep in (":", "..", "—", " - "):
        if sep in text:
            a, b = text.split(sep, 1)
            break
    else:
        parts = text.split("-")
        if len(parts) == 2:  # 01.09.2026-25.10.2026
            a, b = parts
        elif len(parts) == 6:  # 2026-09-01-2026-10-25
            a, b = "-".join(parts[:3]), "-".join(parts[3:])
        else:
            raise click.ClickException(f"{what}: {value!r} is not a span of dates (write 01.09.2026-25.10.2026)")
    return _day(a, what), _day(b, what)


def _teacher(school, login: str):
    from zhurnal.core.identity.models import User
    user = User.get_or_none(User.login == login)
    if user is None:
        raise click.ClickException(f"no account with login {login!r}")
    if user.school_id != school.id:
        raise click.ClickException(f"{login} is not an account of the school {school.short_name}")
    return user


# --- school -----------------------------------------------------------------------------------------

@click.group("school")
def school_cmd():
    """Create a school and its school years, periods and holidays."""


@school_cmd.command("create")
@click.option("--name", required=True, help="Full name, e.g. «Муниципальное бюджетное общеобразовательное "
              "учреждение «Средняя общеобразовательная школа № 17»».")
@click.option("--short-name", required=True, help="Short name, e.g. «МБОУ СОШ № 17».")
@click.option("--address", default="", help="Postal address.")
@click.option("--timezone", "timezone", default="Europe/Moscow", show_default=True, help="IANA time zone.")
@with_app
def school_create(name, short_name, address, timezone):
    """Create a school; prints its id."""
    from zhurnal.core.identity.models import School
    from .setup import create_school, timezone_problem
    name, short_name, address = name.strip(), short_name.strip(), address.strip()
    if not name or not short_name:
        raise click.ClickException("the full and the short name must not be empty")
    if len(name) > 300 or len(short_name) > 100 or len(address) > 300:
        raise click.ClickException("too long: the name takes at most 300 characters, the short name 100, "
                                   "the address 300")
    problem = timezone_problem(timezone)
    if problem:
        raise click.ClickException(f"--timezone {timezone!r}: {_msg(problem)}")
    if School.select().where((School.short_name == short_name) | (School.name == name)).exists():
        raise click.ClickException(f"a school named {short_name!r} exists already")
    school = create_school(name, short_name, address, timezone)
    click.echo(f"created school {school.id}: {school.short_name}")


@school_cmd.group("year")
def year_cmd():
    """School years with their reporting periods."""


@year_cmd.command("create")
@click.argument("name", required=False)
@click.option("--start", required=True, help="First day, e.g. 01.09.2026.")
@click.option("--end", required=True, help="Last day, e.g. 31.05.2027.")
@click.option("--periods", "kind", type=click.Choice(sorted(PERIOD_KINDS)), default="quarters", show_default=True,
              help="Reporting periods of the year.")
@click.option("--period", "spans", multiple=True, metavar="START-END",
              help="Dates of one period, in order, e.g. 01.09.2026-24.10.2026 (one per period).")
@click.option("--holiday", "holidays", multiple=True, metavar="NAME=START-END",
              help="A holiday, e.g. 'Осенние каникулы=25.10.2026-03.11.2026' (repeatable).")
@click.option("--school", "school_id", type=int, default=None, help="School id (default: the only school).")
@with_app
def year_create(name, start, end, kind, spans, holidays, school_id):
    """Create a school year (NAME like 2026/2027, default from the start) with its periods and holidays."""
    from zhurnal.core.db import database
    from . import service
    from .models import AcademicYear
    school = _school(school_id)
    kind = PERIOD_KINDS[kind]
    start_d, end_d = _day(start, "--start"), _day(end, "--end")
    periods = [_span(s, "--period") for s in spans]
    name = (name or f"{start_d.year}/{start_d.year + 1}").strip()
    if not name or len(name) > 20:
        raise click.ClickException("the year's name takes 1 to 20 characters, e.g. 2026/2027")
    problems = service.calendar_problems(start_d, end_d, kind, periods)
    if problems:
        field, msg = next(iter(problems.items()))
        hint = f" ({service.PERIOD_COUNTS[kind]} --period options for {kind})" if field == "periods" else ""
        raise click.ClickException(f"{field}: {_msg(msg)}{hint}")
    if AcademicYear.select().where((AcademicYear.school == school.id) & (AcademicYear.name == name)).exists():
        raise click.ClickException(f"the school year {name} exists already")
    if AcademicYear.select().where((AcademicYear.school == school.id) & (AcademicYear.start <= end_d) &
                                   (AcademicYear.end >= start_d)).exists():
        raise click.ClickException("the dates overlap another school year")
    parsed = []
    for h in holidays:
        if "=" not in h:
            raise click.ClickException(f"--holiday {h!r}: write NAME=START-END")
        hname, span = h.split("=", 1)
        a, b = _span(span, "--holiday")
        if not hname.strip() or len(hname.strip()) > 100:
            raise click.ClickException(f"--holiday {h!r}: the name takes 1 to 100 characters")
        if b < a:
            raise click.ClickException(f"--holiday {h!r}: the end is before the start")
        if a < start_d or b > end_d:
            raise click.ClickException(f"--holiday {h!r}: holidays must lie within the school year")
        parsed.append((hname.strip(), a, b))
    with database.atomic():
        year = service.create_year(school, name, start_d, end_d, kind, periods)
        for hname, a, b in parsed:
            service.add_holiday(year, hname, a, b)
    click.echo(f"created school year {year.name} ({len(periods)} {kind}, {len(parsed)} holidays)")


@school_cmd.group("holiday")
def holiday_cmd():
    """Holidays of a school year."""


@holiday_cmd.command("add")
@click.argument("name")
@click.argument("span", metavar="START-END")
@click.option("--year", "year_name", default=None, help="School year, e.g. 2026/2027 (default: the current one).")
@click.option("--school", "school_id", type=int, default=None, help="School id (default: the only school).")
@with_app
def holiday_add(name, span, year_name, school_id):
    """Add a holiday NAME for the days START-END (e.g. 28.12.2026-10.01.2027)."""
    from . import service
    from .models import AcademicYear
    school = _school(school_id)
    if year_name:
        year = AcademicYear.get_or_none((AcademicYear.school == school.id) & (AcademicYear.name == year_name))
    else:
        year = service.current_year(school) or (AcademicYear.select().where(AcademicYear.school == school.id)
                                                .order_by(AcademicYear.start.desc()).first())
    if year is None:
        raise click.ClickException(f"no school year {year_name}" if year_name else
                                   "there is no school year yet: create one with `zhurnal school year create`")
    a, b = _span(span, "START-END")
    name = name.strip()
    if not name or len(name) > 100:
        raise click.ClickException("the name takes 1 to 100 characters")
    problems = service.holiday_problems(year, a, b)
    if problems:
        raise click.ClickException(_msg(next(iter(problems.values()))))
    service.add_holiday(year, name, a, b)
    click.echo(f"added holiday {name} {a:%d.%m.%Y}-{b:%d.%m.%Y} to {year.name}")


# --- classes ------------------------------------------------------------------------------------------

@click.group("class")
def class_cmd():
    """Classes of the current school year."""


@class_cmd.command("create")
@click.argument("names", nargs=-1, required=True)
@click.option("--teacher", default=None, help="Login of the class teacher (a teacher of the school).")
@click.option("--room", default="", help="Room of the class.")
@click.option("--year", "year_name", default=None, help="School year (default: the current or newest one).")
@click.option("--school", "school_id", type=int, default=None, help="School id (default: the only school).")
@with_app
def class_create(names, teacher, room, year_name, school_id):
    """Create classes NAMES of the school year, e.g. `zhurnal class create 5А 5Б`."""
    from zhurnal.core.db import database
    from . import service
    from .models import AcademicYear, SchoolClass
    school = _school(school_id)
    if year_name:
        year = AcademicYear.get_or_none((AcademicYear.school == school.id) & (AcademicYear.name == year_name))
    else:
        year = service.current_year(school) or (AcademicYear.select().where(AcademicYear.school == school.id)
                                                .order_by(AcademicYear.start.desc()).first())
    if year is None:
        raise click.ClickException(f"no school year {year_name}" if year_name else
                                   "there is no school year yet: create one with `zhurnal school year create`")
    if teacher and len(names) > 1:
        raise click.ClickException("--teacher leads one class: create the classes one by one")
    user = _teacher(school, teacher) if teacher else None
    if len(room) > 20:
        raise click.ClickException("--room takes at most 20 characters")
    parsed = []
    for raw in names:
        p = service.parse_class_name(raw)
        if p is None or not 1 <= p[0] <= 11:
            raise click.ClickException(f"{raw!r} is not a class name: write a grade 1-11 and a letter, e.g. 5А")
        if SchoolClass.select().where((SchoolClass.year == year.id) & (SchoolClass.parallel == p[0]) &
                                      (SchoolClass.letter == p[1])).exists() or p in parsed:
            raise click.ClickException(f"class {p[0]}{p[1]} exists already in {year.name}")
        parsed.append(p)
    with database.atomic():
        made = [service.create_class(school, year, par, letter, class_teacher=user) for par, letter in parsed]
        if room:
            for cls in made:
                service.update_class(cls, {"room": room})
    click.echo(f"created {', '.join(c.name for c in made)} in {year.name}"
               + (f", class teacher {user.login}" if user else ""))


# --- subjects -------------------------------------------------------------------------------------------

@click.group("subject")
def subject_cmd():
    """Subjects of the school and who teaches them."""


@subject_cmd.command("create")
@click.argument("names", nargs=-1, required=True)
@click.option("--short", "short_name", default="", help="Short name (only with one subject), e.g. Матем.")
@click.option("--school", "school_id", type=int, default=None, help="School id (default: the only school).")
@with_app
def subject_create(names, short_name, school_id):
    """Create subjects NAMES, e.g. `zhurnal subject create Математика "Русский язык"`."""
    from zhurnal.core.db import database
    from . import service
    from .models import Subject
    school = _school(school_id)
    if short_name and len(names) > 1:
        raise click.ClickException("--short names one subject: create the subjects one by one")
    clean = []
    for n in names:
        n = " ".join(n.split())
        if not n or len(n) > 100 or len(short_name) > 30:
            raise click.ClickException("a subject's name takes 1 to 100 characters, its short name up to 30")
        if Subject.select().where((Subject.school == school.id) & (Subject.name == n)).exists() or n in clean:
            raise click.ClickException(f"the subject {n!r} exists already")
        clean.append(n)
    with database.atomic():
        for n in clean:
            service.add_subject(school, n, short_name)
    click.echo(f"created {len(clean)} subject(s): {', '.join(clean)}")


@subject_cmd.command("assign")
@click.argument("subject")
@click.argument("login")
@click.argument("classes", nargs=-1, required=True)
@click.option("--school", "school_id", type=int, default=None, help="School id (default: the only school).")
@with_app
def subject_assign(subject, login, classes, school_id):
    """Let LOGIN teach SUBJECT in CLASSES, e.g. `zhurnal subject assign Математика ivanova 5А 5Б`."""
    from zhurnal.core.db import database
    from . import service
    from .models import Subject
    school = _school(school_id)
    subj = Subject.get_or_none((Subject.school == school.id) & (Subject.name == subject))
    if subj is None:
        raise click.ClickException(f"no subject {subject!r}: create it with `zhurnal subject create`")
    user = _teacher(school, login)
    targets = []
    for raw in classes:
        cls = service.class_by_name(school, raw)
        if cls is None:
            raise click.ClickException(f"no class {raw} in the current school year")
        targets.append(cls)
    with database.atomic():
        for cls in targets:
            service.assign_teaching(user, subj, school_class=cls)
    click.echo(f"{login} teaches {subj.name} in {', '.join(c.name for c in targets)}")


COMMANDS = [school_cmd, class_cmd, subject_cmd]
