"""Roster JSON API under /api/v1: schools, years, subjects, classes, students, guardians,
study groups, teaching assignments, accounts and the class list upload.

Every view finds its object through :mod:`.lookup` (404 unknown, 403 forbidden)
and writes only through :mod:`.service`.
"""
from __future__ import annotations

import io

import peewee as pw
from flask import Blueprint, g, request
from flask_babel import gettext as _

from core import access
from core.api import ApiError, conflict, endpoint, forbidden, invalid
from core.i18n import N_
from core.identity.models import School, User

from . import lookup, service
from .models import (AcademicYear, GroupMember, Guardian, Holiday, Period, SchoolClass, Student, StudentGuardian,
                     StudyGroup, Subject, TeachingAssignment)
from .schemas import (AccountOut, Args, ClassArgs, ClassIn, ClassOut, ClassPatch, GroupArgs, GroupIn, GroupOut,
                      GroupPatch, GuardianArgs, GuardianIn, GuardianOut, GuardianPatch, HolidayIn, HolidayOut,
                      ImportArgs, LinkIn, MembersIn, SchoolIn, SchoolOut, SchoolPatch, StudentArgs, StudentBrief,
                      StudentCard, StudentIn, StudentPatch, SubjectArgs, SubjectIn, SubjectOut, TeachingArgs,
                      TeachingIn, TeachingOut, YearArgs, YearIn, YearOut)

bp = Blueprint("roster_api", __name__, url_prefix="/api/v1")

STALE = N_("Someone else changed this record since you loaded it. Nothing was saved; the current data is in "
           "'current'.")


def _page(query, schema, args: dict, prepare=None) -> dict:
    """One page in the shape of :func:`core.api.paginate`, with a hook to fetch what the
    page's rows need in a constant number of queries."""
    total = query.count()
    items = list(query.paginate(args["page"], args["per_page"]))
    if prepare is not None:
        prepare(items)
    return {"items": schema.dump(items, many=True), "total": total, "page": args["page"],
            "per_page": args["per_page"]}


def _empty(args: dict) -> dict:
    return {"items": [], "total": 0, "page": args["page"], "per_page": args["per_page"]}


def _readable_school(args: dict) -> School | None:
    """The school a list of its structure is about (``None``: nothing to list); 403 unless the user reads it."""
    school = lookup.school_for_list(args["school_id"])
    if school is not None and not lookup.reads_school(school.id):
        raise forbidden()
    return school


def _own_school(perm: str) -> School:
    """The user's school, for a write whose body names none; 403 unless they hold ``perm`` there."""
    school = g.school
    if school is None or not access.can(g.user, perm, school):
        raise forbidden()
    return school


def _year(school, year_id: int | None) -> AcademicYear | None:
    if year_id is None:
        return service.current_year(school)
    y = AcademicYear.get_or_none((AcademicYear.id == year_id) & (AcademicYear.school == school.id))
    if y is None:
        raise invalid({"year_id": _("No such school year.")})
    return y


def _teacher(school_id: int, user_id: int | None, field: str) -> User | None:
    """A teacher of the school named in a request body, or 422."""
    if user_id is None:
        return None
    for u in service.school_teachers(school_id):
        if u.id == user_id:
            return u
    raise invalid({field: _("No such teacher in this school.")})


def _require_somewhere(perm: str) -> None:
    """403 before looking at a body's references when the user holds ``perm`` nowhere."""
    if not access.can(g.user, perm):
        raise forbidden()


def _body_class(class_id: int, perm: str, field: str = "class_id") -> SchoolClass:
    """A class named in a request body: 422 if the user cannot know it, 403 if not allowed."""
    _require_somewhere(perm)
    cls = SchoolClass.get_or_none(SchoolClass.id == class_id)
    if cls is None or not lookup.reads_school(cls.school_id):
        raise invalid({field: _("No such class.")})
    if not access.can(g.user, perm, cls):
        raise forbidden()
    return cls


def _stale(e: service.StaleEdit, schema) -> ApiError:
    return conflict(_(STALE), current=schema().dump(e.current))


# --- schools --------------------------------------------------------------------------------------

@endpoint(bp, "/schools", summary="Schools the user can see (paged)", query=Args)
def list_schools(args):
    ids = lookup.school_ids("roster.school.read")
    if ids is not None and not ids:
        raise forbidden()
    q = School.select().order_by(School.id)
    if ids is not None:
        q = q.where(School.id.in_(sorted(ids)))
    return _page(q, SchoolOut(), args)


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
    school = _readable_school(args)
    if school is None:
        return _empty(args)
    q = AcademicYear.select().where(AcademicYear.school == school.id).order_by(AcademicYear.start.desc())
    return _page(q, YearOut(), args, _attach_calendar)


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
    _require_somewhere("roster.school.manage")
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
    _require_somewhere("roster.school.manage")
    school = _managed_school(body["school_id"])
    if Subject.select().where((Subject.school == school.id) & (Subject.name == body["name"])).exists():
        raise conflict(_("This subject already exists."))
    return service.add_subject(school, body["name"], body["short_name"], by=g.user), 201


@endpoint(bp, "/subjects", summary="Subjects of the school (paged)", query=SubjectArgs)
def list_subjects(args):
    school = _readable_school(args)
    if school is None:
        return _empty(args)
    return _page(Subject.select().where(Subject.school == school.id).order_by(Subject.name), SubjectOut(), args)


# --- classes ---------------------------------------------------------------------------------------------

def _classes_query():
    return (SchoolClass.select(SchoolClass, User)
            .join(User, pw.JOIN.LEFT_OUTER, on=(SchoolClass.class_teacher == User.id)))


def _attach_counts(classes: list[SchoolClass]) -> None:
    counts = service.student_counts(c.id for c in classes)
    for c in classes:
        c.student_count = counts.get(c.id, 0)


def _class_out(class_id: int) -> dict:
    cls = _classes_query().where(SchoolClass.id == class_id).get()
    _attach_counts([cls])
    return ClassOut().dump(cls)


@endpoint(bp, "/classes", summary="Classes of a school year (default: the current one), paged", query=ClassArgs)
def list_classes(args):
    school = _readable_school(args)
    if school is None:
        return _empty(args)
    year = _year(school, args["year_id"])
    if year is None:
        return _empty(args)
    q = (_classes_query().where((SchoolClass.school == school.id) & (SchoolClass.year == year.id))
         .order_by(SchoolClass.parallel, SchoolClass.letter))
    return _page(q, ClassOut(), args, _attach_counts)


@endpoint(bp, "/classes", ["POST"], summary="Add a class to a school year", body=ClassIn, status=201)
def create_class(body):
    school = _own_school("roster.school.manage")
    year = _year(school, body["year_id"])
    if year is None:
        raise invalid({"year_id": _("No such school year.")})
    letter = service.parse_class_name(f"{body['parallel']}{body['letter']}")[1]
    if SchoolClass.select().where((SchoolClass.year == year.id) & (SchoolClass.parallel == body["parallel"]) &
                                  (SchoolClass.letter == letter)).exists():
        raise conflict(_("This class already exists in the school year."))
    teacher = _teacher(school.id, body["class_teacher_id"], "class_teacher_id")
    cls = service.create_class(school, year, body["parallel"], letter, class_teacher=teacher, by=g.user)
    if body["room"]:
        cls = service.update_class(cls, {"room": body["room"]}, by=g.user)
    return _class_out(cls.id), 201


@endpoint(bp, "/classes/<id:class_id>", summary="A class with its class teacher and size")
def get_class(class_id):
    lookup.find_class(class_id, "roster.school.read")
    return _class_out(class_id)


@endpoint(bp, "/classes/<id:class_id>", ["PATCH"], summary="Change a class: letter, room, class teacher",
          body=ClassPatch)
def patch_class(class_id, body):
    cls = lookup.find_class(class_id, "roster.school.manage")
    changes = {k: body[k] for k in ("letter", "room") if k in body}
    if "letter" in changes:
        changes["letter"] = service.parse_class_name(f"{cls.parallel}{changes['letter']}")[1]
        if changes["letter"] != cls.letter and SchoolClass.select().where(
                (SchoolClass.year == cls.year_id) & (SchoolClass.parallel == cls.parallel) &
                (SchoolClass.letter == changes["letter"])).exists():
            raise conflict(_("This class already exists in the school year."))
    if "class_teacher_id" in body:
        changes["class_teacher"] = _teacher(cls.school_id, body["class_teacher_id"], "class_teacher_id")
    try:
        service.update_class(cls, changes, version=body["version"], by=g.user)
    except service.StaleEdit as e:
        _attach_counts([e.current])
        raise _stale(e, ClassOut)
    return _class_out(cls.id)


def _students_query():
    return (Student.select(Student, SchoolClass)
            .join(SchoolClass, pw.JOIN.LEFT_OUTER, on=(Student.school_class == SchoolClass.id)))


@endpoint(bp, "/classes/<id:class_id>/students", summary="The class list (paged)", query=Args)
def class_students(class_id, args):
    cls = lookup.find_class(class_id, "roster.class.read")
    q = (_students_query().where((Student.school_class == cls.id) & Student.left_at.is_null())
         .order_by(Student.last_name, Student.first_name, Student.middle_name))
    return _page(q, StudentBrief(), args)


# --- students ---------------------------------------------------------------------------------------------

def name_search(q: str, model):
    """Every word of ``q`` must start or occur in the last, first or middle name.

    SQLite compares Cyrillic case-sensitively, so the usual spellings are tried."""
    cond = None
    for word in q.split()[:4]:
        variants = {word, word.lower(), word.capitalize(), word.upper()}
        w = None
        for v in variants:
            part = model.last_name.contains(v) | model.first_name.contains(v) | model.middle_name.contains(v)
            w = part if w is None else (w | part)
        cond = w if cond is None else (cond & w)
    return cond


@endpoint(bp, "/students", summary="Students the user may see (paged; filter by class_id, q)", query=StudentArgs)
def list_students(args):
    cond = lookup.student_filter()
    if cond is None:
        raise forbidden()
    school = lookup.school_for_list(args["school_id"])
    if school is None:
        return _empty(args)
    q = _students_query().where(cond & (Student.school == school.id))
    if args["class_id"] is not None:
        q = q.where(Student.school_class == args["class_id"])
    if not args["include_left"]:
        q = q.where(Student.left_at.is_null())
    if args["q"].strip():
        q = q.where(name_search(args["q"], Student))
    q = q.order_by(SchoolClass.parallel, SchoolClass.letter, Student.last_name, Student.first_name, Student.id)
    return _page(q, StudentBrief(), args)


@endpoint(bp, "/students", ["POST"], summary="Add a student to a class", body=StudentIn, response=StudentCard,
          status=201)
def create_student(body):
    cls = _body_class(body.pop("class_id"), "roster.student.write")
    st = service.create_student(cls.school_id, cls, body, by=g.user)
    return service.student_card(lookup.find_student(st.id, "roster.student.write")), 201


@endpoint(bp, "/students/<id:student_id>", summary="A student's card: personal data, guardians, groups (audited)",
          response=StudentCard)
def get_student(student_id):
    st = lookup.find_student(student_id, "roster.student.card")
    card = service.student_card(st)
    service.record_read(st, via="api", by=g.user)
    return card


def student_changes(st: Student, body: dict) -> dict:
    """Body of a PATCH -> changes for :func:`service.update_student` (checks a move's target class)."""
    changes = {k: v for k, v in body.items() if k not in ("version", "class_id")}
    if "class_id" in body and body["class_id"] != st.school_class_id:
        target = _body_class(body["class_id"], "roster.student.write")
        if target.school_id != st.school_id:
            raise invalid({"class_id": _("No such class.")})
        changes["school_class"] = target
    return changes


@endpoint(bp, "/students/<id:student_id>", ["PATCH"], response=StudentCard, body=StudentPatch,
          summary="Change a student's data or class; send the version you loaded (409 when stale)")
def patch_student(student_id, body):
    st = lookup.find_student(student_id, "roster.student.write")
    try:
        service.update_student(st, student_changes(st, body), version=body["version"], by=g.user)
    except service.StaleEdit as e:
        raise conflict(_(STALE), current=StudentCard().dump(service.student_card(e.current)))
    return service.student_card(Student.get_by_id(st.id))


# --- guardians ----------------------------------------------------------------------------------------------

def _attach_children(guardians: list[Guardian]) -> None:
    kids = service.children_of_guardians(gd.id for gd in guardians)
    for gd in guardians:
        gd.children = kids.get(gd.id, [])


def _guardian_out(gd: Guardian) -> dict:
    _attach_children([gd])
    return GuardianOut().dump(gd)


@endpoint(bp, "/guardians", summary="Guardians the user may see (paged; filter by student_id, q)", query=GuardianArgs)
def list_guardians(args):
    cond = lookup.guardian_filter()
    if cond is None:
        raise forbidden()
    school = lookup.school_for_list(args["school_id"])
    if school is None:
        return _empty(args)
    q = Guardian.select().where(cond & (Guardian.school == school.id))
    if args["student_id"] is not None:
        q = q.where(Guardian.id.in_(StudentGuardian.select(StudentGuardian.guardian)
                                    .where(StudentGuardian.student == args["student_id"])))
    if args["q"].strip():
        q = q.where(name_search(args["q"], Guardian))
    return _page(q.order_by(Guardian.last_name, Guardian.first_name, Guardian.id), GuardianOut(), args,
                 _attach_children)


@endpoint(bp, "/guardians", ["POST"], summary="Add a guardian (linked to student_id when given)", body=GuardianIn,
          status=201)
def create_guardian(body):
    _require_somewhere("roster.guardian.write")
    student = None
    if body["student_id"] is not None:
        student = Student.get_or_none(Student.id == body["student_id"])
        if student is None or not lookup.knows_student(student):
            raise invalid({"student_id": _("No such student.")})
        if not access.can(g.user, "roster.guardian.write", student):
            raise forbidden()
        school_id = student.school_id
    else:
        if g.school is None or not access.can(g.user, "roster.guardian.write", g.school):
            raise forbidden(_("Name the student the guardian belongs to (student_id)."))
        school_id = g.school.id
    data = {k: body[k] for k in service.GUARDIAN_FIELDS}
    gd = service.create_guardian(school_id, data, student=student, relation=body["relation"], by=g.user)
    return _guardian_out(gd), 201


@endpoint(bp, "/guardians/<id:guardian_id>", summary="A guardian with their children (audited)")
def get_guardian(guardian_id):
    gd = lookup.find_guardian(guardian_id, "roster.student.card")
    out = _guardian_out(gd)
    service.record_read(gd, via="api", by=g.user)
    return out


@endpoint(bp, "/guardians/<id:guardian_id>", ["PATCH"], body=GuardianPatch,
          summary="Change a guardian's data; send the version you loaded (409 when stale)")
def patch_guardian(guardian_id, body):
    gd = lookup.find_guardian(guardian_id, "roster.guardian.write")
    changes = {k: v for k, v in body.items() if k != "version"}
    try:
        gd = service.update_guardian(gd, changes, version=body["version"], by=g.user)
    except service.StaleEdit as e:
        _attach_children([e.current])
        raise _stale(e, GuardianOut)
    return _guardian_out(gd)


def _link_target(student_id: int, guardian_id: int) -> tuple[Student, Guardian]:
    st = lookup.find_student(student_id, "roster.guardian.write")
    gd = lookup.find_guardian(guardian_id, "roster.school.read")
    if gd.school_id != st.school_id:
        raise ApiError(404, "not_found", _("No such guardian."))
    return st, gd


@endpoint(bp, "/students/<id:student_id>/guardians/<id:guardian_id>", ["POST"], body=LinkIn, status=201,
          summary="Link a guardian to a student (or change the relation)")
def link_guardian(student_id, guardian_id, body):
    st, gd = _link_target(student_id, guardian_id)
    service.link_guardian(st, gd, body["relation"], by=g.user)
    return {"student_id": st.id, "guardian_id": gd.id, "relation": body["relation"]}, 201


@endpoint(bp, "/students/<id:student_id>/guardians/<id:guardian_id>", ["DELETE"],
          summary="Unlink a guardian from a student (both records stay)")
def unlink_guardian(student_id, guardian_id):
    st, gd = _link_target(student_id, guardian_id)
    if not StudentGuardian.select().where((StudentGuardian.student == st.id) &
                                          (StudentGuardian.guardian == gd.id)).exists():
        raise ApiError(404, "not_found", _("This guardian is not linked to the student."))
    service.unlink_guardian(st, gd, by=g.user)
    return None


# --- accounts --------------------------------------------------------------------------------------------------

def _issue(person):
    try:
        issued = service.issue_account(person, by=g.user)
    except service.AccountStopped:
        raise conflict(_("This account is stopped. An administrator must deal with it first."))
    resp = AccountOut().dump(issued)
    return resp, 201


@endpoint(bp, "/students/<id:student_id>/account", ["POST"], status=201,
          summary="Issue the student's account, or a new password for it (shown once)")
def issue_student_account(student_id):
    return _issue(lookup.find_student(student_id, "roster.accounts.issue"))


@endpoint(bp, "/guardians/<id:guardian_id>/account", ["POST"], status=201,
          summary="Issue the guardian's account, or a new password for it (shown once)")
def issue_guardian_account(guardian_id):
    return _issue(lookup.find_guardian(guardian_id, "roster.accounts.issue"))


# --- study groups ------------------------------------------------------------------------------------------------

def _groups_query():
    return (StudyGroup.select(StudyGroup, Subject, SchoolClass)
            .join(Subject, pw.JOIN.LEFT_OUTER, on=(StudyGroup.subject == Subject.id)).switch(StudyGroup)
            .join(SchoolClass, pw.JOIN.LEFT_OUTER, on=(StudyGroup.school_class == SchoolClass.id)))


def _attach_members(groups: list[StudyGroup], with_members: bool) -> None:
    ids = [grp.id for grp in groups]
    counts = dict(GroupMember.select(GroupMember.group, pw.fn.COUNT(GroupMember.id)).join(Student)
                  .where(GroupMember.group.in_(ids) & Student.left_at.is_null())
                  .group_by(GroupMember.group).tuples()) if ids else {}
    members: dict[int, list] = {i: [] for i in ids}
    if with_members and ids:
        pairs = list(GroupMember.select(GroupMember.group, GroupMember.student)
                     .where(GroupMember.group.in_(ids)).tuples())
        students = {st.id: st for st in _students_query().where(
            Student.id.in_([s for _g, s in pairs] or [0]) & Student.left_at.is_null())
            .order_by(Student.last_name, Student.first_name)}
        order = {sid: i for i, sid in enumerate(students)}
        for gid, sid in sorted(pairs, key=lambda p: order.get(p[1], 0)):
            if sid in students:
                members[gid].append(students[sid])
    for grp in groups:
        grp.member_count = counts.get(grp.id, 0)
        grp.members = members[grp.id] if with_members else None


def _group_out(group_id: int) -> dict:
    grp = _groups_query().where(StudyGroup.id == group_id).get()
    _attach_members([grp], True)
    return GroupOut().dump(grp)


@endpoint(bp, "/groups", summary="Study groups of a school year (paged; filter by class_id, kind)", query=GroupArgs)
def list_groups(args):
    cond = lookup.group_filter()
    if cond is None:
        raise forbidden()
    school = lookup.school_for_list(args["school_id"])
    if school is None:
        return _empty(args)
    year = _year(school, args["year_id"])
    if year is None:
        return _empty(args)
    q = _groups_query().where(cond & (StudyGroup.school == school.id) & (StudyGroup.year == year.id))
    if args["class_id"] is not None:
        q = q.where((StudyGroup.school_class == args["class_id"]) | StudyGroup.id.in_(
            GroupMember.select(GroupMember.group).join(Student).where(Student.school_class == args["class_id"])))
    if args["kind"]:
        q = q.where(StudyGroup.kind == args["kind"])
    q = q.order_by(SchoolClass.parallel, SchoolClass.letter, StudyGroup.name, StudyGroup.id)
    return _page(q, GroupOut(exclude=("members",)), args, lambda items: _attach_members(items, False))


def check_members(kind: str, school_id: int, cls: SchoolClass | None, parallel: int | None, ids: list[int]) -> None:
    bad = service.invalid_group_members(kind, school_id, cls, parallel, ids)
    if bad:
        raise invalid({"student_ids": _("These students cannot be in this group: %(ids)s.",
                                        ids=", ".join(map(str, bad)))})
    if kind == "individual" and len(set(ids)) > 1:
        raise invalid({"student_ids": _("An individual plan group has one student.")})


def _subject(school_id: int, subject_id: int | None) -> Subject | None:
    if subject_id is None:
        return None
    s = Subject.get_or_none((Subject.id == subject_id) & (Subject.school == school_id))
    if s is None:
        raise invalid({"subject_id": _("No such subject.")})
    return s


@endpoint(bp, "/groups", ["POST"], summary="Create a study group: a split of a class, a stream of a parallel "
                                          "or an individual plan", body=GroupIn, status=201)
def create_group(body):
    _require_somewhere("roster.group.write")
    if body["kind"] == "stream":
        school = _own_school("roster.group.write")
        if body["parallel"] is None:
            raise invalid({"parallel": _("A stream gathers one parallel: give it.")})
        cls, year = None, _year(school, None)
        if year is None:
            raise invalid({"year_id": _("No such school year.")})
    else:
        if body["class_id"] is None:
            raise invalid({"class_id": _("This field is required.")})
        cls = _body_class(body["class_id"], "roster.group.write")
        school, year = School.get_by_id(cls.school_id), cls.year
    subject = _subject(school.id, body["subject_id"])
    check_members(body["kind"], school.id, cls, body["parallel"], body["student_ids"])
    grp = service.create_group(school, year, body["name"], body["kind"], subject=subject, school_class=cls,
                               parallel=body["parallel"] if cls is None else cls.parallel,
                               student_ids=body["student_ids"], by=g.user)
    return _group_out(grp.id), 201


@endpoint(bp, "/groups/<id:group_id>", summary="A study group with its members")
def get_group(group_id):
    lookup.find_group(group_id, "roster.class.read")
    return _group_out(group_id)


@endpoint(bp, "/groups/<id:group_id>", ["PATCH"], body=GroupPatch,
          summary="Rename a group or change its subject; send the version you loaded (409 when stale)")
def patch_group(group_id, body):
    grp = lookup.find_group(group_id, "roster.group.write")
    changes = {k: body[k] for k in ("name",) if k in body}
    if "subject_id" in body:
        changes["subject"] = _subject(grp.school_id, body["subject_id"])
    try:
        service.update_group(grp, changes, version=body["version"], by=g.user)
    except service.StaleEdit:
        raise conflict(_(STALE), current=_group_out(grp.id))
    return _group_out(grp.id)


@endpoint(bp, "/groups/<id:group_id>/members", ["PUT"], body=MembersIn,
          summary="Set a group's members; send the version you loaded (409 when stale)")
def put_members(group_id, body):
    grp = lookup.find_group(group_id, "roster.group.write")
    cls = SchoolClass.get_by_id(grp.school_class_id) if grp.school_class_id else None
    check_members(grp.kind, grp.school_id, cls, grp.parallel, body["student_ids"])
    try:
        service.set_group_members(grp, body["student_ids"], version=body["version"], by=g.user)
    except service.StaleEdit:
        raise conflict(_(STALE), current=_group_out(grp.id))
    return _group_out(grp.id)


# --- teaching assignments -------------------------------------------------------------------------------------------

def _teaching_query():
    return (TeachingAssignment.select(TeachingAssignment, User, Subject)
            .join(User, on=(TeachingAssignment.teacher == User.id)).switch(TeachingAssignment)
            .join(Subject, on=(TeachingAssignment.subject == Subject.id)))


@endpoint(bp, "/teaching", summary="Who teaches what to which class or group (paged)", query=TeachingArgs)
def list_teaching(args):
    school = _readable_school(args)
    if school is None:
        return _empty(args)
    year = _year(school, args["year_id"])
    if year is None:
        return _empty(args)
    q = _teaching_query().where((TeachingAssignment.school == school.id) & (TeachingAssignment.year == year.id))
    if args["teacher_id"] is not None:
        q = q.where(TeachingAssignment.teacher == args["teacher_id"])
    if args["class_id"] is not None:
        q = q.where(TeachingAssignment.school_class == args["class_id"])
    return _page(q.order_by(User.display_name, Subject.name, TeachingAssignment.id), TeachingOut(), args)


@endpoint(bp, "/teaching", ["POST"], body=TeachingIn, response=TeachingOut, status=201,
          summary="Assign a teacher to teach a subject to a class or a group")
def create_teaching(body):
    school = _own_school("roster.school.manage")
    teacher = _teacher(school.id, body["teacher_id"], "teacher_id")
    subject = _subject(school.id, body["subject_id"])
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


# --- class list upload ---------------------------------------------------------------------------------------------

def _import_upload(school, only_class, args) -> dict:
    """The class-list upload both import endpoints share: multipart ``file``, an optional ``mapping``
    (JSON: caption -> column key, "" for "do not import"); 422 with the report when refused."""
    import json
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise invalid({"file": _("Attach a CSV or XLSX file.")})
    mapping = None
    raw = request.form.get("mapping")
    if raw:
        from .import_headers import KEYS
        try:
            mapping = json.loads(raw)
        except ValueError:
            mapping = None
        if not isinstance(mapping, dict) or not all(
                isinstance(c, str) and len(c) <= 200 and k in KEYS + ("",) for c, k in mapping.items()):
            raise invalid({"mapping": _("Give the mapping as a JSON object: caption -> column key.")})
    from .importer import import_students
    report = import_students(io.BytesIO(upload.read()), upload.filename, school, g.user, args["dry_run"],
                             only_class=only_class, mapping=mapping)
    if not report.ok:
        raise ApiError(422, "invalid_file", report.summary(), {"file": report.summary()}, **report.to_dict())
    return report.to_dict()


@endpoint(bp, "/classes/<int:class_id>/import", ["POST"], query=ImportArgs,
          summary="Upload a class list into one class (multipart 'file': CSV or XLSX; optional 'mapping': JSON "
                  "caption -> column key). All rows or nothing; dry_run=1 only checks")
def import_class(class_id, args):
    cls = lookup.find_class(class_id, "roster.import")
    return _import_upload(School.get_by_id(cls.school_id), cls, args)


@endpoint(bp, "/schools/<int:school_id>/import", ["POST"], query=ImportArgs,
          summary="Upload the class lists of a school (rows name their class; multipart 'file', optional "
                  "'mapping'). All rows or nothing; dry_run=1 only checks")
def import_school(school_id, args):
    school = lookup.find_school(school_id, "roster.import")
    return _import_upload(school, None, args)
