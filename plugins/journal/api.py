"""Journal JSON API under /api/v1.

Access: an object of another school (or none at all) answers 404; an object of
the user's school that the user may not read or change answers 403. Body
references to unknown objects (``lesson_id``, ``student_id``...) are 422 with the
field named. Writes go through :mod:`plugins.journal.service`.
"""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, g
from marshmallow import Schema, validate
from core import fields

from core import access, clock
from core.api import ApiError, conflict, endpoint, forbidden, invalid, not_found
from core.db import by_key
from core.identity.models import User
from plugins.roster.models import AcademicYear, Period, SchoolClass, Student, StudyGroup, Subject

from . import grid as grids, service
from .models import Lesson, Mark, TermMark, TimetableChange, TimetableEntry, WorkKind
from .schemas import (AttendanceIn, GenerateIn, GroupJournalQuery, HistoryOut, JournalQuery, LessonIn, JournalLessonOut,
                      LessonPatch, LessonQuery, MarkDelete, MarkIn, JournalMarkOut, MarkPatch, JournalPeriodOut, RemarkIn,
                      JournalRemarkOut, RemarkQuery, Range, TermMarkIn, TermMarkQuery, TimetableChangeIn, TimetableIn,
                      TimetableQuery, mark_json)
from .scope import JournalOf, PupilOf, may_in_subject, student_groups

bp = Blueprint("journal_api", __name__, url_prefix="/api/v1")


# --- lookups ---------------------------------------------------------------------------------------

def _school_id() -> int | None:
    return g.school.id if g.get("school") is not None else None


def _require(perm: str, obj) -> None:
    if not access.can(g.user, perm, obj):
        raise forbidden()


def _class_or_404(class_id: int) -> SchoolClass:
    c = (by_key(SchoolClass, SchoolClass.id, class_id) or [None])[0]
    if c is None or c.school_id != _school_id():
        raise not_found("No such class.")
    return c


def _group_or_404(group_id: int) -> StudyGroup:
    grp = StudyGroup.get_or_none(StudyGroup.id == group_id)
    if grp is None or grp.school_id != _school_id():
        raise not_found("No such group.")
    return grp


def _lesson_or_404(lesson_id: int) -> Lesson:
    lesson = service._lesson_query().where(Lesson.id == lesson_id).first()
    if lesson is None or lesson.school_id != _school_id():
        raise not_found("No such lesson.")
    return lesson


def _ref(model, ident, name: str, what: str):
    """A body reference: unknown (or of another school) -> 422 naming the field."""
    if ident is None:
        return None
    obj = (by_key(model, model.id, ident) or [None])[0]
    school = getattr(obj, "school_id", None)
    if obj is None or (school is not None and school != _school_id()):
        raise invalid({name: f"Unknown {what}."})
    return obj


def _lesson_ref(lesson_id: int) -> Lesson:
    lesson = Lesson.get_or_none(Lesson.id == lesson_id)
    if lesson is None or lesson.school_id != _school_id():
        raise invalid({"lesson_id": "Unknown lesson."})
    return lesson


def _period_ref(period_id, year_id: int | None = None) -> Period | None:
    if period_id is None:
        return None
    p = Period.select(Period, AcademicYear).join(AcademicYear).where(Period.id == period_id).first()
    if p is None or p.year.school_id != _school_id() or (year_id is not None and p.year_id != year_id):
        raise invalid({"period_id": "Unknown period."})
    return p


def _override(obj) -> bool:
    return access.can(g.user, "journal.closed_period.edit", obj)


def _call(fn, *args, **kwargs):
    """Run a service write: refusals become 422, stale edits 409 with the current state."""
    try:
        return fn(*args, **kwargs)
    except service.Invalid as e:
        message = "Invalid input." if e.code == "invalid" else service.CLOSED_MESSAGE
        raise ApiError(422, e.code, message, e.fields) from None
    except service.StaleEdit as e:
        raise conflict("Someone else changed this in the meantime; here is the current state.",
                       current=_current(e.current)) from None


def _current(obj):
    if obj is None:
        return None
    if isinstance(obj, Mark):
        return _mark_out(obj)
    if isinstance(obj, Lesson):
        return JournalLessonOut().dump(service._lesson_query().where(Lesson.id == obj.id).get())
    if isinstance(obj, TermMark):
        return {"id": obj.id, "student_id": obj.student_id, "subject_id": obj.subject_id, "period_id": obj.period_id,
                "value": obj.value, "version": obj.version}
    return _attendance_out(obj, obj.lesson_id, obj.student_id)


def _mark_out(m: Mark, kind_code: str | None = None) -> dict:
    m.kind_code = kind_code or getattr(m, "kind_code", None) or WorkKind.get_by_id(m.kind_id).code
    return JournalMarkOut().dump(m)


def _attendance_out(a, lesson_id: int, student_id: int) -> dict:
    if a is None:
        return {"student_id": student_id, "lesson_id": lesson_id, "status": None, "reason": "",
                "justified_by": None, "version": 0}
    return {"student_id": a.student_id, "lesson_id": a.lesson_id, "status": a.status, "reason": a.reason,
            "justified_by": a.justified_by, "status_before": a.status_before, "version": a.version}


def _range(args, year_id: int | None = None) -> tuple:
    period = _period_ref(args.get("period_id"), year_id)
    a, b = args.get("date_from"), args.get("date_to")
    if period is not None:
        a, b = a or period.start, b or period.end
    return period, a, b


# --- lessons ---------------------------------------------------------------------------------------

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
    return service._lesson_query().where(Lesson.id == lesson.id).get(), 201


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


# --- marks -----------------------------------------------------------------------------------------

@endpoint(bp, "/marks", ["POST"], summary="Give a mark", body=MarkIn, status=201, idempotent=True)
def create_mark(body):
    # the lesson, the student and the kind of work are read at once, then checked in the usual order
    target = service.mark_target(body["lesson_id"], body["student_id"], body["kind"])
    if target is None or target.lesson.school_id != _school_id():
        raise invalid({"lesson_id": "Unknown lesson."})
    _require("journal.mark.write", target.lesson)
    if target.student_school_id is None or target.student_school_id != _school_id():
        raise invalid({"student_id": "Unknown student."})
    mark = _call(service.add_mark, target.lesson, target.student_id, body["value"], body["kind"], body["comment"],
                 by=g.user, allow_closed=_closed_override(target), context=target)
    return mark_json(mark), 201


def _mark_and_lesson(mark_id: int) -> tuple[Mark, Lesson]:
    mark = Mark.select(Mark, Lesson).join(Lesson).where(Mark.id == mark_id).first()
    if mark is None or mark.lesson.school_id != _school_id():
        raise not_found("No such mark.")
    return mark, mark.lesson


def _mark_context(mark_id: int) -> service.MarkContext:
    """A mark with what changing it checks (:func:`service.mark_context`), or 404."""
    ctx = service.mark_context(mark_id)
    if ctx is None or ctx.lesson.school_id != _school_id():
        raise not_found("No such mark.")
    return ctx


def _closed_override(ctx: service.MarkContext) -> bool:
    """May the user change marks of the lesson's closed period? Asked only when it is closed."""
    return ctx.closed and _override(ctx.lesson)


@endpoint(bp, "/marks/<id:mark_id>", ["GET"], summary="One mark")
def get_mark(mark_id: int):
    mark, lesson = _mark_and_lesson(mark_id)
    _require("journal.read", lesson)
    return _mark_out(mark)


@endpoint(bp, "/marks/<id:mark_id>", ["PATCH"], summary="Change a mark (409 on a stale version)", body=MarkPatch)
def update_mark(mark_id: int, body):
    ctx = _mark_context(mark_id)
    _require("journal.mark.write", ctx.lesson)
    version = body.pop("version")
    fresh = _call(service.update_mark, ctx.mark, body, version=version, by=g.user,
                  allow_closed=_closed_override(ctx), context=ctx)
    return mark_json(fresh)


@endpoint(bp, "/marks/<id:mark_id>", ["DELETE"], summary="Delete a mark", query=MarkDelete)
def delete_mark(mark_id: int, args):
    ctx = _mark_context(mark_id)
    _require("journal.mark.write", ctx.lesson)
    _call(service.delete_mark, ctx.mark, version=args["version"], by=g.user, allow_closed=_closed_override(ctx),
          context=ctx)
    return None


@endpoint(bp, "/marks/<id:mark_id>/history", ["GET"], summary="Change history of a mark", response=HistoryOut,
          many=True)
def mark_history(mark_id: int):
    mark = Mark.select(Mark, Lesson).join(Lesson).where(Mark.id == mark_id).first()
    if mark is not None:
        lesson = mark.lesson
    else:  # a deleted mark keeps its history
        h = service.history_for("mark", mark_id)
        lesson = Lesson.get_or_none(Lesson.id == h[0].lesson_id) if h and h[0].lesson_id else None
    if lesson is None or lesson.school_id != _school_id():
        raise not_found("No such mark.")
    _require("journal.history.read", lesson)
    return service.history_for("mark", mark_id)


@endpoint(bp, "/lessons/<id:lesson_id>/students/<id:student_id>/history", ["GET"],
          summary="Change history of one journal cell (marks and attendance)", response=HistoryOut, many=True)
def cell_history(lesson_id: int, student_id: int):
    lesson = _lesson_or_404(lesson_id)
    _require("journal.history.read", lesson)
    return service.history_for(lesson_id=lesson.id, student_id=student_id)


# --- attendance --------------------------------------------------------------------------------------

@endpoint(bp, "/attendance", ["PUT"], summary="Set a student's attendance at a lesson (null/present clears)",
          body=AttendanceIn, idempotent=True)
def set_attendance(body):
    lesson = _lesson_ref(body["lesson_id"])
    _require("journal.attendance.write", lesson)
    student = _ref(Student, body["student_id"], "student_id", "student")
    row = _call(service.set_attendance, lesson, student, body["status"], body["reason"], by=g.user,
                version=body["version"], allow_closed=_override(lesson))
    return _attendance_out(row, lesson.id, student.id)


# --- the grid ----------------------------------------------------------------------------------------

@endpoint(bp, "/classes/<id:class_id>/journal", ["GET"], summary="The journal grid of a class in a subject",
          query=JournalQuery)
def class_journal(class_id: int, args):
    cls = _class_or_404(class_id)
    subject = _ref(Subject, args["subject_id"], "subject_id", "subject")
    grp = None
    if args["group_id"] is not None:
        grp = _ref(StudyGroup, args["group_id"], "group_id", "group")
        _require("journal.read", JournalOf.of_group(grp, subject.id))
    else:
        _require("journal.read", JournalOf.of_class(cls, subject.id))
    period, a, b = _range(args, cls.year_id)
    grid = grids.build(g.user, subject=subject, school_class=None if grp else cls, group=grp, period=period,
                       date_from=a, date_to=b, encoded=True)
    return grid.response()


@endpoint(bp, "/groups/<id:group_id>/journal", ["GET"], summary="The journal grid of a study group",
          query=GroupJournalQuery)
def group_journal(group_id: int, args):
    grp = _group_or_404(group_id)
    subject = _ref(Subject, args["subject_id"] or grp.subject_id, "subject_id", "subject")
    if subject is None:
        raise invalid({"subject_id": "Missing data for required field."})
    _require("journal.read", JournalOf.of_group(grp, subject.id))
    period, a, b = _range(args, grp.year_id)
    return grids.build(g.user, subject=subject, group=grp, period=period, date_from=a, date_to=b,
                       encoded=True).response()


# --- term and year marks -----------------------------------------------------------------------------

def _term_rows(students: list[Student], subject: Subject, period: Period | None, year_id: int) -> list[dict]:
    ids = [s.id for s in students]
    scale = service.scale_for(subject.id, subject.school_id)
    marks = {(t.student_id, t.period_id): t for t in TermMark.select().where(
        TermMark.student.in_(ids or [-1]) & (TermMark.subject == subject.id) & (TermMark.year == year_id))}
    if period is not None:
        avgs = service.averages(ids, subject.id, period)
    else:  # the year: the average of the period marks
        avgs = {}
        for sid in ids:
            nums = [scale.number(t.value) for (s, p), t in marks.items() if s == sid and p is not None]
            nums = [n for n in nums if n is not None]
            avgs[sid] = round(sum(nums) / len(nums), 2) if nums else None
    pid = period.id if period else None
    rows = []
    for s in students:
        t = marks.get((s.id, pid))
        rows.append({"student_id": s.id, "name": s.short_name, "average": avgs.get(s.id),
                     "proposed": scale.propose(avgs.get(s.id)), "value": t.value if t else None,
                     "version": t.version if t else 0, "id": t.id if t else None})
    return rows


@endpoint(bp, "/term-marks", ["GET"], summary="Period (or year) marks of a class or group in a subject, with "
                                              "the weighted average and the proposed mark", query=TermMarkQuery)
def list_term_marks(args):
    subject = _ref(Subject, args["subject_id"], "subject_id", "subject")
    if args["group_id"] is not None:
        grp = _group_or_404(args["group_id"])
        target, year_id = JournalOf.of_group(grp, subject.id), grp.year_id
        from plugins.roster.service import group_students
        students = group_students(grp.id)
    else:
        cls = _class_or_404(args["class_id"])
        target, year_id = JournalOf.of_class(cls, subject.id), cls.year_id
        from plugins.roster.service import class_students
        students = class_students(cls.id)
    _require("journal.read", target)
    period = _period_ref(args["period_id"], year_id)
    return {"subject_id": subject.id, "period_id": args["period_id"],
            "scale": list(service.scale_for(subject.id, subject.school_id).values),
            "can_edit": access.can(g.user, "journal.term_mark.write", target),
            "items": _term_rows(students, subject, period, year_id)}


@endpoint(bp, "/term-marks", ["PUT"], summary="Set a period or year mark", body=TermMarkIn)
def set_term_mark(body):
    student = _ref(Student, body["student_id"], "student_id", "student")
    subject = _ref(Subject, body["subject_id"], "subject_id", "subject")
    cls = SchoolClass.get_or_none(SchoolClass.id == service.class_of(student))
    if cls is None:
        raise invalid({"student_id": "The student is not in a class."})
    target = JournalOf.of_class(cls, subject.id)
    # the class's teacher in the subject, or the teacher of the student's group in it (a split, a stream,
    # an individual plan)
    if not may_in_subject(g.user, "journal.term_mark.write", student, subject.id,
                          student_groups([student.id]).get(student.id, [])):
        raise forbidden()
    period = _period_ref(body["period_id"], cls.year_id)
    year = AcademicYear.get_by_id(cls.year_id)
    avg = service.averages([student.id], subject.id, period)[student.id] if period is not None else None
    _call(service.set_term_mark, student, subject, year, period, body["value"], version=body["version"],
          average=avg, by=g.user, allow_closed=_override(target))
    return _term_rows([student], subject, period, year.id)[0]


# --- remarks -----------------------------------------------------------------------------------------

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
        cls = SchoolClass.get_or_none(SchoolClass.id == service.class_of(student))
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


# --- timetable ---------------------------------------------------------------------------------------

def _entry_json(e: TimetableEntry) -> dict:
    return {"id": e.id, "weekday": e.weekday, "number": e.number, "subject_id": e.subject_id,
            "subject": e.subject.name, "teacher_id": e.teacher_id,
            "teacher": e.teacher.display_name if e.teacher_id else None, "class_id": e.school_class_id,
            "group_id": e.group_id, "group": e.group.name if e.group_id else None, "room": e.room,
            "valid_from": e.valid_from.isoformat() if e.valid_from else None,
            "valid_to": e.valid_to.isoformat() if e.valid_to else None}


def _change_json(c: TimetableChange) -> dict:
    return {"id": c.id, "entry_id": c.entry_id, "date": c.date.isoformat(), "kind": c.kind,
            "teacher_id": c.teacher_id, "teacher": c.teacher.display_name if c.teacher_id else None,
            "room": c.room, "note": c.note}


def _teacher_ref(teacher_id):
    """A teacher named in the body: a user of the school who holds the teacher role, else 422."""
    teacher = _ref(User, teacher_id, "teacher_id", "teacher")
    if teacher is not None and "teacher" not in access.roles(teacher):
        raise invalid({"teacher_id": "Not a teacher of the school."})
    return teacher


@endpoint(bp, "/classes/<id:class_id>/timetable", ["GET"], summary="Weekly timetable of a class, bell times "
                                                                       "and the week's changes", query=TimetableQuery)
def class_timetable(class_id: int, args):
    cls = _class_or_404(class_id)
    _require("journal.timetable.read", JournalOf.of_class(cls))
    day = args["date"] or clock.today()
    monday = day - dt.timedelta(days=day.weekday())
    entries = service.timetable_for_class(cls.id)
    changes = service.timetable_changes([e.id for e in entries], monday, monday + dt.timedelta(days=6))
    return {"class": {"id": cls.id, "name": cls.name}, "week": monday.isoformat(),
            "bells": [{"number": b.number, "start": b.start.strftime("%H:%M"), "end": b.end.strftime("%H:%M")}
                      for b in service.bells(cls.school_id)],
            "entries": [_entry_json(e) for e in entries], "changes": [_change_json(c) for c in changes]}


@endpoint(bp, "/timetable", ["POST"], summary="Add a weekly timetable slot", body=TimetableIn, status=201)
def create_timetable_entry(body):
    _require("journal.timetable.manage", g.school)
    subject = _ref(Subject, body["subject_id"], "subject_id", "subject")
    cls = _ref(SchoolClass, body["class_id"], "class_id", "class")
    grp = _ref(StudyGroup, body["group_id"], "group_id", "group")
    teacher = _teacher_ref(body["teacher_id"])
    year = AcademicYear.get_by_id((cls or grp).year_id) if (cls or grp) else None
    if year is None:
        raise invalid({"class_id": "Give either a class or a group."})
    e = _call(service.add_timetable_entry, year, weekday=body["weekday"], number=body["number"], subject=subject,
              teacher=teacher, school_class=cls, group=grp, room=body["room"], valid_from=body["valid_from"],
              valid_to=body["valid_to"], by=g.user)
    return _entry_json(service._timetable_query().where(TimetableEntry.id == e.id).get()), 201


def _entry_or_404(entry_id: int) -> TimetableEntry:
    e = TimetableEntry.get_or_none(TimetableEntry.id == entry_id)
    if e is None or e.school_id != _school_id():
        raise not_found("No such timetable slot.")
    return e


@endpoint(bp, "/timetable/<id:entry_id>", ["DELETE"], summary="Remove a weekly timetable slot")
def delete_timetable_entry(entry_id: int):
    e = _entry_or_404(entry_id)
    _require("journal.timetable.manage", g.school)
    service.delete_timetable_entry(e, by=g.user)
    return None


@endpoint(bp, "/timetable/<id:entry_id>/changes", ["PUT"], summary="Change one day of a slot: substitution, "
                                                                     "cancelled lesson, other room",
          body=TimetableChangeIn)
def set_timetable_change(entry_id: int, body):
    e = _entry_or_404(entry_id)
    _require("journal.timetable.manage", g.school)
    teacher = _teacher_ref(body["teacher_id"])
    ch = _call(service.set_timetable_change, e, body["date"], body["kind"], teacher=teacher, room=body["room"],
               note=body["note"], by=g.user, allow_closed=_override(e))
    return _change_json(ch)


@endpoint(bp, "/timetable/changes/<id:change_id>", ["DELETE"], summary="Withdraw a one-day timetable change")
def delete_timetable_change(change_id: int):
    ch = TimetableChange.select(TimetableChange, TimetableEntry).join(TimetableEntry).where(
        TimetableChange.id == change_id).first()
    if ch is None or ch.entry.school_id != _school_id():
        raise not_found("No such change.")
    _require("journal.timetable.manage", g.school)
    _call(service.remove_timetable_change, ch, by=g.user, allow_closed=_override(ch.entry))
    return None


class BellIn(Schema):
    number = fields.Int(required=True, validate=validate.Range(0, 12))
    start = fields.Time(required=True)
    end = fields.Time(required=True)


class BellsIn(Schema):
    bells = fields.List(fields.Nested(BellIn), required=True)


@endpoint(bp, "/bells", ["PUT"], summary="Set the school's bell times", body=BellsIn)
def set_bells(body):
    _require("journal.timetable.manage", g.school)
    bad = {f"bells.{i}.end": "Must be after the start." for i, b in enumerate(body["bells"]) if b["end"] <= b["start"]}
    if len({b["number"] for b in body["bells"]}) != len(body["bells"]):
        bad["bells"] = "Each lesson number once."
    if bad:
        raise invalid(bad)
    service.set_bells(g.school, [(b["number"], b["start"], b["end"]) for b in body["bells"]], by=g.user)
    return {"bells": [{"number": b.number, "start": b.start.strftime("%H:%M"), "end": b.end.strftime("%H:%M")}
                      for b in service.bells(g.school)]}


@endpoint(bp, "/periods/<id:period_id>/generate-lessons", ["POST"],
          summary="Create a period's lessons from the timetable (holidays skipped)", body=GenerateIn)
def generate_lessons(period_id: int, body):
    period = _period_or_404(period_id)
    _require("journal.timetable.manage", period)
    if period.closed_at is not None and not _override(period):
        raise ApiError(422, "period_closed", service.CLOSED_MESSAGE, {"period_id": service.CLOSED_MESSAGE})
    cls = _ref(SchoolClass, body["class_id"], "class_id", "class")
    n = service.generate_lessons(period, class_id=cls.id if cls else None, date_from=body["date_from"],
                                 date_to=body["date_to"], by=g.user)
    return {"created": n}


# --- control works -----------------------------------------------------------------------------------

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


# --- periods -----------------------------------------------------------------------------------------

def _period_or_404(period_id: int) -> Period:
    p = Period.select(Period, AcademicYear).join(AcademicYear).where(Period.id == period_id).first()
    if p is None or p.year.school_id != _school_id():
        raise not_found("No such period.")
    return p


@endpoint(bp, "/periods", ["GET"], summary="Reporting periods of the current school year and whether they are "
                                           "closed", response=JournalPeriodOut, many=True)
def list_periods():
    if not access.can(g.user, "journal.read") or g.get("school") is None:
        raise forbidden()
    from plugins.roster.service import current_year, periods
    year = current_year(g.school, clock.today())
    return periods(year) if year else []


@endpoint(bp, "/periods/<id:period_id>/close", ["POST"], summary="Close a period for editing",
          response=JournalPeriodOut)
def close_period(period_id: int):
    period = _period_or_404(period_id)
    _require("journal.period.close", period)
    return service.close_period(period, by=g.user)


@endpoint(bp, "/periods/<id:period_id>/reopen", ["POST"], summary="Reopen a closed period", response=JournalPeriodOut)
def reopen_period(period_id: int):
    period = _period_or_404(period_id)
    _require("journal.period.close", period)
    return service.reopen_period(period, by=g.user)


# --- scales, kinds of work, excused absences ----------------------------------------------------------

@endpoint(bp, "/scales", ["GET"], summary="Marking scales and kinds of work of the school, and which subject "
                                          "uses which scale")
def list_scales():
    if g.get("school") is None or not access.can(g.user, "journal.read"):
        raise forbidden()
    from .models import MarkScale, SubjectScale
    subjects = {str(subj): code for subj, code in SubjectScale.select(SubjectScale.subject, MarkScale.code)
                .join(MarkScale).where(MarkScale.school == g.school.id).tuples()}
    return {"scales": [{"code": s.code, "name": s.name, "values": list(s.values), "numeric": s.numeric}
                       for s in service.scales(g.school)],
            "default": service.scale_for(-1, g.school.id).code,
            "kinds": [{"code": k.code, "name": k.name, "weight": k.weight} for k in service.work_kinds(g.school)],
            "subjects": subjects}


class ScaleIn(Schema):
    name = fields.Str(required=True, validate=validate.Length(min=1, max=60))
    #: the marks, best first
    values = fields.List(fields.Str(validate=validate.Length(min=1, max=8)), required=True,
                         validate=validate.Length(min=1, max=20))
    #: mark -> the number averages use; marks left out are not averaged (pass/fail)
    numeric = fields.Dict(keys=fields.Str(), values=fields.Float(), load_default=dict)
    #: make it the school's default scale (subjects without their own scale use it)
    default = fields.Bool(load_default=False)


@endpoint(bp, "/scales/<code>", ["PUT"], summary="Add a marking scale to the school or change one (and make it "
                                                 "the default)", body=ScaleIn)
def set_scale(code: str, body):
    _require("journal.settings.manage", g.school)
    if not code.isidentifier() or len(code) > 20:
        raise invalid({"code": "Latin letters, digits and _ only, up to 20."})
    sc = _call(service.set_scale, g.school, code, body["name"], body["values"], body["numeric"],
               default=body["default"], by=g.user)
    return {"code": sc.code, "name": sc.name, "values": list(sc.values), "numeric": sc.numeric,
            "default": service.scale_for(-1, g.school.id).code == sc.code}


class SubjectScaleIn(Schema):
    #: a scale code of the school, or null for the school's default
    scale = fields.Str(required=True, allow_none=True)


@endpoint(bp, "/subjects/<id:subject_id>/scale", ["PUT"], summary="Mark a subject on another scale",
          body=SubjectScaleIn)
def set_subject_scale(subject_id: int, body):
    subject = Subject.get_or_none(Subject.id == subject_id)
    if subject is None or subject.school_id != _school_id():
        raise not_found("No such subject.")
    _require("journal.settings.manage", g.school)
    codes = [s.code for s in service.scales(g.school)]
    if body["scale"] is not None and body["scale"] not in codes:
        raise invalid({"scale": f"Must be one of: {', '.join(codes)}."})
    service.set_subject_scale(subject, body["scale"], by=g.user)
    s = service.scale_for(subject.id, subject.school_id)
    return {"subject_id": subject.id, "scale": s.code, "values": list(s.values)}


class WorkKindIn(Schema):
    name = fields.Str(required=True, validate=validate.Length(min=1, max=60))
    weight = fields.Float(required=True, validate=validate.Range(min=0.1, max=10))


@endpoint(bp, "/work-kinds/<code>", ["PUT"], summary="Add a kind of work or change its name and weight",
          body=WorkKindIn)
def set_work_kind(code: str, body):
    _require("journal.settings.manage", g.school)
    if not code.isidentifier() or len(code) > 20:
        raise invalid({"code": "Latin letters, digits and _ only, up to 20."})
    wk = service.set_work_kind(g.school, code, body["name"], body["weight"], by=g.user)
    return {"code": wk.code, "name": wk.name, "weight": wk.weight}


class ExcuseIn(Schema):
    student_id = fields.Int(required=True)
    date_from = fields.Date(required=True, data_key="from")
    date_to = fields.Date(required=True, data_key="to")
    reason = fields.Str(required=True, validate=validate.Length(min=1, max=200))


@endpoint(bp, "/attendance/excuse", ["POST"], summary="Excuse a student's absences in the dates for a reason",
          body=ExcuseIn)
def excuse_absences(body):
    student = _ref(Student, body["student_id"], "student_id", "student")
    _require("journal.attendance.justify", PupilOf.of(student))
    if body["date_to"] < body["date_from"]:
        raise invalid({"to": "Must not be before 'from'."})
    ids = service.excuse_absences(student, body["date_from"], body["date_to"], body["reason"], by=g.user)
    return {"excused": len(ids)}
