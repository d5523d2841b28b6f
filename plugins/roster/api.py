"""What the roster's JSON API modules share: one page of a list scoped to what the user may see,
the references a request body makes (school, year, class, teacher, subject), and how records are
shown (also as the current state of a stale edit, answered 409 by :mod:`zhurnal.core.api`).

The endpoints live by responsibility: :mod:`.api_school` (schools, years, holidays, subjects,
teaching), :mod:`.api_classes`, :mod:`.api_people` (students and guardians), :mod:`.api_groups`,
:mod:`.api_accounts` and :mod:`.api_import` (the class list upload); they are loaded in
:mod:`.blueprints`. Every view finds its object through :mod:`.lookup` (404 unknown, 403 forbidden)
and writes only through :mod:`.service`.
"""
from __future__ import annotations

from typing import Callable

import peewee as pw
from flask import g
from flask_babel import gettext as _

from zhurnal.core import access
from zhurnal.core.api import forbidden, invalid, stale_state
from zhurnal.core.identity.models import School, User

from . import lookup, service
from .blueprints import api as bp
from .models import AcademicYear, GroupMember, Guardian, SchoolClass, Student, StudyGroup, Subject
from .schemas import ClassOut, GroupOut, GuardianOut, StudentCard


# --- lists ------------------------------------------------------------------------------------------

def page(query, schema, args: dict, prepare=None) -> dict:
    """One page in the shape of :func:`zhurnal.core.api.paginate`, with a hook to fetch what the
    page's rows need in a constant number of queries."""
    total = query.count()
    items = list(query.paginate(args["page"], args["per_page"]))
    if prepare is not None:
        prepare(items)
    return {"items": schema.dump(items, many=True), "total": total, "page": args["page"],
            "per_page": args["per_page"]}


def empty_page(args: dict) -> dict:
    return {"items": [], "total": 0, "page": args["page"], "per_page": args["per_page"]}


def scoped_page(args: dict, schema, build: Callable, *, visible: Callable | None = None, year: bool = False,
                prepare=None) -> dict:
    """One page of a list of a school's records, scoped to what the user may see.

    The school is the one asked for (``args["school_id"]``; 404 if unknown to the user) or the user's.
    Without ``visible`` it is a list of the school's structure: 403 unless the user reads the school.
    With ``visible`` (a :mod:`.lookup` filter: the condition on the rows the user may see, ``None`` when
    none) it is a list of people or groups: 403 when the user may see none. With ``year`` the list is
    of a school year (``args["year_id"]``, default the current one; 422 if not the school's).
    No school (or no year): an empty page. Else ``build(school, year, cond)`` is the query, paged.
    """
    cond = None
    if visible is not None:
        cond = visible()
        if cond is None:
            raise forbidden()
        school = lookup.school_for_list(args["school_id"])
    else:
        school = lookup.school_for_list(args["school_id"])
        if school is not None and not lookup.reads_school(school.id):
            raise forbidden()
    if school is None:
        return empty_page(args)
    the_year = None
    if year:
        the_year = school_year(school, args["year_id"])
        if the_year is None:
            return empty_page(args)
    return page(build(school, the_year, cond), schema, args, prepare)


# --- references in a request ----------------------------------------------------------------------------

def own_school(perm: str) -> School:
    """The user's school, for a write whose body names none; 403 unless they hold ``perm`` there."""
    school = g.school
    if school is None or not access.can(g.user, perm, school):
        raise forbidden()
    return school


def school_year(school, year_id: int | None) -> AcademicYear | None:
    """The school year named (422 if not the school's), default the current one."""
    if year_id is None:
        return service.current_year(school)
    y = AcademicYear.get_or_none((AcademicYear.id == year_id) & (AcademicYear.school == school.id))
    if y is None:
        raise invalid({"year_id": _("No such school year.")})
    return y


def body_teacher(school_id: int, user_id: int | None, field: str) -> User | None:
    """A teacher of the school named in a request body, or 422."""
    if user_id is None:
        return None
    for u in service.school_teachers(school_id):
        if u.id == user_id:
            return u
    raise invalid({field: _("No such teacher in this school.")})


def body_subject(school_id: int, subject_id: int | None) -> Subject | None:
    """A subject of the school named in a request body, or 422."""
    if subject_id is None:
        return None
    s = Subject.get_or_none((Subject.id == subject_id) & (Subject.school == school_id))
    if s is None:
        raise invalid({"subject_id": _("No such subject.")})
    return s


def require_somewhere(perm: str) -> None:
    """403 before looking at a body's references when the user holds ``perm`` nowhere."""
    if not access.can(g.user, perm):
        raise forbidden()


def body_class(class_id: int, perm: str, field: str = "class_id") -> SchoolClass:
    """A class named in a request body: 422 if the user cannot know it, 403 if not allowed."""
    require_somewhere(perm)
    cls = SchoolClass.get_or_none(SchoolClass.id == class_id)
    if cls is None or not lookup.reads_school(cls.school_id):
        raise invalid({field: _("No such class.")})
    if not access.can(g.user, perm, cls):
        raise forbidden()
    return cls


# --- how records are shown ---------------------------------------------------------------------------------

def classes_query():
    return (SchoolClass.select(SchoolClass, User)
            .join(User, pw.JOIN.LEFT_OUTER, on=(SchoolClass.class_teacher == User.id)))


def attach_counts(classes: list[SchoolClass]) -> None:
    counts = service.student_counts(c.id for c in classes)
    for c in classes:
        c.student_count = counts.get(c.id, 0)


def class_out(class_id: int) -> dict:
    cls = classes_query().where(SchoolClass.id == class_id).get()
    attach_counts([cls])
    return ClassOut().dump(cls)


def students_query():
    return (Student.select(Student, SchoolClass)
            .join(SchoolClass, pw.JOIN.LEFT_OUTER, on=(Student.school_class == SchoolClass.id)))


def attach_children(guardians: list[Guardian]) -> None:
    kids = service.children_of_guardians(gd.id for gd in guardians)
    for gd in guardians:
        gd.children = kids.get(gd.id, [])


def guardian_out(gd: Guardian) -> dict:
    attach_children([gd])
    return GuardianOut().dump(gd)


def groups_query():
    return (StudyGroup.select(StudyGroup, Subject, SchoolClass)
            .join(Subject, pw.JOIN.LEFT_OUTER, on=(StudyGroup.subject == Subject.id)).switch(StudyGroup)
            .join(SchoolClass, pw.JOIN.LEFT_OUTER, on=(StudyGroup.school_class == SchoolClass.id)))


def attach_members(groups: list[StudyGroup], with_members: bool) -> None:
    ids = [grp.id for grp in groups]
    counts = dict(GroupMember.select(GroupMember.group, pw.fn.COUNT(GroupMember.id)).join(Student)
                  .where(GroupMember.group.in_(ids) & Student.left_at.is_null())
                  .group_by(GroupMember.group).tuples()) if ids else {}
    members: dict[int, list] = {i: [] for i in ids}
    if with_members and ids:
        pairs = list(GroupMember.select(GroupMember.group, GroupMember.student)
                     .where(GroupMember.group.in_(ids)).tuples())
        students = {st.id: st for st in students_query().where(
            Student.id.in_([s for _g, s in pairs] or [0]) & Student.left_at.is_null())
            .order_by(Student.last_name, Student.first_name)}
        order = {sid: i for i, sid in enumerate(students)}
        for gid, sid in sorted(pairs, key=lambda p: order.get(p[1], 0)):
            if sid in students:
                members[gid].append(students[sid])
    for grp in groups:
        grp.member_count = counts.get(grp.id, 0)
        grp.members = members[grp.id] if with_members else None


def group_out(group_id: int) -> dict:
    grp = groups_query().where(StudyGroup.id == group_id).get()
    attach_members([grp], True)
    return GroupOut().dump(grp)


@stale_state(bp)
def current_state(obj) -> dict | None:
    """A stale edit's current record, as the endpoint editing it answers (409 ``error.current``)."""
    if isinstance(obj, SchoolClass):
        attach_counts([obj])
        return ClassOut().dump(obj)
    if isinstance(obj, Guardian):
        return guardian_out(obj)
    if isinstance(obj, StudyGroup):
        return group_out(obj.id)
    if isinstance(obj, Student):
        return StudentCard().dump(service.student_card(obj))
    return None
