"""Who may see which pupil, class and conversation: checked once per request.

A request naming a pupil asks :func:`reader` once; the :class:`Reader` it returns (the
pupil with their class, the user's relation to them, the consent answer when asked) is
passed down to whatever builds the answer, which asks nothing again. Pages and API use
the same functions (``abort`` answers JSON under ``/api/v1``).

A refused look at a pupil's diary, a class's acknowledgements or a conversation is written
to the audit as ``diary.access.denied``: a parent probing other children's ids leaves a
trace. Staff who can see class lists learn only "forbidden" (403); everyone else cannot
tell a foreign pupil from a missing one (404). Staff reading a pupil's diary is audited
(``diary.<what>.read``, :func:`record_read`).

Consent: for a family member (a guardian or the pupil), the diary asks the hook
``zhurnal_consent_granted`` of the plugins enabled for the pupil's school (it never
imports the consent plugin). ``False`` withholds the week, marks and timetable (a notice
is shown instead); ``None`` (no registry, or it is off for the school) shows them. Staff
are never asked about. A school may relax the web part with ``[plugins.consent]
web_requires_consent = false``; the outgoing channels ask the same hook and are never relaxed.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import peewee as pw
from flask import abort, current_app, g

from zhurnal.core import access, audit
from zhurnal.core.access import Scope
from zhurnal.core.db import converters, database, model_from_row
from zhurnal.core.prepared import Prepared, slot
from zhurnal.plugins.roster.models import Guardian, SchoolClass, Student, StudentGuardian

from .models import Acknowledgement, Message, Thread, ThreadMember, Visit


class Refused(Exception):
    """A write the rules do not allow; ``status`` (403/409/422) and ``field`` say how to answer."""

    def __init__(self, message: str, status: int = 422, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.field = status, field


# --- where diary objects belong (zhurnal_object_scope) -------------------------------------------

def scope_of(obj) -> Scope | None:
    if isinstance(obj, (Acknowledgement, Visit)):
        return Scope.of(obj.school_id, (), [obj.student_id])
    if isinstance(obj, Thread):
        return Scope.of(obj.school_id, [obj.school_class_id] if obj.school_class_id else [],
                        [obj.student_id] if obj.student_id else [])
    if isinstance(obj, Message):
        return scope_of(Thread.get_by_id(obj.thread_id))
    return None


# --- the pupil a request names ---------------------------------------------------------------------

#: a pupil and their class in one statement built once (every diary request starts here)
_STUDENT = Prepared(lambda: (Student.select(Student, SchoolClass)
                             .join(SchoolClass, pw.JOIN.LEFT_OUTER, on=(Student.school_class == SchoolClass.id))
                             .where(Student.id == slot("sid"))))
_S_COLUMNS = converters(Student._meta.sorted_fields)
_C_COLUMNS = converters(SchoolClass._meta.sorted_fields)


def load_student(student_id: int) -> Student | None:
    """The pupil with ``school_class`` attached (or ``None``)."""
    rows = _STUDENT.rows(sid=student_id)
    if not rows:
        return None
    row, n = rows[0], len(_S_COLUMNS)
    st = model_from_row(Student, _S_COLUMNS, row[:n])
    if row[n] is not None:  # the joined class, where peewee keeps a related row (st.school_class)
        st.__rel__["school_class"] = model_from_row(SchoolClass, _C_COLUMNS, row[n:])
    return st


def viewer_role(user, student) -> str:
    """``guardian``, ``student`` (the pupil themself) or ``staff``; no query."""
    if student.user_id and student.user_id == user.id:
        return "student"
    for a in access.assignments(user):
        if a.role == "parent" and a.scope_type == "student" and a.scope_id == student.id:
            return "guardian"
    return "staff"


class Reader:
    """``user`` allowed to read ``student``'s diary, and how they stand to the pupil.

    Made by :func:`reader` once per request and passed down.
    """
    def __init__(self, user, student: Student) -> None:
        self.user, self.student = user, student
        #: ``guardian``, ``student`` (the pupil themself) or ``staff``
        self.role = viewer_role(user, student)

    @property
    def family(self) -> bool:
        """A guardian or the pupil themself (their reading is a visit, not an audited read)."""
        return self.role != "staff"

    @property
    def may_acknowledge(self) -> bool:
        """A guardian: their ``parent`` role scoped to this pupil is what grants ``diary.acknowledge``
        (:mod:`.permissions`), so it needs no second check. Acknowledging itself checks it again."""
        return self.role == "guardian"

    @functools.cached_property
    def withheld(self) -> bool:
        """Must the reader see the consent notice instead of the pupil's data?"""
        return withheld(self.user, self.student, self.role)


def reader(student_id: int, perm: str = "diary.week.read") -> Reader:
    """``g.user`` reading the pupil ``student_id`` (class loaded), if they hold ``perm`` on them;
    else 404 or 403, and the attempt in the audit."""
    st = load_student(student_id)
    if st is None:
        record_denied(g.user, perm, "roster_student", student_id, None)
        abort(404)
    if not access.can(g.user, perm, st):
        record_denied(g.user, perm, "roster_student", st.id, st.school_id)
        abort(403 if _knows(g.user, st) else 404)
    return Reader(g.user, st)


def student(student_id: int, perm: str = "diary.week.read") -> Student:
    """The pupil ``student_id`` with their class loaded, if ``g.user`` holds ``perm`` on them."""
    return reader(student_id, perm).student


def _knows(user, obj) -> bool:
    """May ``user`` know ``obj`` exists (then a refusal is 403, not 404)?"""
    return access.can(user, "roster.class.read", obj) or access.can(user, "diary.week.read", obj)


# --- classes, conversations ------------------------------------------------------------------------

def school_class(class_id: int, perm: str = "diary.control.read") -> SchoolClass:
    cls = SchoolClass.get_or_none(SchoolClass.id == class_id)
    if cls is None:
        record_denied(g.user, perm, "roster_class", class_id, None)
        abort(404)
    if not access.can(g.user, perm, cls):
        record_denied(g.user, perm, "roster_class", cls.id, cls.school_id)
        abort(403 if access.can(g.user, "roster.class.read", cls) else 404)
    return cls


def thread(thread_id: int) -> tuple[Thread, ThreadMember]:
    """A thread ``g.user`` takes part in, and their membership; others get 404 (and the
    attempt is audited: a family probing thread ids leaves a trace, as with pupils)."""
    if not access.can(g.user, "diary.message.read"):
        abort(403)
    row = (ThreadMember.select(ThreadMember, Thread).join(Thread)
           .where((ThreadMember.thread == thread_id) & (ThreadMember.user == g.user.id)).first())
    if row is None:
        record_denied(g.user, "diary.message.read", "diary_thread", thread_id, None)
        abort(404)
    return row.thread, row


def require(perm: str, obj=None) -> None:
    if not access.can(g.user, perm, obj):
        abort(403)


def guardian_record(user, student_id: int) -> Guardian | None:
    """The guardian record linking ``user`` to the pupil, if any."""
    return (Guardian.select().join(StudentGuardian)
            .where((Guardian.user == user.id) & (StudentGuardian.student == student_id)).first())


# --- consent --------------------------------------------------------------------------------------

def web_relaxed() -> bool:
    info = current_app.extensions["zhurnal"].plugins.infos.get("consent")
    return info is None or not (info.settings or {}).get("web_requires_consent", True)


def withheld(user, student, role: str) -> bool:
    """Must ``user`` (a guardian or the pupil, as ``role`` says) see the consent notice?"""
    if role == "staff" or web_relaxed():
        return False
    ext = current_app.extensions["zhurnal"]
    hooks = ext.plugins.hook_for(ext.school_by_id(student.school_id))
    return hooks.zhurnal_consent_granted(user_id=user.id, student_id=student.id) is False


# --- the audit of refusals and of staff reads --------------------------------------------------------

def record_denied(user, perm: str, object_type: str, object_id, school_id) -> None:
    """Write a refused attempt to the audit (``diary.access.denied``)."""
    from flask import has_request_context, request
    with database.atomic():
        audit.record("diary.access.denied", object_type=object_type, object_id=object_id,
                     school_id=school_id or getattr(user, "school_id", None), user=user,
                     data={"permission": perm, "path": request.path if has_request_context() else None})


def record_read(user, student: Student, what: str, *, via: str, **data) -> None:
    """Staff opened a pupil's diary (personal data): ``diary.<what>.read`` in the audit."""
    with database.atomic():
        audit.record(f"diary.{what}.read", student, user=user, school_id=student.school_id,
                     data={"via": via, **{k: (v.isoformat() if hasattr(v, "isoformat") else v)
                                          for k, v in data.items()}})


# --- whose diaries a user opens ----------------------------------------------------------------------

@dataclass(frozen=True)
class Kid:
    """A pupil as the child switcher and the message form show them."""
    id: int
    last_name: str
    first_name: str
    class_name: str | None

    @property
    def short_name(self) -> str:
        return f"{self.last_name} {self.first_name}"


_KIDS = Prepared(lambda: (
    Student.select(Student.id, Student.last_name, Student.first_name, SchoolClass.parallel, SchoolClass.letter)
    .join(SchoolClass, pw.JOIN.LEFT_OUTER, on=(Student.school_class == SchoolClass.id))
    .switch(Student).join(StudentGuardian, on=(StudentGuardian.student == Student.id))
    .join(Guardian, on=(StudentGuardian.guardian == Guardian.id))
    .where((Guardian.user == slot("uid")) & Student.left_at.is_null())
    .order_by(Student.last_name, Student.first_name, Student.id)))


def kids_of(user) -> list[Kid]:
    """The children ``user`` is a guardian of (for the child switcher); one query."""
    return [Kid(i, last, first, f"{par}{letter}" if par else None)
            for i, last, first, par, letter in _KIDS.rows(uid=user.id)]
