"""A stream: one study group gathering students of several classes (6А and 6Б), its own teacher."""
from __future__ import annotations

import pytest

from zhurnal.plugins.journal import signals
from zhurnal.plugins.journal.models import Lesson
from zhurnal.plugins.roster.models import GroupMember, SchoolClass, Student, StudyGroup
from tests.conftest import TODAY
from tests.plugins.journal.test_marks import caught
from tests.utils import grid_page_data


@pytest.fixture
def stream(demo_app, ids):
    with demo_app.app_context():
        grp = StudyGroup.get(StudyGroup.kind == "stream")
        c6a = SchoolClass.get((SchoolClass.parallel == 6) & (SchoolClass.letter == "А")).id
        members = {sid: cls for sid, cls in Student.select(Student.id, Student.school_class).join(GroupMember)
                   .where(GroupMember.group == grp.id).tuples()}
        outsider = Student.select().where((Student.school_class == c6a) &
                                          Student.id.not_in(list(members))).first().id
        lesson = (Lesson.select().where((Lesson.group == grp.id) & (Lesson.date <= TODAY) &
                                        (Lesson.period == ids["period_q2"])).order_by(Lesson.date.desc()).first())
    return {"group": grp.id, "subject": grp.subject_id, "class_6a": c6a, "members": members,
            "outsider": outsider, "lesson": lesson.id}


def test_stream_lessons_carry_no_class_and_its_teacher_marks_members_of_both_classes(demo_app, as_user, ids, stream):
    lesson = as_user("klass6b").get(f"/api/v1/lessons/{stream['lesson']}").get_json()
    assert lesson["class_id"] is None and lesson["group_id"] == stream["group"]
    from_6a = next(s for s, c in stream["members"].items() if c == stream["class_6a"])
    with caught(signals.mark_saved) as sent:
        r = as_user("klass6b").post("/api/v1/marks", json={"student_id": from_6a, "lesson_id": stream["lesson"],
                                                           "value": "5"})
    assert r.status_code == 201, r.get_json()
    assert sent[0]["class_id"] == stream["class_6a"]  # the student's class: the lesson has none
    r = as_user("klass6b").post("/api/v1/marks", json={"student_id": stream["outsider"],
                                                       "lesson_id": stream["lesson"], "value": "5"})
    assert r.status_code == 422 and "student_id" in r.get_json()["error"]["fields"]
    # the 6А class teacher does not teach it: reads, never writes
    assert as_user("klass6a").post("/api/v1/marks", json={"student_id": from_6a, "lesson_id": stream["lesson"],
                                                          "value": "4"}).status_code == 403
    # a lesson by hand for the stream has no class either
    r = as_user("klass6b").post("/api/v1/lessons", json={"date": TODAY.isoformat(), "group_id": stream["group"],
                                                         "subject_id": stream["subject"], "number": 8})
    assert r.status_code == 201 and r.get_json()["class_id"] is None


def test_stream_grid_shows_a_class_teacher_only_her_own_classs_members(as_user, stream):
    url = f"/api/v1/groups/{stream['group']}/journal"
    everyone = sorted(stream["members"])
    for login_name in ("klass6b", "director"):  # the stream's teacher, the administration
        g = as_user(login_name).get(url).get_json()
        assert sorted(s["id"] for s in g["students"]) == everyone, login_name
    g = as_user("klass6a").get(url).get_json()
    mine = sorted(s for s, c in stream["members"].items() if c == stream["class_6a"])
    assert mine and sorted(s["id"] for s in g["students"]) == mine
    assert {m["student_id"] for m in g["marks"]} <= set(mine)
    page = as_user("klass6a").get(f"/journal/group/{stream['group']}").get_data(as_text=True)
    other = next(s for s, c in stream["members"].items() if c != stream["class_6a"])
    drawn = [s["id"] for s in grid_page_data(page)["students"]]   # the rows static/grid_table.js draws
    assert sorted(drawn) == mine and other not in drawn
    assert as_user("klass5a").get(url).status_code == 403


def test_class_grid_and_control_works_include_the_stream(demo_app, as_user, ids, stream):
    g = as_user("director").get(f"/api/v1/classes/{stream['class_6a']}/journal?subject_id={stream['subject']}"
                                f"&period_id={ids['period_q2']}").get_json()
    col = next(x for x in g["lessons"] if x["id"] == stream["lesson"])
    assert set(col["students"]) == set(stream["members"])
    with demo_app.app_context():
        Lesson.update(is_control=True, control_title="Тест по финграмотности").where(
            Lesson.id == stream["lesson"]).execute()
    cw = as_user("klass6a").get(f"/api/v1/classes/{stream['class_6a']}/control-works?period_id={ids['period_q2']}")
    assert stream["lesson"] in [x["id"] for x in cw.get_json()]
    member = next(iter(stream["members"]))
    assert stream["lesson"] in [x["id"] for x in as_user("director").get(
        f"/api/v1/students/{member}/control-works?period_id={ids['period_q2']}").get_json()]
    assert stream["lesson"] not in [x["id"] for x in as_user("director").get(
        f"/api/v1/students/{stream['outsider']}/control-works?period_id={ids['period_q2']}").get_json()]


def test_a_stream_slot_is_in_both_classes_timetables_and_in_its_members_own(demo_app, as_user, ids, stream):
    """One rule of which slots are a class's (roster's ``given_to_class``) and one of which concern a pupil
    (``pupil_condition``): the stream's slots are in 6А's and 6Б's timetables, in a member's timetable
    and diary calendar, not in a classmate's outside the stream; their scope is both classes."""
    from zhurnal.plugins.journal import service
    from zhurnal.plugins.journal.models import TimetableEntry
    from zhurnal.plugins.journal.scope import scope_of
    with demo_app.test_request_context():
        slots = {e.id for e in TimetableEntry.select().where(TimetableEntry.group == stream["group"])}
        assert slots and all(TimetableEntry.get_by_id(e).school_class_id is None for e in slots)
        classes = set(stream["members"].values())
        assert len(classes) == 2
        assert all(scope_of(TimetableEntry.get_by_id(e)).class_ids == classes for e in slots)
        member = next(iter(stream["members"]))
        assert slots <= {e.id for e in service.timetable_for_student(member)}
        assert not slots & {e.id for e in service.timetable_for_student(stream["outsider"])}
    for cid in classes:
        tt = as_user("director").get(f"/api/v1/classes/{cid}/timetable").get_json()
        assert slots <= {e["id"] for e in tt["entries"] if e["class_id"] is None}
    group_name = StudyGroup.get_by_id(stream["group"]).name

    def calendar_groups(sid):
        days = as_user("director").get(f"/api/v1/students/{sid}/calendar").get_json()["timetable"]
        return {x["group"] for d in days for x in d["lessons"]}
    assert group_name in calendar_groups(member)
    assert group_name not in calendar_groups(stream["outsider"])
