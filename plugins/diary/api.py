"""Diary JSON API under /api/v1: a student's week, acknowledgements, marks of a period,
the timetable with control works and holidays, the class teacher's control, and messages."""
from __future__ import annotations

from flask import Blueprint, g, jsonify
from flask_babel import gettext as _

from zhurnal.core import clock
from zhurnal.core.api import ApiError, PageArgs, endpoint, invalid, not_found

from . import access, acknowledgement, marks, messages as messaging
from .calendar import calendar as pupil_calendar
from .schemas import (AckIn, AckOut, AnnouncementIn, CalendarOut, ControlOut, MessageIn, MessageOut, PeriodArgs,
                      PeriodMarksOut, ThreadDetailOut, ThreadIn, ThreadPageOut, UnreadOut, WeekArgs, WeekOut)
from .week import monday_of, open_week, week_json

bp = Blueprint("diary_api", __name__, url_prefix="/api/v1")


def _refused(e: access.Refused) -> ApiError:
    if e.status == 422:
        return invalid({e.field or "_schema": str(e)}, str(e))
    return ApiError(e.status, "forbidden" if e.status == 403 else "conflict", str(e))


def _reader(student_id: int, perm: str = "diary.week.read") -> access.Reader:
    """The request's one access check (:func:`.access.reader`), then consent: 403
    ``consent_required`` when a family member has no standing consent."""
    reader = access.reader(student_id, perm)
    if reader.withheld:
        raise ApiError(403, "consent_required", _(
            "No consent to the processing and electronic delivery of this child's data is registered; "
            "the school gives the data on paper. Sign the consent form with the class teacher."))
    return reader


# --- the diary ---------------------------------------------------------------------------------

@endpoint(bp, "/students/<id:student_id>/diary", summary="A week of a student's diary", query=WeekArgs,
          response=WeekOut)
def week(student_id: int, args):
    reader = _reader(student_id)
    monday = monday_of(args["week"] or clock.today())
    # WeekOut describes the answer; week_json builds the same dict without marshmallow's
    # nested dump, which cost more than the rest of the request (see week_json)
    return jsonify(week_json(open_week(reader, monday, via="api")))


@endpoint(bp, "/students/<id:student_id>/diary/acknowledgements", ["POST"], status=201,
          summary="A guardian acknowledges a week («Ознакомлен»); 200 with the standing one if nothing changed since",
          body=AckIn, response=AckOut, idempotent=True)
def acknowledge(student_id: int, body):
    st = _reader(student_id, "diary.acknowledge").student
    try:
        ack, created = acknowledgement.acknowledge(g.user, st, body["week"])
    except access.Refused as e:
        raise _refused(e) from None
    return ack, (201 if created else 200)


@endpoint(bp, "/students/<id:student_id>/marks", summary="A student's marks per subject in a reporting period",
          query=PeriodArgs, response=PeriodMarksOut)
def period_marks(student_id: int, args):
    reader = _reader(student_id)
    st = reader.student
    periods = marks.periods_of(st)
    if args["period_id"] is None:
        period = marks.current_period(periods, clock.today())
    else:
        period = next((p for p in periods if p.id == args["period_id"]), None)
        if period is None:
            raise invalid({"period_id": "Not a reporting period of this student's school year."})
    if period is None:
        raise not_found("The school year has no reporting periods.")
    data = marks.period_marks(st, period)
    data["periods"] = periods
    if not reader.family:
        access.record_read(g.user, st, "marks", via="api", period=period.id)
    return data


@endpoint(bp, "/students/<id:student_id>/calendar",
          summary="A student's timetable, the control works ahead and the holidays of the school year",
          response=CalendarOut)
def calendar(student_id: int):
    return pupil_calendar(_reader(student_id).student)


# --- the class teacher's control ------------------------------------------------------------------

@endpoint(bp, "/classes/<id:class_id>/acknowledgements", summary="Who acknowledged a week of the diary in a class",
          query=WeekArgs, response=ControlOut)
def class_acknowledgements(class_id: int, args):
    cls = access.school_class(class_id)
    return acknowledgement.class_week(cls, monday_of(args["week"] or clock.today()))


# --- messages -----------------------------------------------------------------------------------------

@endpoint(bp, "/messages/threads", summary="My conversations, latest first, with unread counts", query=PageArgs,
          response=ThreadPageOut)
def list_threads(args):
    access.require("diary.message.read")
    rows, total = messaging.threads_of(g.user.id, args["page"], args["per_page"])
    return {"items": rows, "total": total, "page": args["page"], "per_page": args["per_page"]}


@endpoint(bp, "/messages/threads", ["POST"], status=201, summary="Start a conversation about a student",
          body=ThreadIn, response=ThreadDetailOut, idempotent=True)
def create_thread(body):
    access.require("diary.message.read")
    st = access.student(body["student_id"], "diary.message.send")
    side, people = messaging.allowed_recipients(g.user, st)
    wanted = list(dict.fromkeys(body["recipient_ids"])) or messaging.default_recipients(side, people)
    bad = [u for u in wanted if u not in people]
    if bad:
        raise invalid({"recipient_ids": "You can write only to the teachers of this student." if side == "guardian"
                       else "You can write only to this student's guardians."})
    if not wanted:
        raise invalid({"recipient_ids": "Nobody to write to: choose a recipient."})
    thread, _msg = messaging.start_thread(g.user, st, side=side, recipient_ids=wanted, subject=body["subject"],
                                        body=body["body"])
    return _detail(*access.thread(thread.id)), 201


def _detail(thread, member) -> dict:
    msgs = messaging.thread_messages(thread)
    if msgs:
        messaging.mark_read(g.user, thread, member, msgs[-1]["id"])
    return {"id": thread.id, "kind": thread.kind, "subject": thread.subject, "student_id": thread.student_id,
            "class_id": thread.school_class_id, "can_reply": thread.kind == "direct" or member.side == "staff",
            "members": messaging.thread_members(thread, member), "messages": msgs}


@endpoint(bp, "/messages/threads/<id:thread_id>", summary="A conversation; reading it marks it read",
          response=ThreadDetailOut)
def get_thread(thread_id: int):
    return _detail(*access.thread(thread_id))


@endpoint(bp, "/messages/threads/<id:thread_id>/messages", ["POST"], status=201,
          summary="Answer in a conversation (families cannot answer announcements)", body=MessageIn,
          response=MessageOut, idempotent=True)
def post_message(thread_id: int, body):
    thread, member = access.thread(thread_id)
    try:
        msg = messaging.reply(g.user, thread, member, body["body"])
    except access.Refused as e:
        raise _refused(e) from None
    return {"id": msg.id, "author_id": g.user.id, "author": g.user.display_name, "body": msg.body,
            "created_at": msg.created_at}


@endpoint(bp, "/classes/<id:class_id>/announcements", ["POST"], status=201,
          summary="The class teacher's announcement to every guardian of the class", body=AnnouncementIn,
          response=ThreadDetailOut, idempotent=True)
def announce(class_id: int, body):
    cls = access.school_class(class_id, "diary.announce")
    recipients = messaging.class_guardian_users(cls.id)
    if not recipients:
        raise invalid({"_schema": "No guardian of this class has an account yet."})
    thread, _msg = messaging.announce(g.user, cls, recipients, subject=body["subject"], body=body["body"])
    return _detail(*access.thread(thread.id)), 201


@endpoint(bp, "/messages/unread", summary="How many messages I have not read, in total and per conversation",
          response=UnreadOut)
def unread():
    access.require("diary.message.read")
    counts = messaging.unread_counts(g.user.id)
    return {"total": sum(counts.values()), "threads": {str(k): v for k, v in counts.items()}}
