"""Journal API: marks (give, read, change, delete) and the change history of a mark or a cell.
"""
from __future__ import annotations


from flask import g

from zhurnal.core.api import endpoint, invalid, not_found

from . import service
from .api_common import _call, _lesson_or_404, _mark_out, _override, _require, _school_id, bp
from .models import Lesson, Mark
from .schemas import HistoryOut, MarkDelete, MarkIn, MarkPatch, mark_json


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


# --- history --------------------------------------------------------------------------------------

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
