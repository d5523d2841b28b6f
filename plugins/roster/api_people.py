"""Roster API: students (the card, add, change, move) and guardians (add, change, link to a student)."""
from __future__ import annotations

from flask import g
from flask_babel import gettext as _

from zhurnal.core import access
from zhurnal.core.api import ApiError, endpoint, forbidden, invalid

from . import lookup, service
from .api import attach_children, body_class, guardian_out, require_somewhere, scoped_page, students_query
from .blueprints import api as bp
from .inputs import GuardianArgs, GuardianIn, GuardianPatch, LinkIn, StudentArgs, StudentIn, StudentPatch
from .models import Guardian, SchoolClass, Student, StudentGuardian
from .schemas import GuardianOut, StudentBrief, StudentCard


# --- students ---------------------------------------------------------------------------------------------

@endpoint(bp, "/students", summary="Students the user may see (paged; filter by class_id, q)", query=StudentArgs)
def list_students(args):
    def build(school, _year, cond):
        q = students_query().where(cond & (Student.school == school.id))
        if args["class_id"] is not None:
            q = q.where(Student.school_class == args["class_id"])
        if not args["include_left"]:
            q = q.where(Student.left_at.is_null())
        if args["q"].strip():
            q = q.where(lookup.name_search(args["q"], Student))
        return q.order_by(SchoolClass.parallel, SchoolClass.letter, Student.last_name, Student.first_name, Student.id)
    return scoped_page(args, StudentBrief(), build, visible=lookup.student_filter)


@endpoint(bp, "/students", ["POST"], summary="Add a student to a class", body=StudentIn, response=StudentCard,
          status=201)
def create_student(body):
    cls = body_class(body.pop("class_id"), "roster.student.write")
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
        target = body_class(body["class_id"], "roster.student.write")
        if target.school_id != st.school_id:
            raise invalid({"class_id": _("No such class.")})
        changes["school_class"] = target
    return changes


@endpoint(bp, "/students/<id:student_id>", ["PATCH"], response=StudentCard, body=StudentPatch,
          summary="Change a student's data or class; send the version you loaded (409 when stale)")
def patch_student(student_id, body):
    st = lookup.find_student(student_id, "roster.student.write")
    service.update_student(st, student_changes(st, body), version=body["version"], by=g.user)
    return service.student_card(Student.get_by_id(st.id))


# --- guardians ----------------------------------------------------------------------------------------------

@endpoint(bp, "/guardians", summary="Guardians the user may see (paged; filter by student_id, q)", query=GuardianArgs)
def list_guardians(args):
    def build(school, _year, cond):
        q = Guardian.select().where(cond & (Guardian.school == school.id))
        if args["student_id"] is not None:
            q = q.where(Guardian.id.in_(StudentGuardian.select(StudentGuardian.guardian)
                                        .where(StudentGuardian.student == args["student_id"])))
        if args["q"].strip():
            q = q.where(lookup.name_search(args["q"], Guardian))
        return q.order_by(Guardian.last_name, Guardian.first_name, Guardian.id)
    return scoped_page(args, GuardianOut(), build, visible=lookup.guardian_filter, prepare=attach_children)


@endpoint(bp, "/guardians", ["POST"], summary="Add a guardian (linked to student_id when given)", body=GuardianIn,
          status=201)
def create_guardian(body):
    require_somewhere("roster.guardian.write")
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
    return guardian_out(gd), 201


@endpoint(bp, "/guardians/<id:guardian_id>", summary="A guardian with their children (audited)")
def get_guardian(guardian_id):
    gd = lookup.find_guardian(guardian_id, "roster.student.card")
    out = guardian_out(gd)
    service.record_read(gd, via="api", by=g.user)
    return out


@endpoint(bp, "/guardians/<id:guardian_id>", ["PATCH"], body=GuardianPatch,
          summary="Change a guardian's data; send the version you loaded (409 when stale)")
def patch_guardian(guardian_id, body):
    gd = lookup.find_guardian(guardian_id, "roster.guardian.write")
    changes = {k: v for k, v in body.items() if k != "version"}
    gd = service.update_guardian(gd, changes, version=body["version"], by=g.user)
    return guardian_out(gd)


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
