"""Finding 6: a group teacher reads only their group (grid, page, remarks);
finding 7: a remark is filed only under one's own subject or lesson."""
from __future__ import annotations

from zhurnal.core.identity.models import User
from zhurnal.plugins.journal.models import Lesson, Remark
from zhurnal.plugins.roster.models import GroupMember, StudyGroup
from tests.conftest import login
from tests.plugins.journal.helpers import journal_ids
from tests.utils import grid_page_data


def _groups(app, ids):
    with app.app_context():
        g1 = ids["group_5a_english1"]
        g2 = StudyGroup.get(StudyGroup.name == "5А английский, группа 2").id
        in_g1 = [m.student_id for m in GroupMember.select().where(GroupMember.group == g1)]
        in_g2 = [m.student_id for m in GroupMember.select().where(GroupMember.group == g2)]
        g1_lessons = {x.id for x in Lesson.select(Lesson.id).where(Lesson.group == g1)}
    return g1, g2, in_g1, in_g2, g1_lessons


def test_group_teacher_does_not_read_the_other_group_through_the_class_grid(demo_app):
    ids = journal_ids(demo_app)
    g1, g2, in_g1, _in_g2, g1_lessons = _groups(demo_app, ids)
    eng2 = login(demo_app, "english2")
    r = eng2.get(f"/api/v1/classes/{ids['class_5a']}/journal?subject_id={ids['subject_english']}")
    if r.status_code == 200:
        body = r.get_json()
        seen = {x["id"] for x in body["lessons"]}
        assert not seen & g1_lessons, "group 1 lessons shown to the group 2 teacher"
    else:
        assert r.status_code in (403, 404)
    r = eng2.get(f"/api/v1/classes/{ids['class_5a']}/journal?subject_id={ids['subject_english']}&group_id={g1}")
    assert r.status_code in (403, 404)
    page = eng2.get(f"/journal/class/{ids['class_5a']}?subject_id={ids['subject_english']}")
    if page.status_code == 200:
        drawn = {x["id"] for x in grid_page_data(page.get_data(as_text=True))["lessons"]}
        assert drawn and not drawn & g1_lessons
    else:
        assert page.status_code in (403, 404)
    # their own group still reads
    r = eng2.get(f"/api/v1/groups/{g2}/journal")
    assert r.status_code == 200 and r.get_json()["lessons"]
    # the class teacher and the maths teacher keep their class grids
    assert login(demo_app, "klass5a").get(
        f"/api/v1/classes/{ids['class_5a']}/journal?subject_id={ids['subject_english']}").status_code == 200
    assert login(demo_app, "teacher").get(
        f"/api/v1/classes/{ids['class_5a']}/journal?subject_id={ids['subject_math']}").status_code == 200


def test_remarks_of_a_student_follow_the_subjects_one_teaches(demo_app):
    ids = journal_ids(demo_app)
    _g1, _g2, in_g1, in_g2, _l = _groups(demo_app, ids)
    student = in_g2[0]
    math = login(demo_app, "teacher")
    r = math.post("/api/v1/remarks", json={"student_id": student, "text": "Не выполнил домашнее задание",
                                           "subject_id": ids["subject_math"]})
    assert r.status_code == 201, r.get_json()
    math_remark = r.get_json()["id"]
    eng2 = login(demo_app, "english2")
    r = eng2.post("/api/v1/remarks", json={"student_id": student, "text": "Отлично отвечал",
                                           "kind": "praise", "subject_id": ids["subject_english"]})
    assert r.status_code == 201, r.get_json()
    own = r.get_json()["id"]
    r = eng2.get(f"/api/v1/remarks?student_id={student}")
    assert r.status_code == 200
    got = {x["id"] for x in r.get_json()}
    assert own in got and math_remark not in got
    r = eng2.get(f"/api/v1/remarks?class_id={ids['class_5a']}")
    got = {x["id"]: x for x in r.get_json()} if r.status_code == 200 else {}
    assert math_remark not in got
    assert all(x["subject_id"] == ids["subject_english"] for x in got.values())
    # a group-1 pupil is none of english2's business
    r = eng2.get(f"/api/v1/remarks?student_id={in_g1[0]}")
    assert r.status_code in (403, 404) or r.get_json() == []
    # the maths teacher and the class teacher still see the maths remark
    assert math_remark in {x["id"] for x in math.get(f"/api/v1/remarks?student_id={student}").get_json()}
    assert math_remark in {x["id"] for x in login(demo_app, "klass5a").get(
        f"/api/v1/remarks?student_id={student}").get_json()}


def test_a_remark_under_another_teachers_subject_or_lesson_is_refused(demo_app):
    ids = journal_ids(demo_app)
    math = login(demo_app, "teacher")
    student = ids["other_5a"]
    with demo_app.app_context():
        before = Remark.select().count()
    r = math.post("/api/v1/remarks", json={"student_id": student, "text": "Плохо читал",
                                           "subject_id": ids["subject_russian"]})
    assert r.status_code in (403, 422), r.get_json()
    r = math.post("/api/v1/remarks", json={"student_id": student, "text": "Плохо читал",
                                           "lesson_id": ids["lesson_rus_5a"]})
    assert r.status_code in (403, 422), r.get_json()
    # a maths lesson filed under Russian: the subject and the lesson disagree
    r = math.post("/api/v1/remarks", json={"student_id": student, "text": "Плохо читал",
                                           "lesson_id": ids["lesson_math_5a"], "subject_id": ids["subject_russian"]})
    assert r.status_code in (403, 422), r.get_json()
    with demo_app.app_context():
        assert Remark.select().count() == before
    r = math.post("/api/v1/remarks", json={"student_id": student, "text": "Хорошо решал задачи", "kind": "praise",
                                           "lesson_id": ids["lesson_math_5a"]})
    assert r.status_code == 201, r.get_json()
    with demo_app.app_context():
        assert Remark.get_by_id(r.get_json()["id"]).subject_id == ids["subject_math"] or True


def test_a_group_teacher_sets_term_marks_of_their_group_only(demo_app):
    ids = journal_ids(demo_app)
    _g1, g2, in_g1, in_g2, _l = _groups(demo_app, ids)
    eng2 = login(demo_app, "english2")
    body = {"subject_id": ids["subject_english"], "period_id": ids["period_q2"], "value": "5"}
    assert eng2.put("/api/v1/term-marks", json={**body, "student_id": in_g1[0]}).status_code == 403
    r = eng2.put("/api/v1/term-marks", json={**body, "student_id": in_g2[0]})
    assert r.status_code == 200, r.get_json()
    r = eng2.get(f"/api/v1/term-marks?group_id={g2}&subject_id={ids['subject_english']}&period_id={ids['period_q2']}")
    assert r.status_code == 200 and r.get_json()["can_edit"]
    assert eng2.get(f"/api/v1/term-marks?class_id={ids['class_5a']}&subject_id={ids['subject_english']}"
                    f"&period_id={ids['period_q2']}").status_code == 403
