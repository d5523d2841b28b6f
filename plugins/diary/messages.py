"""Conversations between the school and families: who may write to whom, the threads, their writes.

The rule: a conversation is about one pupil and runs between that pupil's guardians
and the staff who teach or lead them. A guardian can only choose staff as recipients,
so guardians never write to other families; class announcements go to every family of
a class but take no answers. Every write runs in one transaction with its audit entry
and its notifications (written into the kernel's outbox in the same transaction);
``message_posted`` is sent after commit.
"""
from __future__ import annotations

import datetime as dt

import peewee as pw

from zhurnal.core import access, audit
from zhurnal.core.db import database, utcnow
from zhurnal.core.identity.models import User
from zhurnal.core.notify.outbox import notify
from zhurnal.core.prepared import Prepared, slot
from zhurnal.plugins.roster import service as roster
from zhurnal.plugins.roster.models import SchoolClass, Student, Subject, TeachingAssignment

from . import signals
from .access import Kid, Refused, guardian_record
from .models import Message, Thread, ThreadMember


# --- who may write to whom ------------------------------------------------------------------------

def staff_of(student: Student) -> dict[int, dict]:
    """Staff a family may write to about ``student``: the class teacher and every teacher
    of the student's class or groups (:func:`roster.teaching_student
    <zhurnal.plugins.roster.service.teaching_student>`, the rule of ``teachers_of_student``, with
    names and subjects in the same query). ``{user_id: {"name", "roles": [...]}}``."""
    out: dict[int, dict] = {}
    ct = student.school_class.class_teacher_id if student.school_class_id else None
    rows = (TeachingAssignment.select(TeachingAssignment.teacher, User.display_name, Subject.name)
            .join(User, on=(TeachingAssignment.teacher == User.id)).switch(TeachingAssignment).join(Subject)
            .where(roster.teaching_student(student)).order_by(User.display_name, Subject.name).tuples())
    for uid, name, subject in rows:
        entry = out.setdefault(uid, {"name": name, "roles": []})
        if subject not in entry["roles"]:
            entry["roles"].append(subject)
    if ct:
        if ct not in out:
            out[ct] = {"name": User.get_by_id(ct).display_name, "roles": []}
        out[ct]["class_teacher"] = True
    return out


def family_of(student: Student) -> dict[int, dict]:
    """Guardians of ``student`` who have an account: ``{user_id: {"name", "roles": [relation]}}``."""
    out = {}
    for g, relation in roster.guardians_of(student):
        if g.user_id:
            out[g.user_id] = {"name": g.full_name, "roles": [relation]}
    return out


def side_of(user, student: Student) -> str | None:
    """``guardian`` for a guardian of the student, ``staff`` for staff allowed to write about
    them, else ``None``."""
    if not access.can(user, "diary.message.send", student):
        return None
    return "guardian" if guardian_record(user, student.id) is not None else "staff"


def allowed_recipients(user, student: Student) -> tuple[str | None, dict[int, dict]]:
    """(the user's side, whom they may address about ``student``)."""
    side = side_of(user, student)
    if side is None:
        return None, {}
    people = staff_of(student) if side == "guardian" else family_of(student)
    people.pop(user.id, None)
    return side, people


def default_recipients(side: str, people: dict[int, dict]) -> list[int]:
    """Whom a message goes to when the author names nobody: the class teacher for a
    family, every guardian for staff."""
    if side == "guardian":
        return [u for u, p in people.items() if p.get("class_teacher")]
    return list(people)


def students_of_staff(user) -> list[Kid]:
    """Current pupils ``user`` may write about, in class-list order: the pupils of the classes they lead
    and the pupils they teach (:func:`roster.taught_by <zhurnal.plugins.roster.service.taught_by>`: a
    whole class, or a group — a split, a stream, an individual plan — the pupil is in); one query."""
    led = SchoolClass.select(SchoolClass.id).where(SchoolClass.class_teacher == user.id)
    rows = (Student.select(Student.id, Student.last_name, Student.first_name, SchoolClass.parallel,
                           SchoolClass.letter).join(SchoolClass, pw.JOIN.LEFT_OUTER)
            .where((Student.school_class.in_(led) | roster.taught_by(user.id)) & Student.left_at.is_null())
            .order_by(SchoolClass.parallel.is_null(), SchoolClass.parallel, SchoolClass.letter, Student.last_name,
                      Student.first_name).tuples())   # a pupil not (yet) in a class: last, without a class
    return [Kid(i, last, first, f"{par}{letter}" if par is not None else None) for i, last, first, par, letter in rows]


# --- reading threads ---------------------------------------------------------------------------

def _unread(user_id):
    return (Message.select(Message.thread, pw.fn.COUNT(Message.id))
            .join(ThreadMember, on=((ThreadMember.thread == Message.thread) & (ThreadMember.user == user_id)))
            .where((Message.id > ThreadMember.last_read_id) &
                   (Message.author.is_null() | (Message.author != user_id))))


#: every page's menu shows the count: the SQL is built once
_UNREAD = Prepared(lambda: _unread(slot("uid")).group_by(Message.thread))


def unread_counts(user_id: int, thread_ids: list[int] | None = None) -> dict[int, int]:
    """``{thread_id: unread messages}`` for the user's threads that have any; one query."""
    if thread_ids is None:
        return dict(_UNREAD.rows(uid=user_id))
    if not thread_ids:
        return {}
    return dict(_unread(user_id).where(Message.thread.in_(thread_ids)).group_by(Message.thread).tuples())


def threads_of(user_id: int, page: int = 1, per_page: int = 20) -> tuple[list[dict], int]:
    """One page of the user's threads, latest activity first, with unread counts and the
    other participants' names. Four queries."""
    base = (Thread.select(Thread, Student).join(ThreadMember, on=(ThreadMember.thread == Thread.id))
            .switch(Thread).join(Student, pw.JOIN.LEFT_OUTER, on=(Thread.student == Student.id))
            .where(ThreadMember.user == user_id))
    total = base.count()
    threads = list(base.order_by(Thread.last_message_at.desc(), Thread.id.desc()).paginate(page, per_page))
    ids = [t.id for t in threads]
    unread = unread_counts(user_id, ids)
    others: dict[int, list[tuple[str, str]]] = {}
    if ids:
        for tid, name, side in (ThreadMember.select(ThreadMember.thread, User.display_name, ThreadMember.side)
                                .join(User).where(ThreadMember.thread.in_(ids) & (ThreadMember.user != user_id))
                                .order_by(User.display_name).tuples()):
            others.setdefault(tid, []).append((name, side))
    rows = []
    for t in threads:
        people = others.get(t.id, [])
        recipients = len(people)
        if t.kind == "announcement":
            # families of a class do not see each other's names
            people = [p for p in people if p[1] == "staff"]
        rows.append({"id": t.id, "kind": t.kind, "subject": t.subject,
                     "student_id": t.student_id, "student": t.student.short_name if t.student_id else None,
                     "class_id": t.school_class_id, "last_message_at": t.last_message_at,
                     "unread": unread.get(t.id, 0), "with": [n for n, _s in people],
                     "recipients": recipients if t.created_by_id == user_id else None})
    return rows, total


def thread_messages(thread: Thread) -> list[dict]:
    """Every message of a thread, oldest first, with the author's name; one query."""
    rows = (Message.select(Message, User).join(User, pw.JOIN.LEFT_OUTER, on=(Message.author == User.id))
            .where(Message.thread == thread.id).order_by(Message.id))
    return [{"id": m.id, "author_id": m.author_id, "author": m.author.display_name if m.author_id else "",
             "body": m.body, "created_at": m.created_at} for m in rows]


def thread_members(thread: Thread, viewer: ThreadMember) -> list[dict]:
    """Participants as ``viewer`` may see them: a family reading an announcement sees only
    the staff, not the other families of the class."""
    q = ThreadMember.select(ThreadMember, User).join(User).where(ThreadMember.thread == thread.id)
    if thread.kind == "announcement" and viewer.side != "staff":
        q = q.where((ThreadMember.side == "staff") | (ThreadMember.user == viewer.user_id))
    return [{"user_id": m.user_id, "name": m.user.display_name, "side": m.side}
            for m in q.order_by(ThreadMember.side.desc(), User.display_name)]


def class_guardian_users(class_id: int) -> list[int]:
    """Accounts of the guardians of the current students of a class."""
    sids = [s.id for s in roster.class_students(class_id)]
    return sorted({u for us in roster.guardian_user_ids(sids).values() for u in us})


# --- writing -----------------------------------------------------------------------------------


def _notify(msg, thread, author, recipient_ids: list[int], body: str) -> None:
    """A message's notifications: its recipients (consent checked for the thread's pupil)."""
    recipients = sorted(set(recipient_ids) - {author.id})
    if not recipients:
        return
    event = "announcement" if thread.kind == "announcement" else "message"
    notify(event, key=f"diary.message:{msg.id}", school_id=thread.school_id,
           student_id=thread.student_id if event == "message" else None, recipients=recipients,
           data={"subject": thread.subject, "author": author.display_name, "text": body,
                 "_link": f"/diary/messages/{thread.id}"})



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

    The caller has checked who may write to whom (:func:`allowed_recipients`).
    ``side`` is the author's side ("guardian" or "staff"); recipients are on the other side.
    """
    at = at or utcnow()
    other = "staff" if side == "guardian" else "guardian"
    with database.atomic():
        thread = Thread.create(school=student.school_id, kind="direct", subject=subject, student=student.id,
                               school_class=student.school_class_id, created_by=author.id, created_at=at,
                               last_message_at=at)
        ThreadMember.insert_many([{"thread": thread.id, "user": author.id, "side": side}] +
                                 [{"thread": thread.id, "user": u, "side": other}
                                  for u in recipient_ids if u != author.id]).execute()
        msg = _post(thread, author, body, at)
        _notify(msg, thread, author, recipient_ids, body)
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
        _notify(msg, thread, author, recipients, body)
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
        _notify(msg, thread, author, _recipients(thread.id, author.id), body)
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
