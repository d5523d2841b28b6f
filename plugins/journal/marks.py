"""Marks: giving, changing and deleting one, with what those writes check read in one
prepared statement (:class:`MarkContext`, read by the API before it checks access).
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import peewee as pw

from zhurnal.core import audit
from zhurnal.core.db import converters, database, is_postgres, model_from_row, utcnow
from zhurnal.core.i18n import N_
from zhurnal.core.prepared import Prepared, as_date, slot
from zhurnal.plugins.roster.models import GroupMember, Period, Student, StudyGroup

from . import notices
from .closed_periods import CLOSED_MESSAGE, _audit_override
from .common import Invalid, StaleEdit, _history, _id, _insert, _validate_lesson_held
from .models import Lesson, Mark, MarkScale, SubjectScale, WorkKind
from .scales import Scale, _builtin, ensure_defaults
from . import signals


def _kind(school_id: int, code: str) -> WorkKind | None:
    wk = WorkKind.get_or_none((WorkKind.school == school_id) & (WorkKind.code == code))
    if wk is None and not WorkKind.select().where(WorkKind.school == school_id).exists():
        ensure_defaults(school_id)  # a school's first mark: create its kinds of work
        wk = WorkKind.get_or_none((WorkKind.school == school_id) & (WorkKind.code == code))
    return wk


def _mark_text(mark_or_value, kind_code: str | None = None) -> str:
    return mark_or_value if kind_code is None else f"{mark_or_value} ({kind_code})"


# Saving a mark is the journal's most frequent write, so its path avoids building peewee
# queries per request: what the checks need (the lesson, its period, the subject's scale,
# the student, the kind of work) is read in one prepared statement, and the rows are
# written with prepared statements too.

@dataclass
class MarkContext:
    """What saving a mark checks, read in one statement: by :func:`mark_target` for a new
    mark, by :func:`mark_context` for an existing one."""
    #: the lesson, with only what the checks read: id, school, period, date, subject,
    #: teacher, class, group, cancelled
    lesson: Lesson
    #: the lesson's period is closed for editing
    closed: bool
    #: the scale the lesson's subject is marked on
    scale: Scale
    student_id: int
    #: the student's class (what a stream lesson's mark counts for)
    student_class_id: int | None
    #: a new mark: the student's school (None: no such student), whether the lesson is for
    #: the student (:func:`student_in_lesson`), the kind of work asked for as ``(id, weight)``
    #: (None: the school has no such kind)
    student_school_id: int | None = None
    student_fits: bool = False
    kind: tuple[int, float] | None = None
    #: an existing mark: the row (``lesson`` joined, its kind's code in ``kind_code``)
    mark: Mark | None = None


def _scale_id():
    """The id of the lesson's subject's scale: its own, else the school's default (see :func:`scale_for`)."""
    own, own_scale, default = SubjectScale.alias("own"), MarkScale.alias("own_scale"), MarkScale.alias("dflt")
    own_id = (own.select(own.scale).join(own_scale, on=(own.scale == own_scale.id))
              .where((own.subject == Lesson.subject) & (own_scale.school == Lesson.school)))
    default_id = (default.select(default.id)
                  .where((default.school == Lesson.school) & (default.is_default == True))  # noqa: E712
                  .order_by(default.id).limit(1))
    return pw.fn.COALESCE(own_id, default_id)


#: what both contexts read of the lesson, its period and its scale (made into a Lesson, a flag
#: and a Scale by _lesson_from)
_LESSON_FIELDS = (Lesson.id, Lesson.school, Lesson.period, Lesson.date, Lesson.subject, Lesson.teacher,
                  Lesson.school_class, Lesson.group, Lesson.cancelled)
_LESSON_COLUMNS = (*_LESSON_FIELDS, Period.closed_at, MarkScale.code, MarkScale.name, MarkScale.values,
                   MarkScale.numeric)
#: a mark's columns, as mark_context reads them and _INSERT_MARK writes them (but the id)
_MARK_FIELDS = tuple(Mark._meta.sorted_fields)


_LESSON_CONVERT, _MARK_CONVERT = converters(_LESSON_FIELDS), converters(_MARK_FIELDS)


def _with_lesson_joins(q):
    return (q.join(Period, on=(Lesson.period == Period.id))
            .switch(Lesson).join(MarkScale, pw.JOIN.LEFT_OUTER, on=(MarkScale.id == _scale_id())))


def _lesson_from(row) -> tuple[Lesson, bool, Scale]:
    n = len(_LESSON_FIELDS)
    lesson = model_from_row(Lesson, _LESSON_CONVERT, row[:n])
    closed_at, code, name, values, numeric = row[n:len(_LESSON_COLUMNS)]
    scale = _builtin() if code is None else Scale(code, name, tuple(json.loads(values)), json.loads(numeric or "{}"))
    return lesson, closed_at is not None, scale


def _target_query():
    member, im, ig = GroupMember.alias("member"), GroupMember.alias("im"), StudyGroup.alias("ig")
    in_group = member.select(pw.SQL("1")).where((member.group == Lesson.group) & (member.student == Student.id))
    individual = (im.select(pw.SQL("1")).join(ig, on=(im.group == ig.id))
                  .where((im.student == Student.id) & (ig.kind == "individual") & (ig.subject == Lesson.subject)))
    q = Lesson.select(
        *_LESSON_COLUMNS, Student.school, Student.school_class, Student.left_at,
        # a group lesson: is the student a member; a class lesson: does an individual plan replace it
        pw.Case(None, [(Lesson.group.is_null(False), pw.fn.EXISTS(in_group))]),
        pw.Case(None, [((Student.individual_plan == True) & Lesson.group.is_null(),  # noqa: E712
                        pw.fn.EXISTS(individual))]),
        WorkKind.id, WorkKind.weight)
    return (_with_lesson_joins(q)
            .switch(Lesson).join(Student, pw.JOIN.LEFT_OUTER, on=(Student.id == slot("student")))
            .switch(Lesson).join(WorkKind, pw.JOIN.LEFT_OUTER,
                                 on=((WorkKind.school == Lesson.school) & (WorkKind.code == slot("kind"))))
            .where(Lesson.id == slot("lesson")))


_TARGET = Prepared(_target_query)


def mark_target(lesson_id: int, student_id: int, kind: str) -> MarkContext | None:
    """What giving ``student_id`` a mark of ``kind`` in ``lesson_id`` checks (None: no such lesson). One query."""
    rows = _TARGET.rows(lesson=lesson_id, student=student_id, kind=kind)
    if not rows:
        return None
    lesson, closed, scale = _lesson_from(rows[0])
    school, class_id, left_at, in_group, individual, kind_id, weight = rows[0][len(_LESSON_COLUMNS):]
    # student_in_lesson(), on what was read
    left_at = as_date(left_at)
    if left_at is not None and left_at < lesson.date:
        fits = False
    elif lesson.group_id:
        fits = bool(in_group)
    else:
        fits = lesson.school_class_id is not None and class_id == lesson.school_class_id and not individual
    return MarkContext(lesson, closed, scale, student_id, class_id, student_school_id=school, student_fits=fits,
                       kind=None if kind_id is None else (kind_id, weight))


def _mark_context_query():
    q = Mark.select(*_LESSON_COLUMNS, *_MARK_FIELDS, WorkKind.code, Student.school_class).join(
        Lesson, on=(Mark.lesson == Lesson.id))
    return (_with_lesson_joins(q)
            .switch(Mark).join(WorkKind, on=(Mark.kind == WorkKind.id))
            .switch(Mark).join(Student, on=(Mark.student == Student.id))
            .where(Mark.id == slot("mark")))


_MARK_CONTEXT = Prepared(_mark_context_query)


def mark_context(mark_id: int) -> MarkContext | None:
    """A mark with what changing or deleting it checks (None: no such mark). One query."""
    rows = _MARK_CONTEXT.rows(mark=mark_id)
    if not rows:
        return None
    lesson, closed, scale = _lesson_from(rows[0])
    n, m = len(_LESSON_COLUMNS), len(_LESSON_COLUMNS) + len(_MARK_FIELDS)
    mark = model_from_row(Mark, _MARK_CONVERT, rows[0][n:m])
    mark.lesson = lesson
    mark.kind_code, class_id = rows[0][m:]
    return MarkContext(lesson, closed, scale, mark.student_id, class_id, mark=mark)


#: whether a period is closed, read inside the write transaction (see _check_closed)
_PERIOD_CLOSED = Prepared(lambda: Period.select(Period.closed_at).where(Period.id == slot("id")))
_PERIOD_CLOSED_PG = Prepared(lambda: Period.select(Period.closed_at).where(Period.id == slot("id"))
                             .for_update("FOR SHARE"))


def _check_closed(context: MarkContext, allow_closed: bool) -> bool:
    """:func:`_check_open` for the lesson's period, called inside the write transaction.

    The period is read again there: what the context read a moment before may have changed.
    On SQLite the writers' lock, on PostgreSQL a share lock on the period's row, keeps the
    period from being closed between this check and the commit.
    """
    rows = (_PERIOD_CLOSED_PG if is_postgres() else _PERIOD_CLOSED).rows(id=context.lesson.period_id)
    if not rows or rows[0][0] is None:
        return False
    if not allow_closed:
        raise Invalid({"lesson_id": CLOSED_MESSAGE}, code="period_closed")
    return True


_INSERT_MARK = _insert(Mark, *(f.name for f in _MARK_FIELDS if f is not Mark._meta.primary_key))
_DELETE_MARK = Prepared(lambda: Mark.delete().where(Mark.id == slot("id")))
_DELETE_MARK_VERSION = Prepared(lambda: Mark.delete().where((Mark.id == slot("id")) &
                                                            (Mark.version == slot("version"))))
#: UPDATEs of a mark by the columns they change (value and numeric, kind and weight, comment)
_UPDATE_MARK: dict[frozenset, Prepared] = {}


def _update_mark(mark_id: int, version: int, changes: dict, now: dt.datetime) -> int:
    """Save ``changes`` of a mark at ``version`` as ``version + 1``; how many rows changed (0: stale)."""
    columns = frozenset(changes)
    statement = _UPDATE_MARK.get(columns)
    if statement is None:
        statement = _UPDATE_MARK[columns] = Prepared(lambda: Mark.update(
            {**{Mark._meta.fields[c]: slot(c) for c in columns},
             Mark.updated_at: slot("updated_at"), Mark.version: slot("new_version")})
            .where((Mark.id == slot("id")) & (Mark.version == slot("version"))))
    return statement.execute(**changes, updated_at=now, new_version=version + 1, id=mark_id, version=version).rowcount


def add_mark(lesson: Lesson, student: Student, value: str, kind: str = "answer", comment: str = "", *,
             by=None, allow_closed: bool = False, context: MarkContext | None = None) -> Mark:
    """Give a student a mark in a lesson (a lesson may hold several marks per student).

    :param context: what :func:`mark_target` read for this lesson, student and kind (the
        API reads it first, to check access); read here when not given
    :raises Invalid: value outside the subject's scale, unknown kind, a student not
        in the lesson, a cancelled or future lesson, a closed period (unless ``allow_closed``)
    """
    ctx = context or mark_target(_id(lesson), _id(student), kind)
    if ctx is None:
        raise Invalid({"lesson_id": "Unknown lesson."})
    lesson = ctx.lesson
    fields: dict = {}
    value = (value or "").strip()
    if value not in ctx.scale.values:
        fields["value"] = f"Not a mark of the scale: {', '.join(ctx.scale.values)}."
    kind_row = ctx.kind
    if kind_row is None:  # unknown, or the school's first mark (_kind creates its kinds of work)
        wk = _kind(lesson.school_id, kind)
        if wk is None:
            fields["kind"] = N_("Unknown kind of work.")
        else:
            kind_row = (wk.id, wk.weight)
    _validate_lesson_held(lesson, fields)
    if ctx.student_school_id != lesson.school_id or not ctx.student_fits:
        fields["student_id"] = N_("The student is not in this lesson's class or group.")
    if fields:
        raise Invalid(fields)
    comment = comment or ""
    with database.atomic():
        override = _check_closed(ctx, allow_closed)
        now = utcnow()
        mark = Mark(__no_default__=True, lesson=lesson.id, student=ctx.student_id, value=value,
                    numeric=ctx.scale.number(value), kind=kind_row[0], weight=kind_row[1], comment=comment,
                    teacher=_id(by), created_at=now, updated_at=now, version=1)
        mark.id = _INSERT_MARK.insert(**mark.__data__)
        _history("mark", mark.id, ctx.student_id, lesson.id, "created", None, _mark_text(value, kind), by)
        notices.mark(mark.id, 1, ctx.student_id, lesson, value, comment)
        audit.record("journal.mark.create", mark, user=by, school_id=lesson.school_id,
                     data={"student": ctx.student_id, "lesson": lesson.id, "value": value, "kind": kind,
                           "comment": comment})
        if override:
            _audit_override(mark, lesson.period_id, by, lesson.school_id, "mark.create")
    mark.kind_code = kind
    signals.send(signals.mark_saved, mark_id=mark.id, student_id=ctx.student_id, lesson_id=lesson.id,
                 subject_id=lesson.subject_id, class_id=lesson.school_class_id or ctx.student_class_id, value=value,
                 old_value=None, action="created", by=by, school_id=lesson.school_id)
    return mark


def update_mark(mark: Mark, changes: dict, *, version: int, by=None, allow_closed: bool = False,
                context: MarkContext | None = None) -> Mark:
    """Change a mark's value, kind or comment; refuses a stale ``version`` with :class:`StaleEdit`.

    :param changes: any of ``value``, ``kind`` (code), ``comment``
    :param context: what :func:`mark_context` read of the mark (the API reads it first, to
        check access); read here when not given
    :returns: the mark as saved, with its kind's code in ``kind_code``
    """
    ctx = context or mark_context(mark.id)
    if ctx is not None and ctx.mark.version < version:
        # read before a change this editor has seen: compare with (and record) what it replaces
        ctx = mark_context(mark.id)
    if ctx is None:
        raise StaleEdit(None)  # deleted meanwhile
    mark, lesson = ctx.mark, ctx.lesson
    fields: dict = {}
    upd: dict = {}
    diff: dict = {}
    if "value" in changes and changes["value"] is not None:
        value = changes["value"].strip()
        if value not in ctx.scale.values:
            fields["value"] = f"Not a mark of the scale: {', '.join(ctx.scale.values)}."
        elif value != mark.value:
            upd.update(value=value, numeric=ctx.scale.number(value))
            diff["value"] = [mark.value, value]
    old_kind = mark.kind_code
    if "kind" in changes and changes["kind"] is not None and changes["kind"] != old_kind:
        wk = _kind(lesson.school_id, changes["kind"])
        if wk is None:
            fields["kind"] = N_("Unknown kind of work.")
        else:
            upd.update(kind=wk.id, weight=wk.weight)
            diff["kind"] = [old_kind, wk.code]
    if "comment" in changes and changes["comment"] is not None and changes["comment"] != mark.comment:
        upd["comment"] = changes["comment"]
        diff["comment"] = [mark.comment, changes["comment"]]
    if fields:
        raise Invalid(fields)
    with database.atomic():
        override = _check_closed(ctx, allow_closed)
        now = utcnow()
        if _update_mark(mark.id, version, upd, now) == 0:
            raise StaleEdit(Mark.get_or_none(Mark.id == mark.id))
        new_kind = diff.get("kind", [None, old_kind])[1]
        if diff.get("value"):
            notices.mark(mark.id, version + 1, mark.student_id, lesson, upd["value"], upd.get("comment", mark.comment))
        if diff.get("value") or diff.get("kind"):
            _history("mark", mark.id, mark.student_id, lesson.id, "updated", _mark_text(mark.value, old_kind),
                     _mark_text(upd.get("value", mark.value), new_kind), by)
        audit.record("journal.mark.update", mark, user=by, school_id=lesson.school_id,
                     data={"student": mark.student_id, "lesson": lesson.id, **diff})
        if override:
            _audit_override(mark, lesson.period_id, by, lesson.school_id, "mark.update")
    if mark.version == version:
        # the row updated is the one read (a version is never reused): no need to read it again
        fresh = Mark(__no_default__=True, **{**mark.__data__, **upd, "updated_at": now, "version": version + 1})
    else:
        fresh = Mark.get_by_id(mark.id)
    fresh.kind_code = new_kind
    if diff:
        signals.send(signals.mark_saved, mark_id=mark.id, student_id=mark.student_id, lesson_id=lesson.id,
                     subject_id=lesson.subject_id, class_id=lesson.school_class_id or ctx.student_class_id,
                     value=fresh.value, old_value=mark.value, action="updated", by=by, school_id=lesson.school_id)
    return fresh


def delete_mark(mark: Mark, *, version: int | None = None, by=None, allow_closed: bool = False,
                context: MarkContext | None = None) -> None:
    """Remove a mark (kept in History and the audit); a stale ``version`` raises :class:`StaleEdit`.

    :param context: what :func:`mark_context` read of the mark (the API reads it first, to
        check access); read here when not given
    """
    ctx = context or mark_context(mark.id)
    if ctx is not None and version is not None and ctx.mark.version < version:
        ctx = mark_context(mark.id)  # read before a change this editor has seen: record what is deleted
    if ctx is None:
        raise StaleEdit(None)  # deleted meanwhile
    mark, lesson = ctx.mark, ctx.lesson
    with database.atomic():
        override = _check_closed(ctx, allow_closed)
        if version is None:
            deleted = _DELETE_MARK.execute(id=mark.id).rowcount
        else:
            deleted = _DELETE_MARK_VERSION.execute(id=mark.id, version=version).rowcount
        if deleted == 0:
            raise StaleEdit(Mark.get_or_none(Mark.id == mark.id))
        _history("mark", mark.id, mark.student_id, lesson.id, "deleted", _mark_text(mark.value, mark.kind_code), None,
                 by)
        audit.record("journal.mark.delete", mark, user=by, school_id=lesson.school_id,
                     data={"student": mark.student_id, "lesson": lesson.id, "value": mark.value,
                           "kind": mark.kind_code})
        if override:
            _audit_override(mark, lesson.period_id, by, lesson.school_id, "mark.delete")
    signals.send(signals.mark_saved, mark_id=mark.id, student_id=mark.student_id, lesson_id=lesson.id,
                 subject_id=lesson.subject_id, class_id=lesson.school_class_id or ctx.student_class_id, value=None,
                 old_value=mark.value, action="deleted", by=by, school_id=lesson.school_id)
