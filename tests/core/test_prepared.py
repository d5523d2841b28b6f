"""core.prepared: SQL built once, values bound per call; rows as tuples or as model instances."""
from __future__ import annotations

import pytest

from core.prepared import Prepared, slot


def test_rows_and_objects_match_peewee(demo_app):
    from plugins.roster.models import Student
    by_class = Prepared(lambda: Student.select(*Student._meta.sorted_fields)
                        .where(Student.school_class == slot("cls")).order_by(Student.id), model=Student)
    with demo_app.app_context():
        cls = Student.select().first().school_class_id
        slow = list(Student.select().where(Student.school_class == cls).order_by(Student.id))
        fast = by_class.objects(cls=cls)
        assert slow and [s.__data__ for s in fast] == [s.__data__ for s in slow]
        assert [r[0] for r in by_class.rows(cls=cls)] == [s.id for s in slow]
        assert by_class.objects(cls=-1) == []
        with pytest.raises(TypeError):        # every slot needs a value, and no other value is taken
            by_class.rows()
        with pytest.raises(TypeError):
            by_class.rows(cls=cls, extra=1)


def test_objects_need_the_models_own_columns(demo_app):
    from plugins.roster.models import Student
    partial = Prepared(lambda: Student.select(Student.id).where(Student.id == slot("id")), model=Student)
    plain = Prepared(lambda: Student.select(*Student._meta.sorted_fields).where(Student.id == slot("id")))
    with demo_app.app_context():
        with pytest.raises(TypeError):
            partial.objects(id=1)
        with pytest.raises(TypeError):
            plain.objects(id=1)
