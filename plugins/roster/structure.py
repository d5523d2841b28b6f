"""The school's structure: the school itself, school years with their reporting periods and holidays,
subjects, and who teaches what (teaching assignments)."""
from __future__ import annotations

import datetime as dt

from zhurnal.core import access, audit, clock
from zhurnal.core.db import database, utcnow
from zhurnal.core.i18n import N_
from zhurnal.core.identity.models import RoleAssignment, School, User

from .edits import SCHOOL_FIELDS, changed_fields
from .models import (AcademicYear, GroupMember, Holiday, Period, SchoolClass, Student, StudyGroup, Subject,
                     TeachingAssignment)


# --- the school year ----------------------------------------------------------------------

def current_year(school, day: dt.date | None = None) -> AcademicYear | None:
    """The school year containing ``day`` (default today), else the latest one that started."""
    day = day or clock.today()
    sid = getattr(school, "id", school)
    y = (AcademicYear.select().where((AcademicYear.school == sid) & (AcademicYear.start <= day) &
                                     (AcademicYear.end >= day)).first())
    return y or AcademicYear.select().where(AcademicYear.school == sid).order_by(AcademicYear.start.desc()).first()


def periods(year) -> list[Period]:
    return list(Period.select().where(Period.year == year).order_by(Period.number))


def period_for(school, day: dt.date) -> Period | None:
    sid = getattr(school, "id", school)
    return (Period.select().join(AcademicYear)
            .where((AcademicYear.school == sid) & (Period.start <= day) & (Period.end >= day)).first())


def set_period_closed(period: Period, closed: bool, *, by=None) -> None:
    """Record that a reporting period is closed for editing (or open again).

    The roster owns the column; what "closed" means (and its audit entry) belongs to the
    caller, e.g. the journal, which calls this inside its own transaction.
    """
    Period.update(closed_at=utcnow() if closed else None,
                  closed_by=getattr(by, "id", by) if closed else None).where(Period.id == period.id).execute()


def holidays(year) -> list[Holiday]:
    return list(Holiday.select().where(Holiday.year == year).order_by(Holiday.start))


def holiday_dates(year) -> set[dt.date]:
    out = set()
    for h in holidays(year):
        d = h.start
        while d <= h.end:
            out.add(d)
            d += dt.timedelta(days=1)
    return out


def create_school(name: str, short_name: str, *, by=None) -> School:
    with database.atomic():
        school = School.create(name=name, short_name=short_name)
        audit.record("roster.school.create", school, user=by, school_id=school.id,
                     data={"name": name, "short_name": short_name})
    return school


def update_school(school: School, changes: dict, *, by=None) -> School:
    """Rename a school (the kernel's table has no version: the last edit wins, and is audited)."""
    diff = changed_fields(school, changes, SCHOOL_FIELDS)
    if not diff:
        return school
    with database.atomic():
        School.update(**{k: changes[k] for k in diff}).where(School.id == school.id).execute()
        audit.record("roster.school.update", school, user=by, school_id=school.id, data=diff)
    return School.get_by_id(school.id)


def create_year(school, name: str, start: dt.date, end: dt.date, period_kind: str,
                period_dates: list[tuple[dt.date, dt.date]], *, by=None) -> AcademicYear:
    labels = {"quarters": "{} четверть", "trimesters": "{} триместр", "halves": "{} полугодие"}
    with database.atomic():
        year = AcademicYear.create(school=school, name=name, start=start, end=end, period_kind=period_kind)
        for i, (a, b) in enumerate(period_dates, 1):
            Period.create(year=year, number=i, name=labels[period_kind].format(i), start=a, end=b)
        audit.record("roster.year.create", year, user=by, school_id=getattr(school, "id", school),
                     data={"name": name, "periods": len(period_dates)})
    return year


#: how many reporting periods a year of each kind has
PERIOD_COUNTS = {"quarters": 4, "trimesters": 3, "halves": 2}


def calendar_problems(start: dt.date, end: dt.date, period_kind: str,
                      period_dates: list[tuple[dt.date, dt.date]]) -> dict[str, str]:
    """What is wrong with a school year's dates: field -> English msgid (empty: nothing).

    The periods must be as many as the kind says, in order, inside the year and not overlapping.
    """
    if end <= start:
        return {"end": N_("The end must be after the start.")}
    if (end - start).days > 366:
        return {"end": N_("A school year lasts at most a year.")}
    want = PERIOD_COUNTS.get(period_kind)
    if want is not None and len(period_dates) != want:
        return {"periods": N_("Give the dates of every reporting period of this kind.")}
    prev_end = None
    for i, (a, b) in enumerate(period_dates):
        if b < a:
            return {f"periods.{i}": N_("The end must not be before the start.")}
        if a < start or b > end:
            return {f"periods.{i}": N_("Reporting periods must lie within the school year.")}
        if prev_end is not None and a <= prev_end:
            return {f"periods.{i}": N_("Reporting periods must follow one another without overlapping.")}
        prev_end = b
    return {}


def holiday_problems(year: AcademicYear, start: dt.date, end: dt.date) -> dict[str, str]:
    """What is wrong with a holiday's dates in ``year``: field -> English msgid."""
    if end < start:
        return {"end": N_("The end must not be before the start.")}
    if start < year.start or end > year.end:
        return {"start": N_("Holidays must lie within the school year.")}
    return {}


def add_holiday(year: AcademicYear, name: str, start: dt.date, end: dt.date, *, by=None) -> Holiday:
    with database.atomic():
        h = Holiday.create(year=year, name=name, start=start, end=end)
        audit.record("roster.holiday.create", h, user=by, school_id=year.school_id,
                     data={"year": year.name, "name": name, "start": start, "end": end})
    return h


def remove_holiday(holiday: Holiday, *, by=None) -> None:
    school_id = AcademicYear.get_by_id(holiday.year_id).school_id
    with database.atomic():
        Holiday.delete().where(Holiday.id == holiday.id).execute()
        audit.record("roster.holiday.remove", holiday, user=by, school_id=school_id,
                     data={"name": holiday.name, "start": holiday.start, "end": holiday.end})


# --- subjects and teaching ------------------------------------------------------------------------

def add_subject(school, name: str, short_name: str = "", *, by=None) -> Subject:
    with database.atomic():
        s = Subject.create(school=school, name=name, short_name=short_name)
        audit.record("roster.subject.create", s, user=by, school_id=s.school_id, data={"name": name})
    return s


def assign_teaching(teacher: User, subject: Subject, *, school_class: SchoolClass | None = None,
                    group: StudyGroup | None = None, year=None, by=None) -> TeachingAssignment:
    if (school_class is None) == (group is None):
        raise ValueError("give either a class or a group")
    year = year or (school_class or group).year
    with database.atomic():
        ta, created = TeachingAssignment.get_or_create(
            teacher=teacher, subject=subject, school_class=school_class, group=group,
            defaults={"school": subject.school_id, "year": year})
        access.grant(teacher, "teacher", school=subject.school_id)
        if created:
            audit.record("roster.teaching.assign", ta, user=by, school_id=subject.school_id,
                         data={"teacher": teacher.id, "subject": subject.id,
                               "class": getattr(school_class, "id", None), "group": getattr(group, "id", None)})
    return ta


def remove_teaching(ta: TeachingAssignment, *, by=None) -> None:
    """End a teaching assignment. The teacher keeps their staff role (they may teach elsewhere)."""
    with database.atomic():
        data = {"teacher": ta.teacher_id, "subject": ta.subject_id, "class": ta.school_class_id, "group": ta.group_id}
        TeachingAssignment.delete().where(TeachingAssignment.id == ta.id).execute()
        audit.record("roster.teaching.remove", ta, user=by, school_id=ta.school_id, data=data)


def teaching_of(user, year=None) -> list[TeachingAssignment]:
    uid = getattr(user, "id", user)
    q = (TeachingAssignment.select(TeachingAssignment, Subject).join(Subject)
         .where(TeachingAssignment.teacher == uid))
    if year is not None:
        q = q.where(TeachingAssignment.year == year)
    return list(q)


def teaches(user, subject_id: int | None = None, class_id: int | None = None, group_id: int | None = None) -> bool:
    """Does ``user`` teach (this subject) to this class or group?"""
    uid = getattr(user, "id", user)
    q = TeachingAssignment.select(TeachingAssignment.id).where(TeachingAssignment.teacher == uid)
    if subject_id is not None:
        q = q.where(TeachingAssignment.subject == subject_id)
    if group_id is not None:
        q = q.where(TeachingAssignment.group == group_id)
    elif class_id is not None:
        q = q.where(TeachingAssignment.school_class == class_id)
    return q.exists()


def teaching_student(student: Student):
    """Condition on :class:`TeachingAssignment`: the assignment teaches ``student`` — their whole class,
    or a group (a split, a stream, an individual plan) they are in. A pupil without a class is taught
    through their groups only. No query of its own: a query selecting teachers' names or subjects
    takes it as it is."""
    cond = TeachingAssignment.group.in_(GroupMember.select(GroupMember.group).where(GroupMember.student == student.id))
    if student.school_class_id:
        cond = (TeachingAssignment.school_class == student.school_class_id) | cond
    return cond


def teachers_of_student(student: Student) -> set[int]:
    """Account ids of everyone teaching the student (:func:`teaching_student`); one query."""
    return {t for (t,) in TeachingAssignment.select(TeachingAssignment.teacher).where(teaching_student(student))
            .distinct().tuples()}


def taught_by(teacher):
    """Condition on :class:`Student`: ``teacher`` teaches the student — their whole class, or a group
    (a split, a stream, an individual plan) they are in. The same rule as :func:`teaching_student`,
    read the other way (whom a teacher teaches); no query of its own."""
    tid = getattr(teacher, "id", teacher)
    mine = TeachingAssignment.teacher == tid
    return (Student.school_class.in_(TeachingAssignment.select(TeachingAssignment.school_class)
                                     .where(mine & TeachingAssignment.school_class.is_null(False))) |
            Student.id.in_(GroupMember.select(GroupMember.student)
                           .join(TeachingAssignment, on=(GroupMember.group == TeachingAssignment.group))
                           .where(mine)))


def school_teachers(school) -> list[User]:
    """Active accounts holding a teacher or class teacher role in the school, by name."""
    sid = getattr(school, "id", school)
    holders = (RoleAssignment.select(RoleAssignment.user)
               .where((RoleAssignment.school == sid) & RoleAssignment.role.in_(("teacher", "class_teacher"))))
    return list(User.select().where(User.id.in_(holders) & User.is_active).order_by(User.display_name))
