"""Roster API: the school's structure — schools, school years with their periods and holidays,
subjects, and who teaches what (teaching assignments)."""
from __future__ import annotations

from flask import g
from flask_babel import gettext as _

from zhurnal.core import access
from zhurnal.core.api import ApiError, conflict, endpoint, forbidden, invalid
from zhurnal.core.identity.models import School, User

from . import lookup, service
from .api import body_subject, body_teacher, own_school, page, require_somewhere, scoped_page
from .blueprints import api as bp
from .inputs import (Args, HolidayIn, SchoolIn, SchoolPatch, SubjectArgs, SubjectIn, TeachingArgs, TeachingIn,
                     YearArgs, YearIn)
from .models import AcademicYear, Holiday, Period, SchoolClass, StudyGroup, Subject, TeachingAssignment
from .schemas import HolidayOut, SchoolOut, SubjectOut, TeachingOut, YearOut


# --- schools --------------------------------------------------------------------------------------

@endpoint(bp, "/schools", summary="Schools the user can see (paged)", query=Args)
def list_schools(args):
    ids = lookup.school_ids("roster.school.read")
    if ids is not None and not ids:
        raise forbidden()
    q = School.select().order_by(School.id)
    if ids is not None:
        q = q.where(School.id.in_(sorted(ids)))
    return page(q, SchoolOut(), args)


@endpoint(bp, "/schools", ["POST"], summary="Create a school (administrators)", body=SchoolIn,
          response=SchoolOut, status=201)
def create_school(body):
    if not access.can(g.user, "core.schools.manage"):
        raise forbidden()
    from .setup import create_school as create_with_profile
    return create_with_profile(body["name"], body["short_name"], body["address"], body["timezone"], by=g.user), 201


@endpoint(bp, "/schools/<id:school_id>", summary="A school", response=SchoolOut)
def get_school(school_id):
    return lookup.find_school(school_id)


@endpoint(bp, "/schools/<id:school_id>", ["PATCH"], summary="Rename a school", body=SchoolPatch,
          response=SchoolOut)
def patch_school(school_id, body):
    school = lookup.find_school(school_id, "roster.school.manage")
    return service.update_school(school, body, by=g.user)


# --- years and subjects -------------------------------------------------------------------------------

def _attach_calendar(years: list[AcademicYear]) -> None:
    ids = [y.id for y in years]
    periods = list(Period.select().where(Period.year.in_(ids)).order_by(Period.number)) if ids else []
    hols = list(Holiday.select().where(Holiday.year.in_(ids)).order_by(Holiday.start)) if ids else []
    current = service.current_year(years[0].school_id).id if years else None
    for y in years:
        y.periods = [p for p in periods if p.year_id == y.id]
        y.holidays = [h for h in hols if h.year_id == y.id]
        y.current = y.id == current


@endpoint(bp, "/years", summary="School years with their reporting periods and holidays (paged)", query=YearArgs)
def list_years(args):
    return scoped_page(args, YearOut(), lambda school, _year, _cond: AcademicYear.select().where(
        AcademicYear.school == school.id).order_by(AcademicYear.start.desc()), prepare=_attach_calendar)


def _managed_school(school_id: int | None) -> School:
    """The school a structure edit is about (default: the user's); 403 unless they manage it."""
    if school_id is None:
        school = g.get("school")
        if school is None:
            raise invalid({"school_id": _("Name the school.")})
    else:
        school = School.get_or_none(School.id == school_id)
        if school is None or not lookup.reads_school(school.id):
            raise invalid({"school_id": _("No such school.")})
    if not access.can(g.user, "roster.school.manage", school):
        raise forbidden()
    return school


def _problems(problems: dict) -> ApiError:
    return invalid({k: _(v) for k, v in problems.items()})


def _with_calendar(year: AcademicYear) -> AcademicYear:
    _attach_calendar([year])
    return year


@endpoint(bp, "/years", ["POST"], summary="Add a school year with its reporting periods (quarters, trimesters "
          "or halves)", body=YearIn, response=YearOut, status=201)
def create_year(body):
    require_somewhere("roster.school.manage")
    school = _managed_school(body["school_id"])
    name = body["name"] or f"{body['start'].year}/{body['start'].year + 1}"
    if AcademicYear.select().where((AcademicYear.school == school.id) & (AcademicYear.name == name)).exists():
        raise conflict(_("This school year already exists."))
    overlapping = AcademicYear.select().where((AcademicYear.school == school.id) & (AcademicYear.start <= body["end"]) &
                                              (AcademicYear.end >= body["start"])).exists()
    if overlapping:
        raise invalid({"start": _("The dates overlap another school year.")})
    year = service.create_year(school, name, body["start"], body["end"], body["period_kind"],
                               [(p["start"], p["end"]) for p in body["periods"]], by=g.user)
    return _with_calendar(year), 201


@endpoint(bp, "/years/<id:year_id>", summary="A school year with its reporting periods and holidays",
          response=YearOut)
def get_year(year_id):
    return _with_calendar(lookup.find_year(year_id, "roster.school.read"))


@endpoint(bp, "/years/<id:year_id>/holidays", ["POST"], summary="Add holidays (or a day off) to a school year",
          body=HolidayIn, response=HolidayOut, status=201)
def add_holiday(year_id, body):
    year = lookup.find_year(year_id, "roster.school.manage")
    end = body["end"] or body["start"]
    problems = service.holiday_problems(year, body["start"], end)
    if problems:
        raise _problems(problems)
    return service.add_holiday(year, body["name"], body["start"], end, by=g.user), 201


@endpoint(bp, "/holidays/<id:holiday_id>", ["DELETE"], summary="Remove holidays from a school year")
def delete_holiday(holiday_id):
    holiday, _year_ = lookup.find_holiday(holiday_id, "roster.school.manage")
    service.remove_holiday(holiday, by=g.user)
    return None


@endpoint(bp, "/subjects", ["POST"], summary="Add a school subject", body=SubjectIn, response=SubjectOut,
          status=201)
def create_subject(body):
    require_somewhere("roster.school.manage")
    school = _managed_school(body["school_id"])
    if Subject.select().where((Subject.school == school.id) & (Subject.name == body["name"])).exists():
        raise conflict(_("This subject already exists."))
    return service.add_subject(school, body["name"], body["short_name"], by=g.user), 201


@endpoint(bp, "/subjects", summary="Subjects of the school (paged)", query=SubjectArgs)
def list_subjects(args):
    return scoped_page(args, SubjectOut(), lambda school, _year, _cond: Subject.select().where(
        Subject.school == school.id).order_by(Subject.name))


# --- teaching assignments -------------------------------------------------------------------------------------------

def _teaching_query():
    return (TeachingAssignment.select(TeachingAssignment, User, Subject)
            .join(User, on=(TeachingAssignment.teacher == User.id)).switch(TeachingAssignment)
            .join(Subject, on=(TeachingAssignment.subject == Subject.id)))


@endpoint(bp, "/teaching", summary="Who teaches what to which class or group (paged)", query=TeachingArgs)
def list_teaching(args):
    def build(school, year, _cond):
        q = _teaching_query().where((TeachingAssignment.school == school.id) & (TeachingAssignment.year == year.id))
        if args["teacher_id"] is not None:
            q = q.where(TeachingAssignment.teacher == args["teacher_id"])
        if args["class_id"] is not None:
            q = q.where(TeachingAssignment.school_class == args["class_id"])
        return q.order_by(User.display_name, Subject.name, TeachingAssignment.id)
    return scoped_page(args, TeachingOut(), build, year=True)


@endpoint(bp, "/teaching", ["POST"], body=TeachingIn, response=TeachingOut, status=201,
          summary="Assign a teacher to teach a subject to a class or a group")
def create_teaching(body):
    school = own_school("roster.school.manage")
    teacher = body_teacher(school.id, body["teacher_id"], "teacher_id")
    subject = body_subject(school.id, body["subject_id"])
    cls = grp = None
    if body["class_id"] is not None:
        cls = SchoolClass.get_or_none((SchoolClass.id == body["class_id"]) & (SchoolClass.school == school.id))
        if cls is None:
            raise invalid({"class_id": _("No such class.")})
    else:
        grp = StudyGroup.get_or_none((StudyGroup.id == body["group_id"]) & (StudyGroup.school == school.id))
        if grp is None:
            raise invalid({"group_id": _("No such group.")})
    ta = service.assign_teaching(teacher, subject, school_class=cls, group=grp, by=g.user)
    return _teaching_query().where(TeachingAssignment.id == ta.id).get(), 201


@endpoint(bp, "/teaching/<id:ta_id>", ["DELETE"], summary="End a teaching assignment")
def delete_teaching(ta_id):
    service.remove_teaching(lookup.find_teaching(ta_id, "roster.school.manage"), by=g.user)
    return None
