"""Setting a school up from nothing: the school with its address and time zone, and the checklist
of first steps (year with periods and holidays, classes, subjects, staff, class lists) that the
set-up page and the CLI both follow. Writes go through :mod:`.service` functions or audit here.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from zhurnal.core import audit
from zhurnal.core.db import database
from zhurnal.core.i18n import N_
from zhurnal.core.identity.models import School, User

from . import service
from .models import AcademicYear, Holiday, SchoolClass, SchoolProfile, Student, Subject, TeachingAssignment

#: the time zone of a school when nobody said otherwise
DEFAULT_TIMEZONE = "Europe/Moscow"
#: the zones a Russian school is in, offered first on the form
RUSSIAN_TIMEZONES = ("Europe/Kaliningrad", "Europe/Moscow", "Europe/Samara", "Asia/Yekaterinburg", "Asia/Omsk",
                     "Asia/Novosibirsk", "Asia/Krasnoyarsk", "Asia/Irkutsk", "Asia/Yakutsk", "Asia/Vladivostok",
                     "Asia/Magadan", "Asia/Kamchatka")


def timezone_problem(name: str) -> str | None:
    """An English msgid when ``name`` is not an IANA time zone (Europe/Moscow), else None."""
    if not name or name not in available_timezones():
        return N_("Unknown time zone; write it like Europe/Moscow.")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return N_("Unknown time zone; write it like Europe/Moscow.")
    return None


def profile(school) -> SchoolProfile:
    """The school's address and time zone (an unsaved default one when never set)."""
    sid = getattr(school, "id", school)
    return SchoolProfile.get_or_none(SchoolProfile.school == sid) or SchoolProfile(
        school=sid, address="", timezone=DEFAULT_TIMEZONE)


def create_school(name: str, short_name: str, address: str = "", timezone: str = DEFAULT_TIMEZONE, *,
                  by=None) -> School:
    """A new school with its profile, in one transaction, audited."""
    with database.atomic():
        school = service.create_school(name, short_name, by=by)
        SchoolProfile.create(school=school, address=address, timezone=timezone or DEFAULT_TIMEZONE)
        audit.record("roster.school.profile", school, user=by, school_id=school.id,
                     data={"address": address, "timezone": timezone})
    return school


def update_profile(school, address: str, timezone: str, *, by=None) -> SchoolProfile:
    with database.atomic():
        current = profile(school)
        diff = {k: [getattr(current, k), v] for k, v in (("address", address), ("timezone", timezone))
                if getattr(current, k) != v}
        if diff or current.id is None:
            SchoolProfile.insert(school=school.id, address=address, timezone=timezone).on_conflict(
                conflict_target=[SchoolProfile.school],
                update={SchoolProfile.address: address, SchoolProfile.timezone: timezone}).execute()
            audit.record("roster.school.profile", school, user=by, school_id=school.id, data=diff)
    return profile(school)


@dataclass
class Step:
    """One step of a school's set-up: ``key``, an English ``title``, whether it is ``done``,
    the endpoint of the page that does it and a short English ``hint``."""
    key: str
    title: str
    done: bool
    endpoint: str
    hint: str
    count: int = 0
    anchor: str = ""


def checklist(school, user=None) -> list[Step]:
    """What a new school has and has not set up yet, in the order to do it (a few counting queries).
    ``user``: who follows it (one who may not import class lists is led to the classes instead)."""
    sid = school.id
    year = service.current_year(school) or (AcademicYear.select().where(AcademicYear.school == sid)
                                            .order_by(AcademicYear.start.desc()).first())
    year_id = year.id if year else 0
    holidays = Holiday.select().where(Holiday.year == year_id).count()
    classes = SchoolClass.select().where((SchoolClass.school == sid) & (SchoolClass.year == year_id)).count()
    subjects = Subject.select().where(Subject.school == sid).count()
    staff = User.select().where((User.school == sid) & User.is_active).count()
    teaching = TeachingAssignment.select().where(TeachingAssignment.school == sid).count()
    students = Student.select().where((Student.school == sid) & Student.left_at.is_null()).count()
    from zhurnal.core import access
    may_import = user is None or access.can(user, "roster.import", school)
    return [
        Step("year", N_("School year with its reporting periods"), year is not None, "roster.school",
             N_("Add the school year: its dates and quarters, trimesters or half-years."), 1 if year else 0,
             "new-year"),
        Step("holidays", N_("Holidays"), holidays > 0, "roster.school",
             N_("Add the holidays of the school year."), holidays, "years"),
        Step("staff", N_("Staff accounts"), staff > 0, "roster.setup_page",
             N_("Create accounts for the teachers and the administration."), staff, "staff"),
        Step("classes", N_("Classes"), classes > 0, "roster.setup_page",
             N_("Add the classes of the school year and their class teachers."), classes, "classes"),
        Step("subjects", N_("Subjects and who teaches them"), subjects > 0 and teaching > 0, "roster.school",
             N_("Add the subjects and assign teachers to classes."), subjects, "subjects"),
        Step("students", N_("Class lists"), students > 0, "roster.import_page" if may_import else "roster.classes",
             N_("Import the class lists from a file or add the pupils by hand."), students),
    ]


def parse_day(text: str) -> dt.date:
    """05.03.2026 or 2026-03-05; :raises ValueError: anything else."""
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(text)
