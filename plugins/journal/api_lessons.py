"""Journal API: lessons (list, add by hand, change, attendance taken) and control works.
"""
from __future__ import annotations


from flask import g

from zhurnal.core import access
from zhurnal.core.api import endpoint, invalid, not_found
from zhurnal.plugins.roster.models import SchoolClass, Student, StudyGroup, Subject

from . import service
from .api_common import (_call, _class_or_404, _group_or_404, _lesson_or_404, _override, _range, _ref, _require,
                         _school_id, bp)
from .common import _lesson_query
from .models import Lesson
from .schemas import LessonIn, JournalLessonOut, LessonPatch, LessonQuery, Range
from .scope import JournalOf, PupilOf


@endpoint(bp, "/lessons", ["GET"], summary="Lessons of a class or group (subject, dates)", query=LessonQuery,
          response=JournalLessonOut, many=True)
def list_lessons(args):
    if args["group_id"] is not None:
        grp = _group_or_404(args["group_id"])
        target, year_id = JournalOf.of_group(grp, args["subject_id"]), grp.year_id
    else:
        cls = _class_or_404(args["class_id"])
        target, year_id = JournalOf.of_class(cls, args["subject_id"]), cls.year_id
    _require("journal.read", target)
    _period, a, b = _range(args, year_id)
    lessons = service.lessons_for(args["class_id"], [args["group_id"]] if args["group_id"] else (),
                                  args["subject_id"], a, b)
    return [x for x in lessons if access.can(g.user, "journal.read", x)]


@endpoint(bp, "/lessons", ["POST"], summary="Add a lesson by hand", body=LessonIn, response=JournalLessonOut, status=201)
def create_lesson(body):
    subject = _ref(Subject, body["subject_id"], "subject_id", "subject")
    cls = grp = None
    if body["student_id"] is not None:
        student = _ref(Student, body["student_id"], "student_id", "student")
        grp = service.individual_group(student, subject.id)
        if grp is None:
            raise invalid({"student_id": "The student has no individual plan in this subject."})
        target = JournalOf.of_group(grp, subject.id)
    elif body["group_id"] is not None:
        grp = _ref(StudyGroup, body["group_id"], "group_id", "group")
        target = JournalOf.of_group(grp, subject.id)
    else:
        cls = _ref(SchoolClass, body["class_id"], "class_id", "class")
        target = JournalOf.of_class(cls, subject.id)
    _require("journal.lesson.write", target)
    lesson = _call(service.create_lesson, _school_id(), date=body["date"], subject=subject, school_class=cls,
                   group=grp, number=body["number"], topic=body["topic"], homework=body["homework"],
                   homework_links=body["homework_links"], is_control=body["is_control"],
                   control_title=body["control_title"], by=g.user, allow_closed=_override(target))
    return _lesson_query().where(Lesson.id == lesson.id).get(), 201


@endpoint(bp, "/lessons/<id:lesson_id>", ["GET"], summary="One lesson", response=JournalLessonOut)
def get_lesson(lesson_id: int):
    lesson = _lesson_or_404(lesson_id)
    _require("journal.read", lesson)
    return lesson


@endpoint(bp, "/lessons/<id:lesson_id>", ["PATCH"], summary="Change a lesson's topic, homework, control work",
          body=LessonPatch, response=JournalLessonOut)
def update_lesson(lesson_id: int, body):
    lesson = _lesson_or_404(lesson_id)
    _require("journal.lesson.write", lesson)
    version = body.pop("version")
    return _call(service.update_lesson, lesson, body, version=version, by=g.user, allow_closed=_override(lesson))


@endpoint(bp, "/lessons/<id:lesson_id>/attendance-taken", ["POST"], idempotent=True, response=JournalLessonOut,
          summary="Say attendance at the lesson is taken: everyone not marked absent or late was there")
def attendance_taken(lesson_id: int):
    lesson = _lesson_or_404(lesson_id)
    _require("journal.attendance.write", lesson)
    return _call(service.attendance_taken, lesson, by=g.user, allow_closed=_override(lesson))


# --- control works --------------------------------------------------------------------------------

@endpoint(bp, "/classes/<id:class_id>/control-works", ["GET"], summary="Control and test works of a class",
          query=Range, response=JournalLessonOut, many=True)
def class_control_works(class_id: int, args):
    cls = _class_or_404(class_id)
    _require("journal.timetable.read", JournalOf.of_class(cls))
    _p, a, b = _range(args, cls.year_id)
    return service.control_works(class_id=cls.id, date_from=a, date_to=b)


@endpoint(bp, "/students/<id:student_id>/control-works", ["GET"], summary="Control and test works a student "
                                                                           "will write", query=Range,
          response=JournalLessonOut, many=True)
def student_control_works(student_id: int, args):
    student = Student.get_or_none(Student.id == student_id)
    if student is None or student.school_id != _school_id():
        raise not_found("No such student.")
    _require("journal.timetable.read", PupilOf.of(student))
    _p, a, b = _range(args)
    return service.control_works(student=student, date_from=a, date_to=b)
