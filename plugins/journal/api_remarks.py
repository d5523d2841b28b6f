"""Journal API: teachers' remarks, recommendations and praise.
"""
from __future__ import annotations


from flask import g

from zhurnal.core import access
from zhurnal.core.api import endpoint, forbidden, invalid, not_found
from zhurnal.plugins.roster.models import SchoolClass, Student, Subject

from . import service
from .api_common import _call, _class_or_404, _lesson_ref, _ref, _require, _school_id, bp
from .schemas import RemarkIn, JournalRemarkOut, RemarkQuery
from .scope import JournalOf, PupilOf, may_in_subject, student_groups


@endpoint(bp, "/remarks", ["POST"], summary="Write a remark, recommendation or praise to a student", body=RemarkIn,
          response=JournalRemarkOut, status=201, idempotent=True)
def create_remark(body):
    student = _ref(Student, body["student_id"], "student_id", "student")
    _require("journal.remark.write", PupilOf.of(student))
    subject = _ref(Subject, body["subject_id"], "subject_id", "subject")
    lesson = _lesson_ref(body["lesson_id"]) if body["lesson_id"] is not None else None
    # only under a subject or a lesson of one's own (a class teacher: of their class)
    if lesson is not None:
        _require("journal.remark.write", lesson)
    if subject is not None and not may_in_subject(g.user, "journal.remark.write", student, subject.id,
                                                  student_groups([student.id]).get(student.id, [])):
        raise forbidden("You do not teach this subject to the student.")
    return _call(service.add_remark, student, body["text"], kind=body["kind"], subject=subject, lesson=lesson,
                 date=body["date"], by=g.user), 201


@endpoint(bp, "/remarks", ["GET"], summary="Remarks to a student or a class", query=RemarkQuery,
          response=JournalRemarkOut, many=True)
def list_remarks(args):
    if args["student_id"] is not None:
        student = Student.get_or_none(Student.id == args["student_id"])
        if student is None or student.school_id != _school_id():
            raise not_found("No such student.")
        cls = SchoolClass.get_or_none(SchoolClass.id == student.school_class_id)
        if cls is None or not access.can(g.user, "journal.read", JournalOf.of_class(cls)):
            raise forbidden()
        ids = [student.id]
    elif args["class_id"] is not None:
        cls = _class_or_404(args["class_id"])
        _require("journal.read", JournalOf.of_class(cls))
        ids = [s.id for s in Student.select(Student.id).where(Student.school_class == cls.id)]
    else:
        raise invalid({"student_id": "Give student_id or class_id."})
    remarks = service.remarks_for(ids, args["date_from"], args["date_to"])
    # a teacher sees the remarks of the subjects they teach the student (and their own)
    students = {x.id: x for x in Student.select().where(Student.id.in_({r.student_id for r in remarks}))}
    groups = student_groups(students) if remarks else {}
    return [r for r in remarks if r.teacher_id == g.user.id or may_in_subject(
        g.user, "journal.read", students[r.student_id], r.subject_id, groups.get(r.student_id, []))]
