"""core.prepared: SQL built once, values bound per call; rows as tuples or as model instances."""
from __future__ import annotations

import datetime as dt

import pytest

from zhurnal.core.prepared import Prepared, slot


def test_rows_and_objects_match_peewee(demo_app):
    from zhurnal.plugins.roster.models import Student
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
    from zhurnal.plugins.roster.models import Student
    partial = Prepared(lambda: Student.select(Student.id).where(Student.id == slot("id")), model=Student)
    plain = Prepared(lambda: Student.select(*Student._meta.sorted_fields).where(Student.id == slot("id")))
    with demo_app.app_context():
        with pytest.raises(TypeError):
            partial.objects(id=1)
        with pytest.raises(TypeError):
            plain.objects(id=1)


def test_instances_are_peewees_own(demo_app):
    """core.db.model_from_row writes peewee's private attributes: this fails loudly on a peewee whose
    instance layout changed (pyproject pins the range checked, core.db.PEEWEE_CHECKED)."""
    import peewee
    from zhurnal.core.db import by_key
    from zhurnal.plugins.roster.models import SchoolClass, Student
    with demo_app.app_context():
        ours = by_key(Student, Student.id, Student.select().first().id)[0]
        theirs = Student.get_by_id(ours.id)
        assert set(vars(ours)) == set(vars(theirs)), (peewee.__version__, set(vars(ours)) ^ set(vars(theirs)))
        assert ours.__data__ == theirs.__data__ and ours._dirty == theirs._dirty == set()
        assert ours == theirs and hash(ours) == hash(theirs) and ours.get_id() == theirs.get_id()
        assert isinstance(ours.school_class, SchoolClass)          # a foreign key is followed
        assert ours.school_class_id == theirs.school_class_id == ours.school_class.id  # its id by its name
        ours.first_name = ours.first_name + "а"                      # and the instance saves like peewee's
        assert ours.is_dirty() and ours.save() == 1
        assert Student.get_by_id(ours.id).first_name == ours.first_name


def test_rows_read_dates_and_timestamps_as_peewee_does():
    """converters() parses SQLite's date and timestamp text with fromisoformat: whatever the text,
    the value is the one peewee's own python_value gives (odd text included)."""
    import peewee as pw
    from zhurnal.core.db import converters

    class Row(pw.Model):
        at = pw.DateTimeField(null=True)
        day = pw.DateField(null=True)

    (_n1, at), (_n2, day) = converters([Row.at, Row.day])
    texts = ["2026-09-01 08:30:00", "2026-09-01 08:30:00.5", "2026-09-01 08:30:00.123456", "2026-09-01",
             "2026-09-01T08:30:00", "2026-09-01 08:30", "2026-09-01 08:30:00+03:00", "2026-02-30 08:30:00",
             "2026-13-01", "01.09.2026", "", "2026-09-01 08:30:00.", None, dt.datetime(2026, 9, 1, 8, 30),
             dt.date(2026, 9, 1)]
    for text in texts:
        assert at(text) == Row.at.python_value(text), text
        assert type(at(text)) is type(Row.at.python_value(text)), text
        assert day(text) == Row.day.python_value(text), text
        assert type(day(text)) is type(Row.day.python_value(text)), text


def test_on_postgresql_a_statement_is_prepared_once_per_connection(demo_app):
    """PostgreSQL parses and plans a Prepared statement once per connection (PREPARE/EXECUTE);
    a rolled-back transaction keeps it, and a read leaves the request re-runnable."""
    from zhurnal.core import db
    from zhurnal.plugins.roster.models import Student
    if not db.is_postgres():
        pytest.skip("PostgreSQL only")
    by_class = Prepared(lambda: Student.select(Student.id).where(Student.school_class == slot("cls"))
                        .order_by(Student.id))
    with demo_app.app_context():
        cls = Student.select().first().school_class_id
        expected = [s.id for s in Student.select(Student.id).where(Student.school_class == cls).order_by(Student.id)]
        token = db.wrote.set(False)
        try:
            assert [r[0] for r in by_class.rows(cls=cls)] == expected
            assert db.wrote.get() is False
        finally:
            db.wrote.reset(token)
        with db.database.atomic() as tx:
            assert [r[0] for r in by_class.rows(cls=cls)] == expected
            tx.rollback()
        assert [r[0] for r in by_class.rows(cls=-1)] == []
        names = [n for (n,) in db.database.execute_sql(
            "SELECT name FROM pg_prepared_statements WHERE name = %s", (by_class.name,)).fetchall()]
        assert names == [by_class.name]
