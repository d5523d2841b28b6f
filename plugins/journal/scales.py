"""Marking scales and kinds of work: the defaults every school starts with, the scale a
subject is marked on, and their settings.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import peewee as pw

from zhurnal.core import audit
from zhurnal.core.db import database
from zhurnal.core.i18n import N_
from zhurnal.core.prepared import Prepared, slot
from zhurnal.plugins.roster.models import Subject

from .common import Invalid, _id
from .models import MarkScale, SubjectScale, WorkKind


#: the scales every school starts with: code -> (name, values best first, numeric values)
DEFAULT_SCALES = {
    "five": ("Пятибалльная", ["5", "4", "3", "2", "1"], {"5": 5, "4": 4, "3": 3, "2": 2, "1": 1}),
    "pass": ("Зачёт / незачёт", ["зач", "незач"], {}),
    "ten": ("Десятибалльная", [str(n) for n in range(10, 0, -1)], {str(n): n for n in range(1, 11)}),
}
DEFAULT_SCALE = "five"
#: kinds of work every school starts with: (code, name, weight)
DEFAULT_WORK_KINDS = [
    ("answer", "Ответ на уроке", 1.0), ("classwork", "Работа на уроке", 1.0), ("homework", "Домашняя работа", 1.0),
    ("independent", "Самостоятельная работа", 1.5), ("test", "Проверочная работа", 1.5),
    ("dictation", "Диктант", 2.0), ("essay", "Сочинение", 2.0), ("lab", "Практическая работа", 1.5),
    ("control", "Контрольная работа", 2.0),
]


@dataclass(frozen=True)
class Scale:
    """A marking scale as the journal uses it."""
    code: str
    name: str
    values: tuple[str, ...]
    numeric: dict = field(default_factory=dict, compare=False, hash=False)

    def number(self, value: str) -> float | None:
        n = self.numeric.get(value)
        return None if n is None else float(n)

    def propose(self, average: float | None) -> str | None:
        """The mark a weighted average rounds to (x.5 rounds up), if the scale is numeric."""
        if average is None or not self.numeric:
            return None
        best = None
        for value, n in self.numeric.items():
            if n <= average + 0.5 + 1e-9 and (best is None or n > self.numeric[best]):
                best = value
        return best


def _scale_from(row: MarkScale) -> Scale:
    return _scale(row.code, row.name, row.values, row.numeric)


def _scale(code: str, name: str, values: str, numeric: str | None) -> Scale:
    """A school's scale from its stored columns (``values`` and ``numeric`` are JSON)."""
    return Scale(code, name, tuple(json.loads(values)), json.loads(numeric or "{}"))


def _builtin(code: str = DEFAULT_SCALE) -> Scale:
    name, values, numeric = DEFAULT_SCALES[code]
    return Scale(code, name, tuple(values), numeric)


def scales(school) -> list[Scale]:
    rows = list(MarkScale.select().where(MarkScale.school == _id(school)).order_by(MarkScale.id))
    return [_scale_from(r) for r in rows] or [_builtin(c) for c in DEFAULT_SCALES]


def scale_for(subject_id, school_id) -> Scale:
    """The scale a subject is marked on: its own (``SubjectScale``), else the school's default. One
    statement, built once (every grid, lesson page and period mark asks it)."""
    rows = _SCALE_FOR.rows(subject=_id(subject_id), school=_id(school_id))
    own = [r for r in rows if r[4] is not None]
    row = own[0] if own else (rows[0] if rows else None)
    return _scale(*row[:4]) if row is not None else _builtin()


_SCALE_FOR = Prepared(lambda: MarkScale.select(MarkScale.code, MarkScale.name, MarkScale.values, MarkScale.numeric,
                                               SubjectScale.subject)
                      .join(SubjectScale, pw.JOIN.LEFT_OUTER,
                            on=((SubjectScale.scale == MarkScale.id) & (SubjectScale.subject == slot("subject"))))
                      .where((MarkScale.school == slot("school")) &
                             ((MarkScale.is_default == True) | SubjectScale.subject.is_null(False)))  # noqa: E712
                      .order_by(MarkScale.id))


def work_kinds(school) -> list[WorkKind]:
    """The school's kinds of work (created with the defaults on first use of the journal)."""
    return _WORK_KINDS.objects(school=_id(school))


_WORK_KINDS = Prepared(lambda: WorkKind.select(*WorkKind._meta.sorted_fields).where(WorkKind.school == slot("school"))
                       .order_by(WorkKind.weight, WorkKind.id), model=WorkKind)


def ensure_defaults(school) -> None:
    """Create the default scales and kinds of work of a school if it has none (idempotent)."""
    sid = _id(school)
    with database.atomic():
        if not MarkScale.select().where(MarkScale.school == sid).exists():
            MarkScale.insert_many([
                {"school": sid, "code": code, "name": name, "values": json.dumps(values, ensure_ascii=False),
                 "numeric": json.dumps(numeric, ensure_ascii=False), "is_default": code == DEFAULT_SCALE}
                for code, (name, values, numeric) in DEFAULT_SCALES.items()]).on_conflict_ignore().execute()
        if not WorkKind.select().where(WorkKind.school == sid).exists():
            WorkKind.insert_many([{"school": sid, "code": c, "name": n, "weight": w}
                                  for c, n, w in DEFAULT_WORK_KINDS]).on_conflict_ignore().execute()


def set_subject_scale(subject: Subject, scale_code: str | None, *, by=None) -> None:
    """Mark ``subject`` on another scale of its school (``None``: back to the default)."""
    with database.atomic():
        ensure_defaults(subject.school_id)
        SubjectScale.delete().where(SubjectScale.subject == subject.id).execute()
        if scale_code:
            scale = MarkScale.get((MarkScale.school == subject.school_id) & (MarkScale.code == scale_code))
            SubjectScale.create(subject=subject, scale=scale)
        audit.record("journal.scale.subject", subject, user=by, school_id=subject.school_id,
                     data={"scale": scale_code})


def set_scale(school, code: str, name: str, values: list[str], numeric: dict, *, default: bool = False,
              by=None) -> Scale:
    """Add a marking scale to a school or change one, and make it the school's default if asked
    (exactly one scale is the default: the others lose the flag).

    ``values`` are the marks best first; ``numeric`` maps marks to the numbers averages use
    (a mark without a number, like "зач", is not averaged). Marks already given keep their
    value and number.

    :raises Invalid: no or repeated values, numbers for marks not in ``values``, or taking
        the default flag off the default scale (make another one the default instead)
    """
    sid = _id(school)
    fields: dict = {}
    values = [str(v).strip() for v in values]
    if not values or any(not v or len(v) > 8 for v in values):
        fields["values"] = N_("Give the marks of the scale, 1 to 8 characters each.")
    elif len(set(values)) != len(values):
        fields["values"] = N_("Each mark once.")
    elif set(numeric) - set(values):
        fields["numeric"] = N_("Numbers may be given only for marks of the scale.")
    with database.atomic():
        ensure_defaults(sid)
        row = MarkScale.get_or_none((MarkScale.school == sid) & (MarkScale.code == code))
        if row is not None and row.is_default and not default:
            fields["default"] = N_("Make another scale the default instead.")
        if fields:
            raise Invalid(fields)
        old = None if row is None else [row.name, json.loads(row.values), json.loads(row.numeric or "{}"),
                                        row.is_default]
        data = {"name": name, "values": json.dumps(values, ensure_ascii=False),
                "numeric": json.dumps(numeric, ensure_ascii=False), "is_default": bool(default)}
        if default:
            MarkScale.update(is_default=False).where((MarkScale.school == sid) & (MarkScale.code != code)).execute()
        if row is None:
            row = MarkScale.create(school=sid, code=code, **data)
        else:
            MarkScale.update(**data).where(MarkScale.id == row.id).execute()
        audit.record("journal.scale.set", row, user=by, school_id=sid,
                     data={"code": code, "old": old, "new": [name, values, numeric, bool(default)]})
    return _scale_from(MarkScale.get_by_id(row.id))


def set_work_kind(school, code: str, name: str, weight: float, *, by=None) -> WorkKind:
    """Add a kind of work or change its name and weight. The weight applies to marks given
    from now on (a mark keeps the weight it was given with)."""
    sid = _id(school)
    with database.atomic():
        ensure_defaults(sid)
        wk = WorkKind.get_or_none((WorkKind.school == sid) & (WorkKind.code == code))
        old = None if wk is None else [wk.name, wk.weight]
        if wk is None:
            wk = WorkKind.create(school=sid, code=code, name=name, weight=weight)
        else:
            WorkKind.update(name=name, weight=weight).where(WorkKind.id == wk.id).execute()
        audit.record("journal.work_kind.set", wk, user=by, school_id=sid,
                     data={"code": code, "old": old, "new": [name, weight]})
    return WorkKind.get_by_id(wk.id)
