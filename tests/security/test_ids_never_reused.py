"""Finding 14: ids of versioned rows are never given again (SQLite AUTOINCREMENT; PostgreSQL sequences)."""
from __future__ import annotations

import peewee as pw
import pytest

from zhurnal.core import db, migrations
from tests.conftest import PG_URL, login
from tests.plugins.journal.helpers import journal_ids


def test_a_deleted_marks_id_is_not_given_to_the_next_mark(demo_app):
    ids = journal_ids(demo_app)
    teacher = login(demo_app, "teacher")
    lesson, a, b = ids["lesson_math_5a"], ids["other_5a"], ids["student1"]
    r = teacher.post("/api/v1/marks", json={"student_id": a, "lesson_id": lesson, "value": "3"})
    assert r.status_code == 201, r.get_json()
    old = r.get_json()
    assert teacher.delete(f"/api/v1/marks/{old['id']}?version={old['version']}").status_code == 204
    r = teacher.post("/api/v1/marks", json={"student_id": b, "lesson_id": lesson, "value": "5"})
    new = r.get_json()
    assert new["id"] != old["id"]
    # a client that still holds the deleted mark changes nothing
    r = teacher.patch(f"/api/v1/marks/{old['id']}", json={"version": old["version"], "value": "2"})
    assert r.status_code == 404
    assert teacher.get(f"/api/v1/marks/{new['id']}").get_json()["value"] == "5"
    old_history = teacher.get(f"/api/v1/marks/{old['id']}/history").get_json()
    assert {h["action"] for h in old_history} == {"created", "deleted"}
    assert all(h["student_id"] == a for h in old_history)
    new_history = teacher.get(f"/api/v1/marks/{new['id']}/history").get_json()
    assert [h["action"] for h in new_history] == ["created"] and new_history[0]["student_id"] == b


VERSIONED = ("journal_mark", "journal_attendance", "journal_lesson", "journal_term_mark", "roster_class",
             "roster_student", "roster_guardian", "roster_group", "health_sheet_record", "health_sheet_version")


@pytest.mark.skipif(bool(PG_URL), reason="SQLite tables only (PostgreSQL sequences never reuse)")
def test_existing_sqlite_tables_are_rebuilt_with_their_rows_and_references(demo_app):
    from zhurnal.core.cli import migrate_all
    from zhurnal.plugins.journal.models import History, Mark
    with demo_app.app_context():
        tables = {n: sql for n, sql in db.database.execute_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall()}
        for t in VERSIONED:
            assert "AUTOINCREMENT" in tables[t], t
        # make journal_mark as it was before: no AUTOINCREMENT, newest mark deleted
        marks_before = list(Mark.select().order_by(Mark.id).tuples())
        indexes_before = sorted(r[0] for r in db.database.execute_sql(
            "SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='journal_mark'").fetchall())
        db.database.execute_sql("PRAGMA foreign_keys = OFF")
        db.database.execute_sql("PRAGMA legacy_alter_table = ON")
        with db.database.atomic():
            db.database.execute_sql('ALTER TABLE journal_mark RENAME TO old_mark')
            for (name,) in db.database.execute_sql("SELECT name FROM sqlite_master WHERE type='index' AND "
                                                   "tbl_name='old_mark' AND sql IS NOT NULL").fetchall():
                db.database.execute_sql(f'DROP INDEX "{name}"')
            db.database.execute_sql(tables["journal_mark"].replace("AUTOINCREMENT", ""))
            db.database.execute_sql("INSERT INTO journal_mark SELECT * FROM old_mark")
            db.database.execute_sql("DROP TABLE old_mark")
            db.database.execute_sql("DELETE FROM sqlite_sequence WHERE name = 'journal_mark'")
        db.database.execute_sql("PRAGMA legacy_alter_table = OFF")
        db.database.execute_sql("PRAGMA foreign_keys = ON")
        assert "AUTOINCREMENT" not in db.database.execute_sql(
            "SELECT sql FROM sqlite_master WHERE name='journal_mark'").fetchone()[0]
        newest = Mark.select().order_by(Mark.id.desc()).first()
        Mark.delete().where(Mark.id == newest.id).execute()

        migrate_all(demo_app, echo=lambda *a: None)

        sql = db.database.execute_sql("SELECT sql FROM sqlite_master WHERE name='journal_mark'").fetchone()[0]
        assert "AUTOINCREMENT" in sql
        assert list(Mark.select().order_by(Mark.id).tuples()) == [m for m in marks_before if m[0] != newest.id]
        assert sorted(r[0] for r in db.database.execute_sql(
            "SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='journal_mark'").fetchall()) == indexes_before
        assert db.database.execute_sql("PRAGMA foreign_key_check").fetchall() == []
        # rows referring to marks by name still do (lessons cascade to their marks)
        fk = db.database.execute_sql("PRAGMA foreign_key_list(journal_mark)").fetchall()
        assert {r[2] for r in fk} >= {"journal_lesson", "roster_student"}
        # the next mark gets a new id: the sequence starts after the largest id kept
        kept = Mark.get_by_id(marks_before[0][0])
        m = Mark.create(lesson=kept.lesson_id, student=kept.student_id, value="4", kind=kept.kind_id)
        Mark.delete().where(Mark.id == m.id).execute()
        assert Mark.create(lesson=kept.lesson_id, student=kept.student_id, value="4", kind=kept.kind_id).id > m.id
        # a second migration leaves it alone
        assert not migrations._rebuild_with_autoincrement(Mark)
        assert History.select().count() > 0
