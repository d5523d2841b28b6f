"""Finding the object a request names and checking the user may touch it.

Used by pages and API alike (``abort`` answers JSON under ``/api/v1``). A
refused look at a student's diary, a class's acknowledgements or a conversation is written to
the audit as ``diary.access.denied``: a parent probing other children's ids
leaves a trace. Staff who can see class lists learn only "forbidden" (403);
everyone else cannot tell a foreign student from a missing one (404).
"""
from __future__ import annotations

import peewee as pw
from flask import abort, g

from core import access
from core.db import converters, model_from_row
from plugins.roster.models import SchoolClass, Student

from . import service
from core.prepared import Prepared, slot
from .models import Thread, ThreadMember


def _knows(user, obj) -> bool:
    """May ``user`` know ``obj`` exists (then a refusal is 403, not 404)?"""
    return access.can(user, "roster.class.read", obj) or access.can(user, "diary.week.read", obj)


#: a student and their class in one statement built once (every diary request starts here)
_STUDENT = Prepared(lambda: (Student.select(Student, SchoolClass)
                             .join(SchoolClass, pw.JOIN.LEFT_OUTER, on=(Student.school_class == SchoolClass.id))
                             .where(Student.id == slot("sid"))))
_S_COLUMNS = converters(Student._meta.sorted_fields)
_C_COLUMNS = converters(SchoolClass._meta.sorted_fields)


def load_student(student_id: int) -> Student | None:
    """The student with ``school_class`` attached (or ``None``)."""
    rows = _STUDENT.rows(sid=student_id)
    if not rows:
        return None
    row, n = rows[0], len(_S_COLUMNS)
    st = model_from_row(Student, _S_COLUMNS, row[:n])
    if row[n] is not None:  # the joined class, where peewee keeps a related row (st.school_class)
        st.__rel__["school_class"] = model_from_row(SchoolClass, _C_COLUMNS, row[n:])
    return st


def student(student_id: int, perm: str = "diary.week.read") -> Student:
    """The student ``student_id`` with their class loaded, if ``g.user`` holds ``perm`` on them."""
    st = load_student(student_id)
    if st is None:
        service.record_denied(g.user, perm, "roster_student", student_id, None)
        abort(404)
    if not access.can(g.user, perm, st):
        service.record_denied(g.user, perm, "roster_student", st.id, st.school_id)
        abort(403 if _knows(g.user, st) else 404)
    return st


def school_class(class_id: int, perm: str = "diary.control.read") -> SchoolClass:
    cls = SchoolClass.get_or_none(SchoolClass.id == class_id)
    if cls is None:
        service.record_denied(g.user, perm, "roster_class", class_id, None)
        abort(404)
    if not access.can(g.user, perm, cls):
        service.record_denied(g.user, perm, "roster_class", cls.id, cls.school_id)
        abort(403 if access.can(g.user, "roster.class.read", cls) else 404)
    return cls


def thread(thread_id: int) -> tuple[Thread, ThreadMember]:
    """A thread ``g.user`` takes part in, and their membership; others get 404 (and the
    attempt is audited: a family probing thread ids leaves a trace, as with students)."""
    if not access.can(g.user, "diary.message.read"):
        abort(403)
    row = (ThreadMember.select(ThreadMember, Thread).join(Thread)
           .where((ThreadMember.thread == thread_id) & (ThreadMember.user == g.user.id)).first())
    if row is None:
        service.record_denied(g.user, "diary.message.read", "diary_thread", thread_id, None)
        abort(404)
    return row.thread, row


def require(perm: str, obj=None) -> None:
    if not access.can(g.user, perm, obj):
        abort(403)
