"""Roster API: classes of a school year and their lists."""
from __future__ import annotations

from flask import g
from flask_babel import gettext as _

from zhurnal.core.api import conflict, endpoint, invalid

from . import lookup, service
from .api import (attach_counts, body_teacher, class_out, classes_query, own_school, page, school_year, scoped_page,
                  students_query)
from .blueprints import api as bp
from .inputs import Args, ClassArgs, ClassIn, ClassPatch
from .models import SchoolClass, Student
from .schemas import ClassOut, StudentBrief


@endpoint(bp, "/classes", summary="Classes of a school year (default: the current one), paged", query=ClassArgs)
def list_classes(args):
    return scoped_page(args, ClassOut(), lambda school, year, _cond: (
        classes_query().where((SchoolClass.school == school.id) & (SchoolClass.year == year.id))
        .order_by(SchoolClass.parallel, SchoolClass.letter)), year=True, prepare=attach_counts)


@endpoint(bp, "/classes", ["POST"], summary="Add a class to a school year", body=ClassIn, status=201)
def create_class(body):
    school = own_school("roster.school.manage")
    year = school_year(school, body["year_id"])
    if year is None:
        raise invalid({"year_id": _("No such school year.")})
    letter = service.parse_class_name(f"{body['parallel']}{body['letter']}")[1]
    if SchoolClass.select().where((SchoolClass.year == year.id) & (SchoolClass.parallel == body["parallel"]) &
                                  (SchoolClass.letter == letter)).exists():
        raise conflict(_("This class already exists in the school year."))
    teacher = body_teacher(school.id, body["class_teacher_id"], "class_teacher_id")
    cls = service.create_class(school, year, body["parallel"], letter, class_teacher=teacher, by=g.user)
    if body["room"]:
        cls = service.update_class(cls, {"room": body["room"]}, by=g.user)
    return class_out(cls.id), 201


@endpoint(bp, "/classes/<id:class_id>", summary="A class with its class teacher and size")
def get_class(class_id):
    lookup.find_class(class_id, "roster.school.read")
    return class_out(class_id)


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
        changes["class_teacher"] = body_teacher(cls.school_id, body["class_teacher_id"], "class_teacher_id")
    service.update_class(cls, changes, version=body["version"], by=g.user)
    return class_out(cls.id)


@endpoint(bp, "/classes/<id:class_id>/students", summary="The class list (paged)", query=Args)
def class_students(class_id, args):
    cls = lookup.find_class(class_id, "roster.class.read")
    q = (students_query().where((Student.school_class == cls.id) & Student.left_at.is_null())
         .order_by(Student.last_name, Student.first_name, Student.middle_name))
    return page(q, StudentBrief(), args)
