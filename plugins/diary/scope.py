"""Where diary objects belong, for scoped permission checks."""
from __future__ import annotations

from core.access import Scope

from .models import Acknowledgement, Message, Thread, Visit


def scope_of(obj) -> Scope | None:
    if isinstance(obj, (Acknowledgement, Visit)):
        return Scope.of(obj.school_id, (), [obj.student_id])
    if isinstance(obj, Thread):
        return Scope.of(obj.school_id, [obj.school_class_id] if obj.school_class_id else [],
                        [obj.student_id] if obj.student_id else [])
    if isinstance(obj, Message):
        return scope_of(Thread.get_by_id(obj.thread_id))
    return None
