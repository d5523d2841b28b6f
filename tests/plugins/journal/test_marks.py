"""Marks and attendance through the API: saving, validation, stale edits, closed periods, history, signals."""
from __future__ import annotations

import contextlib

import pytest

from zhurnal.plugins.journal import signals
from zhurnal.core.audit import AuditEntry
from zhurnal.plugins.journal.models import Attendance, History, Lesson, Mark
from zhurnal.plugins.roster.models import Period, Student
from tests.conftest import TODAY, login


@contextlib.contextmanager
def caught(signal):
    got = []

    def rec(sender, **kw):
        got.append(kw)
    with signal.connected_to(rec):
        yield got


def _count(app, model, *where):
    with app.app_context():
        q = model.select()
        for w in where:
            q = q.where(w)
        return q.count()


def test_teacher_gives_a_mark_recorded_in_history_audit_and_signal(demo_app, as_user, ids):
    with caught(signals.mark_saved) as sent:
        r = as_user("teacher").post("/api/v1/marks", json={"student_id": ids["other_5a"],
                                                           "lesson_id": ids["lesson_math_5a"], "value": "5",
                                                           "kind": "homework", "comment": "Молодец"})
    assert r.status_code == 201, r.get_json()
    m = r.get_json()
    assert (m["value"], m["kind"], m["comment"], m["version"], m["weight"]) == ("5", "homework", "Молодец", 1, 1.0)
    with demo_app.app_context():
        lesson = Lesson.get_by_id(ids["lesson_math_5a"])
        assert Mark.get_by_id(m["id"]).numeric == 5.0
        h = History.get((History.object_type == "mark") & (History.object_id == m["id"]))
        assert (h.action, h.old, h.new, h.by_id) == ("created", None, "5 (homework)", ids["user_teacher"])
        entry = AuditEntry.select().where(AuditEntry.action == "journal.mark.create").order_by(AuditEntry.id.desc()).get()
        assert entry.object_id == str(m["id"]) and entry.payload["value"] == "5"
    assert len(sent) == 1
    kw = sent[0]
    assert kw["mark_id"] == m["id"] and kw["student_id"] == ids["other_5a"] and kw["lesson_id"] == lesson.id
    assert kw["subject_id"] == ids["subject_math"] and kw["class_id"] == ids["class_5a"]
    assert (kw["value"], kw["old_value"], kw["action"]) == ("5", None, "created")
    assert kw["by"].login == "teacher" and kw["school_id"] == ids["school"]


@pytest.mark.parametrize("body, field", [
    ({"value": "6"}, "value"),
    ({"value": "зач"}, "value"),
    ({"kind": "nonsense"}, "kind"),
    ({"student_id": "other_class"}, "student_id"),
    ({"student_id": 999999}, "student_id"),
    ({"lesson_id": 999999}, "lesson_id"),
    ({"lesson_id": "closed"}, "lesson_id"),
    ({"lesson_id": "future"}, "lesson_id"),
    ({"value": None}, "value"),
])
def test_invalid_marks_are_422_with_the_field_and_nothing_saved(demo_app, as_user, ids, body, field):
    with demo_app.app_context():
        other = Student.select().where(Student.school_class == ids["class_5b"]).first().id
        future = (Lesson.select().where((Lesson.school_class == ids["class_5a"]) & (Lesson.date > TODAY) &
                                        (Lesson.subject == ids["subject_math"])).first().id)
    subst = {"other_class": other, "closed": ids["lesson_math_5a_q1"], "future": future}
    payload = {"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a"], "value": "4"}
    payload.update({k: subst.get(v, v) if isinstance(v, str) else v for k, v in body.items()})
    before = _count(demo_app, Mark)
    r = as_user("teacher").post("/api/v1/marks", json=payload)
    assert r.status_code == 422, r.get_json()
    assert field in r.get_json()["error"]["fields"]
    assert _count(demo_app, Mark) == before


def test_stale_edit_two_teachers_one_wins_one_gets_409_with_current_value(demo_app, ids):
    a, b = login(demo_app, "teacher"), login(demo_app, "teacher")
    m = a.post("/api/v1/marks", json={"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a"],
                                      "value": "3"}).get_json()
    ra = a.patch(f"/api/v1/marks/{m['id']}", json={"value": "4", "version": m["version"]})
    rb = b.patch(f"/api/v1/marks/{m['id']}", json={"value": "2", "version": m["version"]})
    assert ra.status_code == 200 and ra.get_json()["version"] == 2
    assert rb.status_code == 409
    err = rb.get_json()["error"]
    assert err["code"] == "conflict" and err["current"]["value"] == "4" and err["current"]["version"] == 2
    with demo_app.app_context():
        assert Mark.get_by_id(m["id"]).value == "4"
        hist = [(h.action, h.old, h.new) for h in History.select().where(
            (History.object_type == "mark") & (History.object_id == m["id"])).order_by(History.id)]
    assert hist == [("created", None, "3 (answer)"), ("updated", "3 (answer)", "4 (answer)")]
    # the loser reloads and saves on the current version
    assert b.patch(f"/api/v1/marks/{m['id']}", json={"value": "2", "version": 2}).status_code == 200


def test_patch_and_delete_send_signals_and_keep_history(demo_app, as_user, ids):
    c = as_user("teacher")
    m = c.post("/api/v1/marks", json={"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a"],
                                      "value": "3"}).get_json()
    with caught(signals.mark_saved) as sent:
        r = c.patch(f"/api/v1/marks/{m['id']}", json={"value": "4", "version": 1, "comment": "пересдал",
                                                      "kind": "test"})
        assert r.status_code == 200 and r.get_json()["kind"] == "test" and r.get_json()["weight"] == 1.5
        assert c.delete(f"/api/v1/marks/{m['id']}?version=1").status_code == 409
        assert c.delete(f"/api/v1/marks/{m['id']}?version=2").status_code == 204
    assert [(s["action"], s["value"], s["old_value"]) for s in sent] == [("updated", "4", "3"), ("deleted", None, "4")]
    assert _count(demo_app, Mark, Mark.id == m["id"]) == 0
    hist = as_user("klass5a").get(f"/api/v1/marks/{m['id']}/history")
    assert hist.status_code == 200
    assert [(h["action"], h["old"], h["new"]) for h in hist.get_json()] == [
        ("created", None, "3 (answer)"), ("updated", "3 (answer)", "4 (test)"), ("deleted", "4 (test)", None)]
    assert hist.get_json()[0]["by"] == "Соколова Марина Сергеевна"


def test_several_marks_per_lesson_and_a_comment_each(demo_app, as_user, ids):
    c = as_user("teacher")
    for v, kind in (("5", "answer"), ("4", "homework"), ("3", "independent")):
        assert c.post("/api/v1/marks", json={"student_id": ids["student1"], "lesson_id": ids["lesson_math_5a"],
                                             "value": v, "kind": kind, "comment": f"к {v}"}).status_code == 201
    grid = c.get(f"/api/v1/classes/{ids['class_5a']}/journal?subject_id={ids['subject_math']}").get_json()
    mine = [m for m in grid["marks"] if m["student_id"] == ids["student1"] and m["lesson_id"] == ids["lesson_math_5a"]]
    assert [m["value"] for m in mine][-3:] == ["5", "4", "3"]
    assert {m["comment"] for m in mine} >= {"к 5", "к 4", "к 3"}


def test_attendance_set_change_clear_with_history_and_signals(demo_app, as_user, ids):
    c = as_user("teacher")
    body = {"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a"]}
    with demo_app.app_context():
        Attendance.delete().where((Attendance.lesson == ids["lesson_math_5a"]) &
                                  (Attendance.student == ids["other_5a"])).execute()
    with caught(signals.attendance_saved) as sent:
        r = c.put("/api/v1/attendance", json=dict(body, status="absent"))
        assert r.status_code == 200 and r.get_json()["status"] == "absent" and r.get_json()["version"] == 1
        # a stale version (another teacher saw "no record") is refused with the current state
        r = c.put("/api/v1/attendance", json=dict(body, status="late", version=0))
        assert r.status_code == 409 and r.get_json()["error"]["current"]["status"] == "absent"
        assert c.put("/api/v1/attendance", json=dict(body, status="ill", version=1)).get_json()["status"] == "ill"
        r = c.put("/api/v1/attendance", json=dict(body, status=None))
        assert r.status_code == 200 and r.get_json()["status"] is None
        assert c.put("/api/v1/attendance", json=dict(body, status="present")).status_code == 200
    assert [(s["status"], s["old_status"]) for s in sent] == [("absent", None), ("ill", "absent"), (None, "ill")]
    assert all(s["student_id"] == ids["other_5a"] and s["lesson_id"] == ids["lesson_math_5a"]
               and s["school_id"] == ids["school"] and s["by"].login == "teacher" for s in sent)
    hist = as_user("director").get(f"/api/v1/lessons/{ids['lesson_math_5a']}/students/{ids['other_5a']}/history")
    att = [(h["action"], h["old"], h["new"]) for h in hist.get_json() if h["object_type"] == "attendance"]
    assert att[-3:] == [("created", None, "absent"), ("updated", "absent", "ill"), ("deleted", "ill", None)]


@pytest.mark.parametrize("body, field", [({"status": "sick"}, "status"), ({"lesson_id": 999999}, "lesson_id"),
                                         ({"lesson_id": "closed"}, "lesson_id"), ({"student_id": None}, "student_id")])
def test_invalid_attendance_is_422(demo_app, as_user, ids, body, field):
    payload = {"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a"], "status": "absent"}
    payload.update({k: ids["lesson_math_5a_q1"] if v == "closed" else v for k, v in body.items()})
    before = _count(demo_app, Attendance)
    r = as_user("teacher").put("/api/v1/attendance", json=payload)
    assert r.status_code == 422 and field in r.get_json()["error"]["fields"], r.get_json()
    assert _count(demo_app, Attendance) == before


def test_api_requires_json_body(as_user, ids):
    r = as_user("teacher").post("/api/v1/marks", data={"student_id": ids["other_5a"]})
    assert r.status_code == 415


# --- who may write ------------------------------------------------------------------------------------------

def test_class_teacher_edits_only_the_subject_she_teaches(as_user, ids):
    c = as_user("klass5a")
    maths = {"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a"], "value": "5"}
    russian = {"student_id": ids["other_5a"], "lesson_id": ids["lesson_rus_5a"], "value": "5"}
    assert c.post("/api/v1/marks", json=maths).status_code == 403
    assert c.put("/api/v1/attendance", json={"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a"],
                                             "status": "absent"}).status_code == 403
    assert c.post("/api/v1/marks", json=russian).status_code == 201
    # she reads the maths journal of her class, with nothing editable
    grid = c.get(f"/api/v1/classes/{ids['class_5a']}/journal?subject_id={ids['subject_math']}").get_json()
    assert grid["lessons"] and not any(x["editable"] or x["lesson_editable"] for x in grid["lessons"])
    grid = c.get(f"/api/v1/classes/{ids['class_5a']}/journal?subject_id={ids['subject_russian']}").get_json()
    assert any(x["editable"] for x in grid["lessons"])


@pytest.mark.parametrize("login_name, status", [("director", 403), ("deputy", 403), ("fizruk", 403),
                                                ("parent1", 403), ("student1", 403), ("nurse", 403)])
def test_others_may_not_write_marks(as_user, ids, login_name, status):
    r = as_user(login_name).post("/api/v1/marks", json={"student_id": ids["student1"],
                                                        "lesson_id": ids["lesson_math_5a"], "value": "5"})
    assert r.status_code == status


def test_parents_and_students_never_see_the_journal(as_user, ids):
    for name in ("parent1", "student1"):
        c = as_user(name)
        assert c.get(f"/api/v1/classes/{ids['class_5a']}/journal?subject_id={ids['subject_math']}").status_code == 403
        assert c.get(f"/api/v1/lessons/{ids['lesson_math_5a']}").status_code == 403
        assert c.get(f"/api/v1/marks/{ids['mark_math_5a']}").status_code == 403
        assert c.get(f"/journal/class/{ids['class_5a']}?subject_id={ids['subject_math']}").status_code == 403


def test_substitute_teacher_may_edit_the_lesson_she_gives(demo_app, ids):
    with demo_app.app_context():
        Lesson.update(teacher=ids["user_klass6a"]).where(Lesson.id == ids["lesson_math_5a"]).execute()
    c = login(demo_app, "klass6a")
    r = c.post("/api/v1/marks", json={"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a"], "value": "4"})
    assert r.status_code == 201
    other = c.post("/api/v1/marks", json={"student_id": ids["other_5a"], "lesson_id": ids["lesson_rus_5a"],
                                          "value": "4"})
    assert other.status_code == 403


def test_english_group_teacher_marks_only_her_group(demo_app, ids):
    with demo_app.app_context():
        from zhurnal.plugins.roster.models import GroupMember
        in_group = {s for (s,) in GroupMember.select(GroupMember.student)
                    .where(GroupMember.group == ids["group_5a_english1"]).tuples()}
        outsider = Student.select().where((Student.school_class == ids["class_5a"]) &
                                          Student.id.not_in(list(in_group))).first().id
        member = sorted(in_group)[0]
    c = login(demo_app, "english1")
    body = {"lesson_id": ids["lesson_eng_5a"], "value": "5"}
    assert c.post("/api/v1/marks", json=dict(body, student_id=member)).status_code == 201
    r = c.post("/api/v1/marks", json=dict(body, student_id=outsider))
    assert r.status_code == 422 and "student_id" in r.get_json()["error"]["fields"]
    assert login(demo_app, "english2").post("/api/v1/marks", json=dict(body, student_id=member)).status_code == 403


# --- closed periods ---------------------------------------------------------------------------------------

def test_closing_a_period_stops_edits_and_reopening_allows_them(demo_app, as_user, ids):
    body = {"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a"], "value": "4"}
    assert as_user("teacher").post("/api/v1/marks", json=body).status_code == 201
    assert as_user("teacher").post(f"/api/v1/periods/{ids['period_q2']}/close").status_code == 403
    r = as_user("deputy").post(f"/api/v1/periods/{ids['period_q2']}/close")
    assert r.status_code == 200 and r.get_json()["closed"] is True
    r = as_user("teacher").post("/api/v1/marks", json=body)
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "period_closed"
    assert "lesson_id" in r.get_json()["error"]["fields"]
    grid = as_user("teacher").get(f"/api/v1/classes/{ids['class_5a']}/journal?subject_id={ids['subject_math']}")
    assert not any(x["editable"] for x in grid.get_json()["lessons"])
    assert as_user("director").post(f"/api/v1/periods/{ids['period_q2']}/reopen").get_json()["closed"] is False
    assert as_user("teacher").post("/api/v1/marks", json=body).status_code == 201
    with demo_app.app_context():
        actions = [e.action for e in AuditEntry.select().where(AuditEntry.action.startswith("journal.period."))]
    assert actions == ["journal.period.close", "journal.period.reopen"]


def test_closed_period_refuses_patch_and_delete_of_old_marks(demo_app, as_user, ids):
    with demo_app.app_context():
        old = Mark.select().where(Mark.lesson == ids["lesson_math_5a_q1"]).first()
        assert Period.get_by_id(ids["period_q1"]).closed_at is not None
    c = as_user("teacher")
    r = c.patch(f"/api/v1/marks/{old.id}", json={"value": "5" if old.value != "5" else "4", "version": old.version})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "period_closed"
    assert c.delete(f"/api/v1/marks/{old.id}").status_code == 422
    with demo_app.app_context():
        assert Mark.get_by_id(old.id).value == old.value


@pytest.fixture
def granted_app(databases, demo_template):
    """The demo school in a deployment that grants teachers the closed-period override."""
    from tests.conftest import BUILTIN_PLUGINS, _close_app, build_app
    template, _info = demo_template
    url = databases.new_url(template=template)
    app = build_app(url, BUILTIN_PLUGINS, migrate=False, grants={"teacher": ["journal.closed_period.edit"]})
    yield app
    _close_app(app)
    databases.drop(url)


def test_explicit_grant_edits_a_closed_period_and_is_audited(granted_app):
    from tests.plugins.journal.helpers import journal_ids
    ids = journal_ids(granted_app)
    c = login(granted_app, "teacher")
    r = c.post("/api/v1/marks", json={"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a_q1"],
                                      "value": "5"})
    assert r.status_code == 201, r.get_json()
    with granted_app.app_context():
        e = AuditEntry.select().where(AuditEntry.action == "journal.closed_period.edit").get()
        assert e.payload == {"period": ids["period_q1"], "action": "mark.create"} and e.login == "teacher"
    # the grant does not widen what a teacher teaches
    r = login(granted_app, "klass5a").post("/api/v1/marks", json={"student_id": ids["other_5a"],
                                                                   "lesson_id": ids["lesson_math_5a_q1"], "value": "5"})
    assert r.status_code == 403
