"""Journal API: the weekly timetable, its one-day changes, bell times, and generating a period's
lessons from it.
"""
from __future__ import annotations

import datetime as dt

from flask import g
from marshmallow import Schema, validate

from zhurnal.core import access, clock, fields
from zhurnal.core.api import ApiError, endpoint, invalid, not_found
from zhurnal.core.identity.models import User
from zhurnal.plugins.roster.models import AcademicYear, SchoolClass, StudyGroup, Subject

from . import service
from .api_common import _call, _class_or_404, _override, _period_or_404, _ref, _require, _school_id, bp
from .models import TimetableChange, TimetableEntry
from .schemas import GenerateIn, TimetableChangeIn, TimetableIn, TimetableQuery
from .scope import JournalOf
from .timetable import _timetable_query


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


def _entry_or_404(entry_id: int) -> TimetableEntry:
    e = TimetableEntry.get_or_none(TimetableEntry.id == entry_id)
    if e is None or e.school_id != _school_id():
        raise not_found("No such timetable slot.")
    return e


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
    return _entry_json(_timetable_query().where(TimetableEntry.id == e.id).get()), 201


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


# --- bells ----------------------------------------------------------------------------------------

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


# --- lessons from the timetable -------------------------------------------------------------------

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
