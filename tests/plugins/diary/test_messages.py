"""Messages between families and the school: threads, unread counts, announcements,
and the rule that guardians never reach other guardians."""
from __future__ import annotations

import re

from tests.conftest import login

from .helpers import audit_actions


def _unread(client) -> int:
    return client.get("/api/v1/messages/unread").get_json()["total"]


def test_family_writes_to_the_class_teacher_who_answers(ids, demo_app, caught):
    from zhurnal.plugins.diary import signals
    posted = caught(signals.message_posted)
    p1, kl = login(demo_app, "parent1"), login(demo_app, "klass5a")
    kl_before = _unread(kl)
    r = p1.post("/api/v1/messages/threads", json={"student_id": ids["student1"], "subject": "Справка",
                                                  "body": "Принесём справку в понедельник."})
    assert r.status_code == 201, r.get_json()
    th = r.get_json()
    assert th["kind"] == "direct" and th["student_id"] == ids["student1"]
    assert {m["user_id"] for m in th["members"]} == {ids["user_parent1"], ids["user_klass5a"]}
    assert posted[-1]["recipient_user_ids"] == [ids["user_klass5a"]] and posted[-1]["thread_id"] == th["id"]
    assert _unread(kl) == kl_before + 1
    listed = kl.get("/api/v1/messages/threads").get_json()
    assert listed["items"][0]["id"] == th["id"] and listed["items"][0]["unread"] == 1
    # reading marks it read
    read = kl.get(f"/api/v1/messages/threads/{th['id']}").get_json()
    assert [m["body"] for m in read["messages"]] == ["Принесём справку в понедельник."]
    assert _unread(kl) == kl_before
    p1_before = _unread(p1)
    ans = kl.post(f"/api/v1/messages/threads/{th['id']}/messages", json={"body": "Хорошо, жду."})
    assert ans.status_code == 201 and ans.get_json()["author"] == "Иванова Ольга Николаевна"
    assert posted[-1]["recipient_user_ids"] == [ids["user_parent1"]]
    assert _unread(p1) == p1_before + 1
    assert p1.get("/api/v1/messages/unread").get_json()["threads"][str(th["id"])] == 1


def test_guardians_cannot_reach_other_guardians(ids, demo_app, as_user):
    p1 = as_user("parent1")
    r = p1.post("/api/v1/messages/threads", json={"student_id": ids["student1"], "subject": "Вопрос", "body": "…",
                                                  "recipient_ids": [ids["user_parent2"]]})
    assert r.status_code == 422 and "recipient_ids" in r.get_json()["error"]["fields"]
    # nor write about somebody else's child
    r = p1.post("/api/v1/messages/threads", json={"student_id": ids["parent2_child"], "subject": "Вопрос", "body": "…"})
    assert r.status_code == 404
    # a subject teacher of the child may be addressed
    r = p1.post("/api/v1/messages/threads", json={"student_id": ids["student1"], "subject": "Д/з", "body": "Вопрос",
                                                  "recipient_ids": [ids["user_teacher"]]})
    assert r.status_code == 201


def test_teachers_write_to_the_families_of_their_students(ids, demo_app, as_user):
    t = as_user("teacher")
    r = t.post("/api/v1/messages/threads", json={"student_id": ids["student1"], "subject": "Контрольная",
                                                 "body": "Прошу проверить подготовку."})
    assert r.status_code == 201
    assert ids["user_parent1"] in {m["user_id"] for m in r.get_json()["members"] if m["side"] == "guardian"}
    # a teacher cannot address another teacher through a family thread
    r = t.post("/api/v1/messages/threads", json={"student_id": ids["student1"], "subject": "x", "body": "y",
                                                 "recipient_ids": [ids["user_klass5a"]]})
    assert r.status_code == 422
    # klass5a teaches only 5А: 6Б is not theirs
    r = as_user("klass5a").post("/api/v1/messages/threads", json={"student_id": ids["sibling"], "subject": "x",
                                                                  "body": "y"})
    assert r.status_code == 403
    assert as_user("nurse").post("/api/v1/messages/threads", json={"student_id": ids["student1"], "subject": "x",
                                                                   "body": "y"}).status_code == 403
    assert as_user("student1").get("/api/v1/messages/threads").status_code == 403
    r = t.post("/api/v1/messages/threads", json={"student_id": ids["student1"], "subject": "", "body": ""})
    assert r.status_code == 422 and {"subject", "body"} <= set(r.get_json()["error"]["fields"])


def test_class_announcement_reaches_every_family_and_takes_no_answers(ids, demo_app, caught):
    from zhurnal.plugins.diary import signals
    from zhurnal.plugins.roster import service as roster
    posted = caught(signals.message_posted)
    kl, p1, p2 = login(demo_app, "klass5a"), login(demo_app, "parent1"), login(demo_app, "parent2")
    p2_before = _unread(p2)
    r = kl.post(f"/api/v1/classes/{ids['class_5a']}/announcements",
                json={"subject": "Экскурсия", "body": "В пятницу едем в музей."})
    assert r.status_code == 201, r.get_json()
    th = r.get_json()
    with demo_app.app_context():
        sids = [s.id for s in roster.class_students(ids["class_5a"])]
        families = sorted({u for us in roster.guardian_user_ids(sids).values() for u in us})
    assert sorted(posted[-1]["recipient_user_ids"]) == families and len(families) > 2
    assert _unread(p2) == p2_before + 1
    seen = p2.get(f"/api/v1/messages/threads/{th['id']}").get_json()
    assert seen["can_reply"] is False
    # families do not see each other
    assert {m["side"] for m in seen["members"]} <= {"staff", "guardian"}
    assert [m["user_id"] for m in seen["members"] if m["side"] == "guardian"] == [ids["user_parent2"]]
    listed = next(t for t in p2.get("/api/v1/messages/threads").get_json()["items"] if t["id"] == th["id"])
    assert listed["with"] == ["Иванова Ольга Николаевна"]
    r = p1.post(f"/api/v1/messages/threads/{th['id']}/messages", json={"body": "А можно без обеда?"})
    assert r.status_code == 403
    assert kl.post(f"/api/v1/messages/threads/{th['id']}/messages", json={"body": "Обед берём с собой."}).status_code == 201
    assert kl.post(f"/api/v1/classes/{ids['class_6b']}/announcements", json={"subject": "x", "body": "y"}).status_code == 403
    assert p1.post(f"/api/v1/classes/{ids['class_5a']}/announcements", json={"subject": "x", "body": "y"}).status_code == 404


def test_threads_are_visible_to_members_only(ids, demo_app, as_user):
    r = as_user("parent1").post("/api/v1/messages/threads", json={"student_id": ids["student1"], "subject": "Личное",
                                                                  "body": "Только классному руководителю."})
    tid = r.get_json()["id"]
    assert as_user("klass5a").get(f"/api/v1/messages/threads/{tid}").status_code == 200
    for other in ("parent2", "teacher", "fizruk"):
        assert as_user(other).get(f"/api/v1/messages/threads/{tid}").status_code == 404, other
        assert as_user(other).post(f"/api/v1/messages/threads/{tid}/messages", json={"body": "x"}).status_code == 404
    assert as_user("klass5a").get("/api/v1/messages/threads/999999").status_code == 404
    denied = audit_actions(demo_app, "diary.access.denied", object_type="diary_thread", object_id=str(tid))
    assert sorted(d.login for d in denied) == ["fizruk", "fizruk", "parent2", "parent2", "teacher", "teacher"]
    assert as_user("parent2").get(f"/diary/messages/{tid}").status_code == 404


def test_thread_list_is_paged(ids, demo_app, as_user):
    p1 = as_user("parent1")
    for i in range(3):
        p1.post("/api/v1/messages/threads", json={"student_id": ids["student1"], "subject": f"Вопрос {i}", "body": "?"})
    page = p1.get("/api/v1/messages/threads?per_page=2&page=1").get_json()
    assert len(page["items"]) == 2 and page["total"] >= 5 and page["items"][0]["subject"] == "Вопрос 2"
    assert p1.get("/api/v1/messages/threads?per_page=0").status_code == 422


def test_message_pages(ids, demo_app, as_user):
    p1 = as_user("parent1")
    form = p1.get(f"/diary/messages/new?student_id={ids['student1']}").get_data(as_text=True)
    assert "классный руководитель" in form and f'value="{ids["user_klass5a"]}" checked' in form
    r = p1.post("/diary/messages/new", data={"student_id": ids["student1"], "subject": "Со страницы",
                                             "body": "Текст", "recipients": [str(ids["user_klass5a"])]})
    assert r.status_code == 302
    page = p1.get(r.headers["Location"])
    assert page.status_code == 200 and "Со страницы" in page.get_data(as_text=True)
    tid = int(r.headers["Location"].rsplit("/", 1)[1])
    assert p1.post(f"/diary/messages/{tid}", data={"body": "Ещё вопрос"}).status_code == 302
    assert p1.post(f"/diary/messages/{tid}", data={"body": ""}).status_code == 422
    assert p1.post("/diary/messages/new", data={"student_id": ids["student1"], "subject": "x", "body": "y",
                                                "recipients": [str(ids["user_parent2"])]}).status_code == 403
    lst = as_user("klass5a").get("/diary/messages").get_data(as_text=True)
    assert "Со страницы" in lst and "badge danger" in lst
    nav = as_user("klass5a").get("/").get_data(as_text=True)
    assert "Сообщения (" in nav
    # a subject teacher picks among the students of the classes they teach (maths: 5А..6Б)
    teacher = as_user("teacher").get("/diary/messages").get_data(as_text=True)
    assert f'value="{ids["student1"]}"' in teacher and f'value="{ids["sibling"]}"' in teacher
    fizruk = as_user("fizruk").get("/diary/messages").get_data(as_text=True)
    assert f'value="{ids["student1"]}"' in fizruk


def _teacher_of(demo_app, login_name: str, group) -> None:
    """A new teacher account (the demo password) teaching ``group`` only."""
    from zhurnal.core.identity.models import User
    from zhurnal.plugins.roster import service as roster
    from .helpers import user
    with demo_app.app_context():
        u = User.create(login=login_name, display_name=login_name, password_hash=user("teacher").password_hash,
                        school=group.school_id, must_change_password=False)
        roster.assign_teaching(u, group.subject, group=group)


def _listed(client) -> set[int]:
    return {int(v) for v in re.findall(r'<option value="(\d+)"', client.get("/diary/messages").get_data(as_text=True))}


def test_a_stream_teacher_writes_to_the_families_of_the_stream(ids, demo_app):
    """A teacher of a stream only (the 6th parallel's elective, no class of their own) picks among the
    stream's pupils, from both classes, and may write about each: the list is whom the permission lets
    them write about (a stream has no class: its pupils are found through its members, roster's rule)."""
    from zhurnal.plugins.roster import service as roster
    from zhurnal.plugins.roster.models import Student, StudyGroup
    with demo_app.app_context():
        stream = StudyGroup.get(StudyGroup.kind == "stream")
        members = {s.id for s in roster.group_students(stream.id)}
        outsider = Student.select().where(Student.school_class.in_({Student.get_by_id(m).school_class_id
                                                                     for m in members}) &
                                          Student.id.not_in(members)).first().id
        assert len({Student.get_by_id(m).school_class_id for m in members}) == 2
    _teacher_of(demo_app, "streamteacher", stream)
    c = login(demo_app, "streamteacher")
    assert _listed(c) == members
    for sid in sorted(members)[:1] + sorted(members)[-1:]:
        assert c.get(f"/diary/messages/new?student_id={sid}").status_code == 200
    assert c.get(f"/diary/messages/new?student_id={outsider}").status_code == 403


def test_a_group_teacher_picks_among_the_group_only(ids, demo_app):
    """A teacher of one English group of 5А is offered that group's pupils, not the class's others
    (whom they may not write about)."""
    from zhurnal.plugins.roster import service as roster
    from zhurnal.plugins.roster.models import StudyGroup
    with demo_app.app_context():
        grp = StudyGroup.get(StudyGroup.name == "5А английский, группа 1")
        members = {s.id for s in roster.group_students(grp.id)}
    _teacher_of(demo_app, "groupteacher", grp)
    assert _listed(login(demo_app, "groupteacher")) == members


def test_a_group_teacher_may_not_write_about_a_pupil_without_a_class(ids, demo_app):
    """A pupil without a class (not yet placed, or their class removed) is taught by nobody through a
    class: a teacher of some group only may not write to their family, and the family is offered the
    teachers of the pupil's own groups only (roster's rule, as the guardians' list says)."""
    from zhurnal.plugins.diary.messages import staff_of
    from zhurnal.plugins.roster import service as roster
    from zhurnal.plugins.roster.models import Student, StudyGroup
    with demo_app.app_context():
        stream = StudyGroup.get(StudyGroup.kind == "stream")
        pupil = roster.create_student(stream.school_id, None, {"last_name": "Новиков", "first_name": "Пётр"})
        assert roster.teachers_of_student(Student.get_by_id(pupil.id)) == set()
    _teacher_of(demo_app, "streamteacher", stream)
    c = login(demo_app, "streamteacher")
    assert pupil.id not in _listed(c)
    assert c.get(f"/diary/messages/new?student_id={pupil.id}").status_code == 403
    with demo_app.app_context():
        roster.set_group_members(stream, [s.id for s in roster.group_students(stream.id)] + [pupil.id])
        st = Student.get_by_id(pupil.id)
        teacher = roster.teachers_of_student(st)
        assert teacher and set(staff_of(st)) == teacher
    assert c.get(f"/diary/messages/new?student_id={pupil.id}").status_code == 200
    # and the pupil is among those the form offers, with no class after the name
    assert pupil.id in _listed(c)
    assert f'<option value="{pupil.id}">Новиков Пётр</option>' in c.get("/diary/messages").get_data(as_text=True)
