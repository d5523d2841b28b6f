"""Classes: reading a school year's classes and their lists, finding a class by its name, and
editing a class (letter, room, class teacher)."""
from __future__ import annotations

import re
from typing import Iterable

import peewee as pw

from zhurnal.core import access, audit
from zhurnal.core.db import database
from zhurnal.core.errors import StaleEdit
from zhurnal.core.identity.models import User
from zhurnal.core.prepared import Prepared, slot

from .edits import CLASS_FIELDS, changed_fields
from .models import SchoolClass, Student
from .structure import current_year


def classes(school, year=None) -> list[SchoolClass]:
    sid = getattr(school, "id", school)
    year = year or current_year(sid)
    if year is None:
        return []
    return list(SchoolClass.select().where((SchoolClass.school == sid) & (SchoolClass.year == year))
                .order_by(SchoolClass.parallel, SchoolClass.letter))


# class lists are read on every journal page: SQL built once (core.prepared)
_CLASS_STUDENTS = Prepared(lambda: Student.select(*Student._meta.sorted_fields).where(
    (Student.school_class == slot("cls")) & Student.left_at.is_null())
    .order_by(Student.last_name, Student.first_name, Student.middle_name, Student.id), model=Student)


def class_students(class_id: int) -> list[Student]:
    """Current students of a class, in the order of the class list."""
    return _CLASS_STUDENTS.objects(cls=class_id)


def classes_led_by(user) -> list[SchoolClass]:
    uid = getattr(user, "id", user)
    return list(SchoolClass.select().where(SchoolClass.class_teacher == uid).order_by(SchoolClass.parallel, SchoolClass.letter))


def student_counts(class_ids: Iterable[int]) -> dict[int, int]:
    """class id -> number of current students (one query)."""
    ids = list(class_ids)
    if not ids:
        return {}
    q = (Student.select(Student.school_class, pw.fn.COUNT(Student.id))
         .where(Student.school_class.in_(ids) & Student.left_at.is_null())
         .group_by(Student.school_class).tuples())
    return dict(q)


# --- finding a class by its name ------------------------------------------------------------------

#: Latin letters that look like Cyrillic ones ("5A" pasted from elsewhere means 5А; a small "b" looks like "б")
_LOOKALIKE = str.maketrans("ABEKMHOPCTXYaekmhopctxyb", "АВЕКМНОРСТХУаекмнорстхуб")
_CLASS_NAME = re.compile(r"(\d{1,2})\s*[-–—]?\s*[«\"'“„]?\s*([^\W\d_]{1,4})\s*[»\"'”“]?"
                         r"(?:\s*(?:класс|кл\.?))?", re.IGNORECASE)


def parse_class_name(text) -> tuple[int, str] | None:
    """``"5А"``, ``"5 а"``, ``"5-A"``, ``7 «А»``, ``"11Б класс"`` -> ``(parallel, letter)``; ``None`` if not
    a class name."""
    m = _CLASS_NAME.fullmatch(str(text or "").strip())
    if not m or not 1 <= int(m.group(1)) <= 11:
        return None
    return int(m.group(1)), m.group(2).translate(_LOOKALIKE).upper()


def class_by_name(school, name: str, year=None) -> SchoolClass | None:
    """The class called ``name`` (e.g. "5А") in ``year`` (default: the current school year)."""
    parsed = parse_class_name(name)
    year = year or current_year(school)
    if parsed is None or year is None:
        return None
    return SchoolClass.get_or_none((SchoolClass.school == getattr(school, "id", school)) &
                                   (SchoolClass.year == year) & (SchoolClass.parallel == parsed[0]) &
                                   (SchoolClass.letter == parsed[1]))


# --- writes -------------------------------------------------------------------------------------------

def create_class(school, year, parallel: int, letter: str, *, class_teacher: User | None = None, by=None) -> SchoolClass:
    with database.atomic():
        cls = SchoolClass.create(school=school, year=year, parallel=parallel, letter=letter.upper())
        audit.record("roster.class.create", cls, user=by, school_id=cls.school_id, data={"name": cls.name})
        if class_teacher is not None:
            _set_class_teacher(cls, class_teacher, by=by)
    return cls


def _set_class_teacher(cls: SchoolClass, teacher: User | None, *, by=None) -> None:
    old = cls.class_teacher_id
    new = getattr(teacher, "id", teacher)
    if old == new:
        return
    if old:
        access.revoke(old, "class_teacher", scope_type="class", scope_id=cls.id)
    SchoolClass.update(class_teacher=new).where(SchoolClass.id == cls.id).execute()
    cls.class_teacher = teacher
    if new is not None:
        access.grant(new, "class_teacher", school=cls.school_id, scope_type="class", scope_id=cls.id)
    audit.record("roster.class.teacher", cls, user=by, school_id=cls.school_id, data={"class_teacher": [old, new]})


def set_class_teacher(cls: SchoolClass, teacher: User | None, *, by=None) -> None:
    """Make ``teacher`` the class teacher of ``cls`` (their role is scoped to this class)."""
    with database.atomic():
        if getattr(teacher, "id", teacher) != cls.class_teacher_id:
            SchoolClass.update(version=SchoolClass.version + 1).where(SchoolClass.id == cls.id).execute()
        _set_class_teacher(cls, teacher, by=by)


def update_class(cls: SchoolClass, changes: dict, *, version: int | None = None, by=None) -> SchoolClass:
    """Change a class's letter, room or class teacher (``changes["class_teacher"]``: a User or None).

    :raises StaleEdit: ``version`` is not the class's current version
    """
    if version is not None and cls.version != version:
        raise StaleEdit(SchoolClass.get_by_id(cls.id))
    diff = changed_fields(cls, changes, CLASS_FIELDS)
    teacher_changes = ("class_teacher" in changes and
                       getattr(changes["class_teacher"], "id", changes["class_teacher"]) != cls.class_teacher_id)
    if not diff and not teacher_changes:
        return cls
    with database.atomic():
        q = SchoolClass.update(**{k: changes[k] for k in diff}, version=SchoolClass.version + 1).where(
            SchoolClass.id == cls.id)
        if version is not None:
            q = q.where(SchoolClass.version == version)
        if q.execute() == 0:
            raise StaleEdit(SchoolClass.get_by_id(cls.id))
        if diff:
            audit.record("roster.class.update", cls, user=by, school_id=cls.school_id, data=diff)
        if teacher_changes:
            _set_class_teacher(cls, changes["class_teacher"], by=by)
    return SchoolClass.get_by_id(cls.id)
