"""Roster API: study groups — a split of a class, a stream of a parallel, an individual plan — and their members."""
from __future__ import annotations

from flask import g
from flask_babel import gettext as _

from zhurnal.core.api import endpoint, invalid
from zhurnal.core.identity.models import School

from . import lookup, service
from .api import attach_members, body_class, body_subject, group_out, groups_query, own_school, require_somewhere, \
    school_year, scoped_page
from .blueprints import api as bp
from .inputs import GroupArgs, GroupIn, GroupPatch, MembersIn
from .models import SchoolClass, StudyGroup
from .schemas import GroupOut


@endpoint(bp, "/groups", summary="Study groups of a school year (paged; filter by class_id, kind)", query=GroupArgs)
def list_groups(args):
    def build(school, year, cond):
        q = groups_query().where(cond & (StudyGroup.school == school.id) & (StudyGroup.year == year.id))
        if args["class_id"] is not None:
            q = q.where(service.group_in_classes([args["class_id"]]))
        if args["kind"]:
            q = q.where(StudyGroup.kind == args["kind"])
        return q.order_by(SchoolClass.parallel, SchoolClass.letter, StudyGroup.name, StudyGroup.id)
    return scoped_page(args, GroupOut(exclude=("members",)), build, visible=lookup.group_filter, year=True,
                       prepare=lambda items: attach_members(items, False))


def check_members(kind: str, school_id: int, cls: SchoolClass | None, parallel: int | None, ids: list[int]) -> None:
    bad = service.invalid_group_members(kind, school_id, cls, parallel, ids)
    if bad:
        raise invalid({"student_ids": _("These students cannot be in this group: %(ids)s.",
                                        ids=", ".join(map(str, bad)))})
    if kind == "individual" and len(set(ids)) > 1:
        raise invalid({"student_ids": _("An individual plan group has one student.")})


@endpoint(bp, "/groups", ["POST"], summary="Create a study group: a split of a class, a stream of a parallel "
                                          "or an individual plan", body=GroupIn, status=201)
def create_group(body):
    require_somewhere("roster.group.write")
    if body["kind"] == "stream":
        school = own_school("roster.group.write")
        if body["parallel"] is None:
            raise invalid({"parallel": _("A stream gathers one parallel: give it.")})
        cls, year = None, school_year(school, None)
        if year is None:
            raise invalid({"year_id": _("No such school year.")})
    else:
        if body["class_id"] is None:
            raise invalid({"class_id": _("This field is required.")})
        cls = body_class(body["class_id"], "roster.group.write")
        school, year = School.get_by_id(cls.school_id), cls.year
    subject = body_subject(school.id, body["subject_id"])
    check_members(body["kind"], school.id, cls, body["parallel"], body["student_ids"])
    grp = service.create_group(school, year, body["name"], body["kind"], subject=subject, school_class=cls,
                               parallel=body["parallel"] if cls is None else cls.parallel,
                               student_ids=body["student_ids"], by=g.user)
    return group_out(grp.id), 201


@endpoint(bp, "/groups/<id:group_id>", summary="A study group with its members")
def get_group(group_id):
    lookup.find_group(group_id, "roster.class.read")
    return group_out(group_id)


@endpoint(bp, "/groups/<id:group_id>", ["PATCH"], body=GroupPatch,
          summary="Rename a group or change its subject; send the version you loaded (409 when stale)")
def patch_group(group_id, body):
    grp = lookup.find_group(group_id, "roster.group.write")
    changes = {k: body[k] for k in ("name",) if k in body}
    if "subject_id" in body:
        changes["subject"] = body_subject(grp.school_id, body["subject_id"])
    service.update_group(grp, changes, version=body["version"], by=g.user)
    return group_out(grp.id)


@endpoint(bp, "/groups/<id:group_id>/members", ["PUT"], body=MembersIn,
          summary="Set a group's members; send the version you loaded (409 when stale)")
def put_members(group_id, body):
    grp = lookup.find_group(group_id, "roster.group.write")
    cls = SchoolClass.get_by_id(grp.school_class_id) if grp.school_class_id else None
    check_members(grp.kind, grp.school_id, cls, grp.parallel, body["student_ids"])
    service.set_group_members(grp, body["student_ids"], version=body["version"], by=g.user)
    return group_out(grp.id)
