"""Lessons by hand, topics and homework, term marks, remarks."""
from __future__ import annotations

from zhurnal.plugins.journal import signals
from zhurnal.plugins.journal.models import TermMark
from tests.conftest import TODAY
from tests.plugins.journal.test_marks import caught


def test_teacher_adds_a_lesson_by_hand(demo_app, as_user, ids):
    with caught(signals.lesson_changed) as changed, caught(signals.homework_set) as hw:
        r = as_user("teacher").post("/api/v1/lessons", json={
            "date": TODAY.isoformat(), "class_id": ids["class_5a"], "subject_id": ids["subject_math"], "number": 7,
            "topic": "Консультация", "homework": "№ 600", "is_control": True, "control_title": "Проверочная",
            "homework_links": [{"title": "РЭШ", "url": "https://resh.edu.ru/subject/lesson/7731/"}]})
    assert r.status_code == 201, r.get_json()
    x = r.get_json()
    assert (x["topic"], x["class_id"], x["period_id"], x["teacher"]) == (
        "Консультация", ids["class_5a"], ids["period_q2"], "Соколова Марина Сергеевна")
    assert x["homework_links"][0]["url"].startswith("https://resh.edu.ru")
    assert changed[0]["lesson_id"] == x["id"] and changed[0]["action"] == "created"
    assert hw[0]["text"] == "№ 600" and hw[0]["class_id"] == ids["class_5a"] and hw[0]["group_id"] is None
    cw = as_user("klass5a").get(f"/api/v1/classes/{ids['class_5a']}/control-works?from={TODAY}&to={TODAY}")
    assert x["id"] in [c["id"] for c in cw.get_json()]


def test_lesson_for_an_individual_plan_student(demo_app, as_user, ids):
    with demo_app.app_context():
        from zhurnal.plugins.roster.models import GroupMember, StudyGroup
        grp = StudyGroup.get(StudyGroup.kind == "individual")
        sid = GroupMember.get(GroupMember.group == grp.id).student_id
    r = as_user("teacher").post("/api/v1/lessons", json={"date": TODAY.isoformat(), "student_id": sid,
                                                         "subject_id": ids["subject_math"], "number": 8})
    assert r.status_code == 201 and r.get_json()["group_id"] == grp.id
    r = as_user("teacher").post("/api/v1/lessons", json={"date": TODAY.isoformat(), "student_id": ids["other_5a"],
                                                         "subject_id": ids["subject_math"]})
    assert r.status_code == 422 and "student_id" in r.get_json()["error"]["fields"]


def test_lesson_dates_on_holidays_closed_periods_or_outside_the_year_are_refused(demo_app, as_user, ids):
    base = {"class_id": ids["class_5a"], "subject_id": ids["subject_math"]}
    c = as_user("teacher")
    for day in ("2026-11-02", "2026-10-05", "2027-07-01"):  # autumn holidays, closed 1st quarter, summer
        r = c.post("/api/v1/lessons", json=dict(base, date=day))
        assert r.status_code == 422 and "date" in r.get_json()["error"]["fields"], (day, r.get_json())
    r = c.post("/api/v1/lessons", json=dict(base, date=TODAY.isoformat(), group_id=ids["group_5a_english1"]))
    assert r.status_code == 422 and "class_id" in r.get_json()["error"]["fields"]
    assert as_user("klass5a").post("/api/v1/lessons", json=dict(base, date=TODAY.isoformat())).status_code == 403


def test_patch_lesson_homework_is_versioned_and_signalled(demo_app, as_user, ids):
    c = as_user("teacher")
    lesson = c.get(f"/api/v1/lessons/{ids['lesson_math_5a']}").get_json()
    with caught(signals.homework_set) as hw, caught(signals.lesson_changed) as changed:
        r = c.patch(f"/api/v1/lessons/{lesson['id']}", json={"version": lesson["version"], "homework": "№ 700",
                                                              "topic": "Новая тема"})
        assert r.status_code == 200 and r.get_json()["version"] == lesson["version"] + 1
        stale = c.patch(f"/api/v1/lessons/{lesson['id']}", json={"version": lesson["version"], "topic": "Другая"})
    assert stale.status_code == 409 and stale.get_json()["error"]["current"]["topic"] == "Новая тема"
    assert [h["text"] for h in hw] == ["№ 700"] and changed[0]["action"] == "updated"
    assert hw[0]["lesson_id"] == lesson["id"] and hw[0]["by"].login == "teacher"
    r = c.patch(f"/api/v1/lessons/{lesson['id']}", json={"version": lesson["version"] + 1, "topic": "x" * 301})
    assert r.status_code == 422 and "topic" in r.get_json()["error"]["fields"]


def test_term_marks_proposed_from_weighted_average_and_set_by_teacher(demo_app, as_user, ids):
    c = as_user("teacher")
    url = f"/api/v1/term-marks?class_id={ids['class_5a']}&subject_id={ids['subject_math']}&period_id="
    q1 = c.get(url + str(ids["period_q1"])).get_json()
    row = next(x for x in q1["items"] if x["student_id"] == ids["other_5a"])
    assert row["value"] == row["proposed"] and row["average"] is not None  # the demo set them from averages
    q2 = c.get(url + str(ids["period_q2"])).get_json()
    assert q2["can_edit"] is True
    body = {"student_id": ids["other_5a"], "subject_id": ids["subject_math"], "period_id": ids["period_q2"]}
    r = c.put("/api/v1/term-marks", json=dict(body, value="5"))
    assert r.status_code == 200 and r.get_json()["value"] == "5" and r.get_json()["version"] == 1
    r = c.put("/api/v1/term-marks", json=dict(body, value="4", version=0))
    assert r.status_code == 409 and r.get_json()["error"]["current"]["value"] == "5"
    r = c.put("/api/v1/term-marks", json=dict(body, value="7"))
    assert r.status_code == 422 and "value" in r.get_json()["error"]["fields"]
    r = c.put("/api/v1/term-marks", json=dict(body, period_id=ids["period_q1"], value="5"))
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "period_closed"
    assert as_user("klass5a").put("/api/v1/term-marks", json=dict(body, value="3")).status_code == 403
    year = c.get(f"/api/v1/term-marks?class_id={ids['class_5a']}&subject_id={ids['subject_math']}").get_json()
    row = next(x for x in year["items"] if x["student_id"] == ids["other_5a"])
    with demo_app.app_context():
        q1v = TermMark.get((TermMark.student == ids["other_5a"]) & (TermMark.subject == ids["subject_math"]) &
                           (TermMark.period == ids["period_q1"])).value
    assert row["average"] == round((int(q1v) + 5) / 2, 2)


def test_weighted_average_in_the_grid(demo_app, as_user, ids):
    from zhurnal.plugins.journal.models import Mark
    with demo_app.app_context():
        Mark.delete().where(Mark.student == ids["other_5a"]).execute()
    c = as_user("teacher")
    for v, kind in (("5", "control"), ("2", "answer")):  # weights 2 and 1
        c.post("/api/v1/marks", json={"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a"],
                                      "value": v, "kind": kind})
    grid = c.get(f"/api/v1/classes/{ids['class_5a']}/journal?subject_id={ids['subject_math']}").get_json()
    assert grid["averages"][str(ids["other_5a"])] == 4.0
    assert next(s for s in grid["students"] if s["id"] == ids["other_5a"])["proposed"] == "4"


def test_remarks(demo_app, as_user, ids):
    r = as_user("teacher").post("/api/v1/remarks", json={"student_id": ids["student1"], "kind": "recommendation",
                                                         "text": "Повторить таблицу умножения.",
                                                         "subject_id": ids["subject_math"]})
    assert r.status_code == 201 and r.get_json()["date"] == TODAY.isoformat()
    assert as_user("teacher").post("/api/v1/remarks", json={"student_id": ids["student1"], "text": ""}).status_code == 422
    assert as_user("parent1").post("/api/v1/remarks", json={"student_id": ids["student1"], "text": "x"}).status_code == 403
    listed = as_user("klass5a").get(f"/api/v1/remarks?student_id={ids['student1']}").get_json()
    assert "Повторить таблицу умножения." in [x["text"] for x in listed]
    with demo_app.app_context():
        from zhurnal.plugins.journal import service
        assert service.remarks_for([ids["student1"]], TODAY, TODAY)[0].teacher.login == "teacher"


def test_scales_per_subject_and_kinds_of_work(demo_app, as_user, ids):
    d = as_user("deputy")
    info = d.get("/api/v1/scales").get_json()
    assert {s["code"] for s in info["scales"]} == {"five", "pass", "ten"} and info["default"] == "five"
    assert "pass" in info["subjects"].values()  # ОДНКНР in the demo
    assert d.put(f"/api/v1/subjects/{ids['subject_math']}/scale", json={"scale": "ten"}).get_json()["values"][0] == "10"
    assert d.put(f"/api/v1/subjects/{ids['subject_math']}/scale", json={"scale": "x"}).status_code == 422
    t = as_user("teacher")
    body = {"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a"]}
    assert t.post("/api/v1/marks", json=dict(body, value="9")).status_code == 201
    assert t.post("/api/v1/marks", json=dict(body, value="зач")).status_code == 422
    r = d.put("/api/v1/work-kinds/project", json={"name": "Проект", "weight": 3})
    assert r.status_code == 200
    m = t.post("/api/v1/marks", json=dict(body, value="10", kind="project")).get_json()
    assert m["weight"] == 3.0 and m["kind"] == "project"
    assert t.put("/api/v1/work-kinds/project", json={"name": "x", "weight": 1}).status_code == 403


def test_class_teacher_excuses_absences(demo_app, as_user, ids):
    with demo_app.app_context():
        from zhurnal.plugins.journal.models import Attendance
        Attendance.create(lesson=ids["lesson_math_5a"], student=ids["other_5a"], status="absent")
    r = as_user("klass5a").post("/api/v1/attendance/excuse", json={"student_id": ids["other_5a"], "from": str(TODAY),
                                                                    "to": str(TODAY), "reason": "Заявление родителей"})
    assert r.status_code == 200 and r.get_json()["excused"] >= 1
    with demo_app.app_context():
        a = Attendance.get((Attendance.lesson == ids["lesson_math_5a"]) & (Attendance.student == ids["other_5a"]))
        assert (a.status, a.status_before, a.reason) == ("valid", "absent", "Заявление родителей")
        assert a.justified_by.startswith("journal:reason:")
    other = as_user("klass5a").post("/api/v1/attendance/excuse", json={
        "student_id": ids["sibling"], "from": str(TODAY), "to": str(TODAY), "reason": "x"})
    assert other.status_code == 403  # 6Б is not her class


def test_student_card_shows_the_journal_to_the_class_teacher(demo_app, as_user, ids):
    with demo_app.app_context():
        from zhurnal.core.identity.models import User
        from flask import g
        from zhurnal.plugins.journal.views import card_sections
        from zhurnal.plugins.roster.models import Student
        with demo_app.test_request_context():
            st = Student.get_by_id(ids["student1"])
            w = card_sections(st, User.get(User.login == "klass5a"))
            assert w and "Математика" in w[0].render()
            assert card_sections(st, User.get(User.login == "fizruk")) == []


def test_bad_input_is_never_a_500(demo_app, as_user, ids):
    demo_app.config["WTF_CSRF_ENABLED"] = False
    t = as_user("teacher")
    calls = [
        ("get", "/api/v1/lessons?class_id=abc", None), ("get", "/api/v1/lessons", None),
        ("get", f"/api/v1/lessons?class_id={ids['class_5a']}&from=2026-13-01", None),
        ("get", f"/api/v1/lessons?class_id={ids['class_5a']}&from=2026-11-10&to=2026-11-01", None),
        ("get", f"/api/v1/classes/{ids['class_5a']}/journal", None),
        ("get", f"/api/v1/classes/{ids['class_5a']}/journal?subject_id={ids['subject_math']}&period_id=999", None),
        ("post", "/api/v1/marks", {"student_id": "x", "lesson_id": [], "value": 5}),
        ("post", "/api/v1/marks", {"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a"], "value": "5",
                                   "extra": 1}),
        ("patch", f"/api/v1/marks/{ids['mark_math_5a']}", {"value": "5"}),
        ("patch", f"/api/v1/lessons/{ids['lesson_math_5a']}", {"version": 1, "date": None}),
        ("patch", f"/api/v1/lessons/{ids['lesson_math_5a']}", {"version": 99, "date": "2026-11-03"}),
        ("patch", f"/api/v1/lessons/{ids['lesson_math_5a']}", {"version": 1, "homework_links": [{"url": "javascript:x"}]}),
        ("delete", f"/api/v1/marks/{ids['mark_math_5a']}?version=abc", None),
        ("put", "/api/v1/attendance", {"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a"]}),
        ("put", "/api/v1/term-marks", {"student_id": ids["other_5a"], "subject_id": ids["subject_math"],
                                       "period_id": 99999, "value": "5"}),
        ("post", "/api/v1/remarks", {"student_id": ids["other_5a"], "text": "x", "lesson_id": 99999}),
        ("get", "/journal/class/abc", None), (
            "get", f"/journal/class/{ids['class_5a']}?subject_id=x", None),
        ("get", f"/journal/class/{ids['class_5a']}?subject_id={ids['subject_math']}&period_id=99", None),
        ("get", f"/journal/class/{ids['class_5a']}?subject_id={ids['subject_math']}&from=garbage", None),
        ("get", "/journal/today?date=yesterday", None), ("get", "/journal/history?lesson_id=1&student_id=x", None),
        ("post", f"/journal/lessons/{ids['lesson_math_5a']}", {"version": "abc"}),
        ("get", "/journal/static/../service.py", None),
    ]
    for method, url, body in calls:
        kw = {"json": body} if body is not None and url.startswith("/api/") else {"data": body} if body else {}
        r = getattr(t, method)(url, **kw)
        assert 400 <= r.status_code < 500, (method, url, r.status_code, r.get_data(as_text=True)[:200])


def test_a_school_defines_its_own_scale_and_default(demo_app, as_user, ids):
    from zhurnal.core.audit import AuditEntry
    d, t = as_user("deputy"), as_user("teacher")
    body = {"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a"]}
    letters = {"name": "Буквенная", "values": ["A", "B", "C", "F"], "numeric": {"A": 5, "B": 4, "C": 3, "F": 2}}
    r = d.put("/api/v1/scales/letters", json=letters)
    assert r.status_code == 200 and r.get_json()["default"] is False, r.get_json()
    assert t.post("/api/v1/marks", json=dict(body, value="A")).status_code == 422  # maths is still on "five"
    # the school switches to it: every subject without its own scale follows
    r = d.put("/api/v1/scales/letters", json=dict(letters, default=True))
    assert r.status_code == 200 and r.get_json()["default"] is True
    info = d.get("/api/v1/scales").get_json()
    assert info["default"] == "letters" and "letters" in {s["code"] for s in info["scales"]}
    m = t.post("/api/v1/marks", json=dict(body, value="B", kind="control"))
    assert m.status_code == 201, m.get_json()
    assert t.post("/api/v1/marks", json=dict(body, value="5")).status_code == 422
    grid = t.get(f"/api/v1/classes/{ids['class_5a']}/journal?subject_id={ids['subject_math']}").get_json()
    assert grid["scale"] == {"code": "letters", "values": ["A", "B", "C", "F"]}
    assert grid["students"][0]["proposed"] in (None, "A", "B", "C", "F")
    # the default is moved, never dropped; bad scales are refused, field named
    r = d.put("/api/v1/scales/letters", json=dict(letters, default=False))
    assert r.status_code == 422 and "default" in r.get_json()["error"]["fields"]
    for bad, field in (({"values": ["A", "A"]}, "values"), ({"numeric": {"Z": 1}}, "numeric"),
                       ({"values": []}, "values"), ({"name": ""}, "name")):
        r = d.put("/api/v1/scales/other", json=dict(letters, **bad))
        assert r.status_code == 422 and field in r.get_json()["error"]["fields"], (bad, r.get_json())
    assert d.put("/api/v1/scales/five", json={"name": "Пятибалльная", "values": ["5", "4", "3", "2"],
                                              "numeric": {"5": 5, "4": 4, "3": 3, "2": 2},
                                              "default": True}).status_code == 200
    assert d.get("/api/v1/scales").get_json()["default"] == "five"
    assert t.put("/api/v1/scales/letters", json=letters).status_code == 403
    with demo_app.app_context():
        assert AuditEntry.select().where(AuditEntry.action == "journal.scale.set").count() == 3


def test_term_marks_and_remarks_are_announced(demo_app, as_user, ids):
    """Notification plugins learn of period marks and remarks through signals sent after commit."""
    from zhurnal.plugins.journal import signals
    got = []

    def rec(sender, **kw):
        got.append(kw)
    c = as_user("teacher")
    body = {"student_id": ids["other_5a"], "subject_id": ids["subject_math"], "period_id": ids["period_q2"]}
    with signals.term_mark_saved.connected_to(rec), signals.remark_added.connected_to(rec):
        assert c.put("/api/v1/term-marks", json=dict(body, value="5")).status_code == 200
        assert c.put("/api/v1/term-marks", json=dict(body, value="7")).status_code == 422   # nothing sent
        r = c.post("/api/v1/remarks", json={"student_id": ids["other_5a"], "kind": "praise", "text": "Отличная работа!",
                                            "subject_id": ids["subject_math"]})
        assert r.status_code == 201
    term, remark = got
    assert (term["student_id"], term["subject_id"], term["period_id"], term["value"], term["old_value"]) == \
        (ids["other_5a"], ids["subject_math"], ids["period_q2"], "5", None)
    assert term["by"].login == "teacher" and term["school_id"] == ids["school"]
    assert (remark["student_id"], remark["kind"], remark["remark_id"]) == (ids["other_5a"], "praise", r.get_json()["id"])
