"""Saving a mark, the journal's hottest write: few statements, the answer as stored, all or nothing."""
from __future__ import annotations

import datetime as dt

import pytest

from zhurnal.core import audit
from zhurnal.core.identity.models import User
from zhurnal.plugins.journal import service
from zhurnal.plugins.journal.models import History, Lesson, Mark
from zhurnal.plugins.journal.schemas import JournalMarkOut, mark_json
from zhurnal.plugins.roster.models import GroupMember, Student, StudyGroup
from tests.conftest import TODAY, login
from tests.plugins.journal.test_marks import granted_app  # noqa: F401 - a fixture
from tests.utils import count_queries


def _maths_6b(ids) -> tuple[int, int]:
    """A held maths lesson of 6Б (another class the teacher teaches) and a student of it on no individual plan."""
    lesson = (Lesson.select()
              .where((Lesson.school_class == ids["class_6b"]) & (Lesson.subject == ids["subject_math"]) &
                     Lesson.group.is_null() & (Lesson.date <= TODAY) & (Lesson.cancelled == False) &  # noqa: E712
                     (Lesson.period == ids["period_q2"]))
              .order_by(Lesson.date.desc()).first())
    individual = GroupMember.select(GroupMember.student).join(StudyGroup).where(StudyGroup.kind == "individual")
    student = Student.select().where((Student.school_class == ids["class_6b"]) &
                                     Student.id.not_in(individual)).first()
    return lesson.id, student.id


def test_saving_changing_and_deleting_a_mark_take_a_constant_few_statements(demo_app, ids):
    with demo_app.app_context():
        other_lesson, other_student = _maths_6b(ids)
    c = login(demo_app, "teacher")
    c.get("/api/v1/me")
    counts = []
    for lesson, student in ((ids["lesson_math_5a"], ids["other_5a"]), (other_lesson, other_student)):
        with count_queries() as post:
            r = c.post("/api/v1/marks", json={"student_id": student, "lesson_id": lesson, "value": "5"})
        assert r.status_code == 201, r.get_json()
        with count_queries() as patch:
            assert c.patch(f"/api/v1/marks/{r.get_json()['id']}", json={"value": "4", "version": 1}).status_code == 200
        with count_queries() as delete:
            assert c.delete(f"/api/v1/marks/{r.get_json()['id']}").status_code == 204
        # the account (one statement); what the checks need; the period again inside the transaction;
        # the mark, its history; the audit (3)
        assert post.count <= 9, post.queries
        assert patch.count <= 9, patch.queries
        assert delete.count <= 9, delete.queries
        counts.append((post.count, patch.count, delete.count))
    assert counts[0] == counts[1]  # whatever the class


def test_the_answers_are_the_mark_as_stored(as_user, ids):
    c = as_user("teacher")
    r = c.post("/api/v1/marks", json={"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a"],
                                      "value": "5", "kind": "test", "comment": "к/р"})
    assert r.status_code == 201
    created = r.get_json()
    assert created == c.get(f"/api/v1/marks/{created['id']}").get_json()
    r = c.patch(f"/api/v1/marks/{created['id']}", json={"value": "4", "kind": "homework", "version": 1})
    assert r.status_code == 200
    changed = r.get_json()
    assert changed == c.get(f"/api/v1/marks/{created['id']}").get_json()
    assert (changed["value"], changed["numeric"], changed["kind"], changed["weight"], changed["version"],
            changed["comment"], changed["created_at"]) == ("4", 4.0, "homework", 1.0, 2, "к/р", created["created_at"])


def test_mark_json_is_what_the_schema_dumps(demo_app, ids):
    with demo_app.app_context():
        m = Mark.get_by_id(ids["mark_math_5a"])
        m.kind_code = "answer"
        assert mark_json(m) == JournalMarkOut().dump(m)
        m.numeric, m.teacher, m.comment = None, None, "зачёт"
        m.created_at = m.updated_at = dt.datetime(2026, 11, 26, 9, 30)  # no microseconds
        assert mark_json(m) == JournalMarkOut().dump(m)


def test_a_failed_write_leaves_nothing_half_written(demo_app, ids, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    with demo_app.app_context():
        teacher = User.get(User.login == "teacher")
        lesson, student = Lesson.get_by_id(ids["lesson_math_5a"]), Student.get_by_id(ids["other_5a"])
        kept = service.add_mark(lesson, student, "3", by=teacher)
        before = (Mark.select().count(), History.select().count(), audit.AuditEntry.select().count())
        monkeypatch.setattr(audit, "_digest", broken)  # the audit fails after the mark and its history are written
        with pytest.raises(RuntimeError):
            service.add_mark(lesson, student, "5", by=teacher)
        with pytest.raises(RuntimeError):
            service.update_mark(kept, {"value": "4"}, version=kept.version, by=teacher)
        with pytest.raises(RuntimeError):
            service.delete_mark(kept, by=teacher)
        monkeypatch.undo()
        assert (Mark.select().count(), History.select().count(), audit.AuditEntry.select().count()) == before
        assert Mark.get_by_id(kept.id).value == "3"
        assert audit.verify() == []


def test_a_change_from_an_editor_ahead_of_what_was_read_answers_the_stored_mark(demo_app, ids):
    """The context was read at version 1, another editor saved version 2, and this one saw it."""
    with demo_app.app_context():
        teacher = User.get(User.login == "teacher")
        lesson, student = Lesson.get_by_id(ids["lesson_math_5a"]), Student.get_by_id(ids["other_5a"])
        m = service.add_mark(lesson, student, "3", by=teacher)
        stale = service.mark_context(m.id)
        service.update_mark(m, {"comment": "пересдача"}, version=1, by=teacher)
        fresh = service.update_mark(stale.mark, {"value": "4"}, version=2, by=teacher, context=stale)
        stored = Mark.get_by_id(m.id)
        assert (fresh.value, fresh.comment, fresh.version) == (stored.value, stored.comment, stored.version) \
            == ("4", "пересдача", 3)


def test_closed_period_override_applies_to_changes_and_deletions_too(granted_app):  # noqa: F811
    from tests.plugins.journal.helpers import journal_ids
    ids = journal_ids(granted_app)
    c = login(granted_app, "teacher")
    r = c.post("/api/v1/marks", json={"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a_q1"],
                                      "value": "5"})
    assert r.status_code == 201, r.get_json()
    mark_id = r.get_json()["id"]
    assert c.patch(f"/api/v1/marks/{mark_id}", json={"value": "4", "version": 1}).status_code == 200
    assert c.delete(f"/api/v1/marks/{mark_id}?version=2").status_code == 204
    with granted_app.app_context():
        overrides = [e.payload for e in audit.AuditEntry.select().where(
            audit.AuditEntry.action == "journal.closed_period.edit").order_by(audit.AuditEntry.id)]
        assert overrides == [{"period": ids["period_q1"], "action": a} for a in ("mark.create", "mark.update",
                                                                                   "mark.delete")]
        assert audit.verify() == []


def test_a_change_from_an_editor_ahead_of_what_was_read_is_neither_lost_nor_misrecorded(demo_app, ids):
    """The context was read at version 1 ("3"), another editor saved "5" (version 2), and this
    editor, who saw "5", puts "3" back: the change is saved, and history and audit name the "5"
    it replaced (compared with the stale "3" it was taken for no change at all)."""
    with demo_app.app_context():
        teacher = User.get(User.login == "teacher")
        lesson, student = Lesson.get_by_id(ids["lesson_math_5a"]), Student.get_by_id(ids["other_5a"])
        m = service.add_mark(lesson, student, "3", by=teacher)
        stale = service.mark_context(m.id)
        service.update_mark(m, {"value": "5"}, version=1, by=teacher)
        fresh = service.update_mark(stale.mark, {"value": "3"}, version=2, by=teacher, context=stale)
        assert (fresh.value, fresh.version) == ("3", 3)
        assert (Mark.get_by_id(m.id).value, Mark.get_by_id(m.id).version) == ("3", 3)
        last = History.select().where((History.object_type == "mark") & (History.object_id == m.id)).order_by(
            History.id.desc()).first()
        assert (last.old, last.new) == ("5 (answer)", "3 (answer)")
        entry = audit.AuditEntry.select().where(audit.AuditEntry.action == "journal.mark.update").order_by(
            audit.AuditEntry.id.desc()).first()
        assert entry.payload["value"] == ["5", "3"]

        stale = service.mark_context(m.id)
        service.update_mark(m, {"value": "4"}, version=3, by=teacher)
        service.delete_mark(stale.mark, version=4, by=teacher, context=stale)
        last = History.select().where((History.object_type == "mark") & (History.object_id == m.id)).order_by(
            History.id.desc()).first()
        assert (last.action, last.old) == ("deleted", "4 (answer)")
        assert audit.verify() == []


def test_a_period_closed_after_the_checks_read_it_is_still_refused(demo_app, ids):
    """The checks read the lesson's period before the write; a period closed in between must
    still refuse the mark (422 closed), with nothing written."""
    from zhurnal.plugins.roster import service as roster
    from zhurnal.plugins.roster.models import Period
    with demo_app.test_request_context():
        teacher = User.get(User.login == "teacher")
        lesson = Lesson.get_by_id(ids["lesson_math_5a"])
        ctx = service.mark_target(lesson.id, ids["other_5a"], "answer")
        assert ctx is not None and not ctx.closed
        roster.set_period_closed(Period.get_by_id(lesson.period_id), True, by=teacher)
        marks, history, entries = Mark.select().count(), History.select().count(), audit.AuditEntry.select().count()
        with pytest.raises(service.Invalid) as e:
            service.add_mark(lesson, ids["other_5a"], "5", by=teacher, context=ctx)
        assert e.value.fields == {"lesson_id": service.CLOSED_MESSAGE}
        assert (Mark.select().count(), History.select().count(), audit.AuditEntry.select().count()) == \
            (marks, history, entries)
