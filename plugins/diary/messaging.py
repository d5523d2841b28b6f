"""Reading conversations: who may write to whom, thread lists, unread counts.

The rule: a conversation is about one student and runs between that student's
guardians and the staff who teach or lead them. A guardian can only choose
staff as recipients, so guardians never write to other families; class
announcements go to every family of a class but take no answers.
"""
from __future__ import annotations

import peewee as pw

from core import access
from core.prepared import Prepared, slot
from core.identity.models import User
from plugins.roster import service as roster
from plugins.roster.models import GroupMember, Student, Subject, TeachingAssignment

from .models import Message, Thread, ThreadMember
from .service import guardian_record
from .week import class_id_of


def staff_of(student: Student) -> dict[int, dict]:
    """Staff a family may write to about ``student``: the class teacher and every teacher
    of the student's class or groups. ``{user_id: {"name", "roles": [...]}}``."""
    groups = GroupMember.select(GroupMember.group).where(GroupMember.student == student.id)
    cond = TeachingAssignment.group.in_(groups)
    cid = class_id_of(student)
    if cid:
        cond = (TeachingAssignment.school_class == cid) | cond
    out: dict[int, dict] = {}
    ct = student.school_class.class_teacher_id if cid else None
    rows = (TeachingAssignment.select(TeachingAssignment.teacher, User.display_name, Subject.name)
            .join(User, on=(TeachingAssignment.teacher == User.id)).switch(TeachingAssignment).join(Subject)
            .where(cond).order_by(User.display_name, Subject.name).tuples())
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
