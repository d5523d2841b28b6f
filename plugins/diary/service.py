"""The diary's writes: visits, acknowledgements, messages, refused look-ups.

Every write runs in one transaction with its audit entry; signals
(``diary_viewed``, ``diary_acknowledged``, ``message_posted``) are sent after
commit. Reads live in :mod:`.week`, :mod:`.report`, :mod:`.control` and
:mod:`.messaging`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import peewee as pw

from core import audit, clock
from core.db import database, utcnow
from plugins.roster.models import Guardian, SchoolClass, Student, StudentGuardian

from . import notices, signals, week_sql
from .models import Acknowledgement, Message, Thread, ThreadMember, Visit
from core.prepared import as_datetime
from .week import class_id_of, monday_of, week_facts

#: a new visit starts when the diary was last opened longer ago than this; within
#: one visit "what changed since you last looked" stays the same on every reload
VISIT_GAP = dt.timedelta(minutes=30)


class Refused(Exception):
    """A write the rules do not allow; ``status`` (403/409/422) and ``field`` say how to answer."""

    def __init__(self, message: str, status: int = 422, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.field = status, field


# --- refused look-ups -------------------------------------------------------------------

def record_denied(user, perm: str, object_type: str, object_id, school_id) -> None:
    """Write a refused attempt to the audit (``diary.access.denied``)."""
    from flask import has_request_context, request
    with database.atomic():
        audit.record("diary.access.denied", object_type=object_type, object_id=object_id,
                     school_id=school_id or getattr(user, "school_id", None), user=user,
                     data={"permission": perm, "path": request.path if has_request_context() else None})


def record_read(user, student: Student, what: str, *, via: str, **data) -> None:
    """Staff opened a student's diary (personal data): ``diary.<what>.read`` in the audit."""
    with database.atomic():
        audit.record(f"diary.{what}.read", student, user=user, school_id=student.school_id,
                     data={"via": via, **{k: (v.isoformat() if hasattr(v, "isoformat") else v)
                                          for k, v in data.items()}})


def record_export(user, cls: SchoolClass, week: dt.date, fmt: str) -> None:
    """The acknowledgement list of a class (names of families) left the system as a file."""
    with database.atomic():
        audit.record("diary.control.export", cls, user=user, school_id=cls.school_id,
                     data={"week": week.isoformat(), "format": fmt})


# --- visits -----------------------------------------------------------------------------------

@dataclass
class Seen:
    """A reader's visit: when it started, and the start of the one before (``None``: first)."""
    last_at: dt.datetime
    previous_at: dt.datetime | None
    count: int


def visit(user, student: Student, role: str, *, now: dt.datetime | None = None) -> Seen:
    """Note that ``user`` (a guardian or the student) opened ``student``'s diary.

    Writes only when a new visit starts (the last one is older than
    :data:`VISIT_GAP`); then the previous visit becomes ``previous_at`` and
    ``diary_viewed`` is sent. Reloads within a visit cost one small read.
    """
    now = now or utcnow()
    rows = week_sql.VISIT.rows(uid=user.id, sid=student.id)
    if rows:
        vid, last_at, previous_at, count = rows[0]
        last_at = as_datetime(last_at)
        if now - last_at < VISIT_GAP:
            return Seen(last_at, as_datetime(previous_at), count)
    with database.atomic():
        if not rows:
            try:
                with database.atomic():
                    Visit.create(school=student.school_id, user=user.id, student=student.id, first_at=now,
                                 last_at=now, previous_at=None)
            except pw.IntegrityError:  # a parallel request of the same user created it
                v = Visit.get((Visit.user == user.id) & (Visit.student == student.id))
                return Seen(v.last_at, v.previous_at, v.count)
            seen = Seen(now, None, 1)
        else:
            Visit.update(previous_at=Visit.last_at, last_at=now, count=Visit.count + 1).where(
                Visit.id == vid).execute()
            seen = Seen(now, last_at, count + 1)
        audit.record("diary.visit", student, user=user, school_id=student.school_id,
                     data={"role": role, "visit": seen.count})
    signals.send(signals.diary_viewed, student_id=student.id, user_id=user.id, role=role, at=now,
                 school_id=student.school_id)
    return seen


# --- acknowledgements ----------------------------------------------------------------------

def guardian_record(user, student_id: int) -> Guardian | None:
    """The guardian record linking ``user`` to the student, if any."""
    return (Guardian.select().join(StudentGuardian)
            .where((Guardian.user == user.id) & (StudentGuardian.student == student_id)).first())


def latest_acknowledgement(user_id: int, student_id: int, week: dt.date) -> Acknowledgement | None:
    return (Acknowledgement.select()
            .where((Acknowledgement.user == user_id) & (Acknowledgement.student == student_id) &
                   (Acknowledgement.week == week))
            .order_by(Acknowledgement.at.desc(), Acknowledgement.id.desc()).first())


def acknowledge(user, student: Student, week: dt.date, *, at: dt.datetime | None = None,
                today: dt.date | None = None) -> tuple[Acknowledgement, bool]:
    """``user``, a guardian of ``student``, confirms they read the week containing ``week``.

    Acknowledgements are immutable rows. Acknowledging again while the week's
    marks, absences and remarks are as they were returns the standing row
    (``created`` False); after they changed, a new row records the new reading.

    :returns: (acknowledgement, created)
    :raises Refused: 403 for someone who is not the student's guardian,
        422 for a week that has not begun
    """
    monday = monday_of(week)
    if monday > monday_of(today or clock.today()):
        raise Refused("You can acknowledge a week once it has begun.", 422, "week")
    guardian = guardian_record(user, student.id)
    if guardian is None:
        raise Refused("Only a guardian of this student can acknowledge the diary.", 403)
    fp, n_marks, n_abs, n_rem = week_facts(student.id, monday)
    last = latest_acknowledgement(user.id, student.id, monday)
    if last is not None and last.fingerprint == fp:
        return last, False
    at = at or utcnow()
    with database.atomic():
        ack = Acknowledgement.create(school=student.school_id, student=student.id, guardian=guardian.id,
                                     user=user.id, week=monday, at=at, fingerprint=fp, marks=n_marks,
                                     absences=n_abs, remarks=n_rem)
        audit.record("diary.acknowledge", ack, user=user, school_id=student.school_id,
                     data={"student": student.id, "week": monday.isoformat(), "marks": n_marks,
                           "absences": n_abs, "remarks": n_rem, "again": last is not None})
    signals.send(signals.diary_acknowledged, student_id=student.id, guardian_user_id=user.id, week=monday,
                 at=at, school_id=student.school_id)
    return ack, True


# --- messages ------------------------------------------------------------------------------------

def _post(thread: Thread, author, body: str, at: dt.datetime) -> Message:
    msg = Message.create(thread=thread.id, author=author.id, body=body, created_at=at)
    Thread.update(last_message_at=at).where(Thread.id == thread.id).execute()
    ThreadMember.update(last_read_id=msg.id).where(
        (ThreadMember.thread == thread.id) & (ThreadMember.user == author.id)).execute()
    return msg


def _recipients(thread_id: int, author_id: int) -> list[int]:
    return [u for (u,) in ThreadMember.select(ThreadMember.user)
            .where((ThreadMember.thread == thread_id) & (ThreadMember.user != author_id)).tuples()]


def start_thread(author, student: Student, *, side: str, recipient_ids: list[int], subject: str, body: str,
                 at: dt.datetime | None = None) -> tuple[Thread, Message]:
    """Open a conversation about ``student`` between ``author`` and ``recipient_ids``.

    The caller has checked who may write to whom (:func:`.messaging.allowed_recipients`).
    ``side`` is the author's side ("guardian" or "staff"); recipients are on the other side.
    """
    at = at or utcnow()
    other = "staff" if side == "guardian" else "guardian"
    with database.atomic():
        thread = Thread.create(school=student.school_id, kind="direct", subject=subject, student=student.id,
                               school_class=class_id_of(student), created_by=author.id, created_at=at,
                               last_message_at=at)
        ThreadMember.insert_many([{"thread": thread.id, "user": author.id, "side": side}] +
                                 [{"thread": thread.id, "user": u, "side": other}
                                  for u in recipient_ids if u != author.id]).execute()
        msg = _post(thread, author, body, at)
        notices.message(msg, thread, author, recipient_ids, body)
        audit.record("diary.thread.create", thread, user=author, school_id=thread.school_id,
                     data={"student": student.id, "recipients": sorted(recipient_ids), "subject": subject})
    signals.send(signals.message_posted, message_id=msg.id, thread_id=thread.id, author_id=author.id,
                 recipient_user_ids=sorted(set(recipient_ids) - {author.id}), school_id=thread.school_id)
    return thread, msg


def announce(author, cls: SchoolClass, guardian_user_ids: list[int], *, subject: str, body: str,
             at: dt.datetime | None = None) -> tuple[Thread, Message]:
    """A class teacher's announcement to every guardian (with an account) of the class.

    Guardians read it but cannot answer in it: replies would reach other families.
    """
    at = at or utcnow()
    recipients = sorted(set(guardian_user_ids) - {author.id})
    with database.atomic():
        thread = Thread.create(school=cls.school_id, kind="announcement", subject=subject, student=None,
                               school_class=cls.id, created_by=author.id, created_at=at, last_message_at=at)
        ThreadMember.insert_many([{"thread": thread.id, "user": author.id, "side": "staff"}] +
                                 [{"thread": thread.id, "user": u, "side": "guardian"} for u in recipients]).execute()
        msg = _post(thread, author, body, at)
        notices.message(msg, thread, author, recipients, body)
        audit.record("diary.announcement.create", thread, user=author, school_id=cls.school_id,
                     data={"class": cls.id, "recipients": len(recipients), "subject": subject})
    signals.send(signals.message_posted, message_id=msg.id, thread_id=thread.id, author_id=author.id,
                 recipient_user_ids=recipients, school_id=cls.school_id)
    return thread, msg


def reply(author, thread: Thread, member: ThreadMember, body: str, *, at: dt.datetime | None = None) -> Message:
    """Post ``body`` to a thread ``author`` takes part in.

    :raises Refused: 403 when a guardian answers an announcement
    """
    if thread.kind == "announcement" and member.side != "staff":
        raise Refused("Announcements cannot be answered. Write to the class teacher instead.", 403)
    at = at or utcnow()
    with database.atomic():
        msg = _post(thread, author, body, at)
        notices.message(msg, thread, author, _recipients(thread.id, author.id), body)
        audit.record("diary.message.create", msg, user=author, school_id=thread.school_id,
                     data={"thread": thread.id})
    recipients = _recipients(thread.id, author.id)
    signals.send(signals.message_posted, message_id=msg.id, thread_id=thread.id, author_id=author.id,
                 recipient_user_ids=recipients, school_id=thread.school_id)
    return msg


def mark_read(user, thread: Thread, member: ThreadMember, last_id: int) -> None:
    """Note that ``user`` has read ``thread`` up to message ``last_id`` (writes only when that is news)."""
    if last_id <= member.last_read_id:
        return
    with database.atomic():
        ThreadMember.update(last_read_id=last_id).where(
            (ThreadMember.id == member.id) & (ThreadMember.last_read_id < last_id)).execute()
        audit.record("diary.thread.read", thread, user=user, school_id=thread.school_id,
                     data={"up_to": last_id})
    member.last_read_id = last_id
