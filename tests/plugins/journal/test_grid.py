"""The journal grid: contents, constant query count, pages, the plugin switched off."""
from __future__ import annotations

import datetime as dt

from zhurnal.plugins.journal.models import Lesson, Mark, WorkKind
from zhurnal.plugins.roster.models import Student
from tests.conftest import TODAY, login
from tests.utils import count_queries
from tests.utils import grid_page_data


def _queries(client, url) -> tuple[int, object]:
    with count_queries() as q:
        r = client.get(url)
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    return q.count, r


def test_grid_has_students_lessons_marks_attendance_and_averages(as_user, ids):
    g = as_user("teacher").get(f"/api/v1/classes/{ids['class_5a']}/journal?subject_id={ids['subject_math']}"
                               f"&period_id={ids['period_q1']}").get_json()
    assert g["period"] == {"id": ids["period_q1"], "name": "1 четверть", "closed": True}
    assert len(g["students"]) == 25 and g["students"][0]["name"] <= g["students"][-1]["name"]
    assert len(g["lessons"]) > 30 and all(x["date"] <= "2026-10-24" for x in g["lessons"])
    assert not any(x["editable"] for x in g["lessons"])  # closed
    assert any(x["is_control"] for x in g["lessons"])
    assert len(g["marks"]) > 100 and g["attendance"]
    sid = str(ids["other_5a"])
    mine = [m for m in g["marks"] if str(m["student_id"]) == sid and m["value"].isdigit()]
    expected = round(sum(int(m["value"]) * m["weight"] for m in mine) / sum(m["weight"] for m in mine), 2)
    assert g["averages"][sid] == expected
    assert g["term_marks"][sid]["value"] == next(s for s in g["students"] if str(s["id"]) == sid)["proposed"]


def test_grid_of_a_split_group_and_the_class_view_of_it(as_user, ids):
    g = as_user("klass5a").get(f"/api/v1/groups/{ids['group_5a_english1']}/journal").get_json()
    assert g["subject"]["name"] == "Английский язык" and 10 <= len(g["students"]) <= 15
    assert all(x["group_id"] == ids["group_5a_english1"] for x in g["lessons"])
    whole = as_user("klass5a").get(f"/api/v1/classes/{ids['class_5a']}/journal?subject_id={ids['subject_english']}"
                                   ).get_json()
    assert len(whole["students"]) == 25
    one = next(x for x in whole["lessons"] if x["group_id"] == ids["group_5a_english1"])
    assert sorted(one["students"]) == sorted(s["id"] for s in g["students"])


def test_grid_uses_a_constant_number_of_queries(demo_app, ids):
    c = login(demo_app, "teacher")
    base = f"/api/v1/classes/{ids['class_5a']}/journal?subject_id={ids['subject_math']}&period_id="
    c.get(base + str(ids["period_q2"]))  # warm up the session
    n_q2, r2 = _queries(c, base + str(ids["period_q2"]))
    n_q1, r1 = _queries(c, base + str(ids["period_q1"]))
    assert len(r1.get_json()["lessons"]) != len(r2.get_json()["lessons"])
    # twice the students and 40 more lessons with marks
    with demo_app.app_context():
        kind = WorkKind.get(WorkKind.code == "answer")
        for i in range(25):
            Student.create(school=ids["school"], school_class=ids["class_5a"], last_name=f"Новиков{i}",
                           first_name="Пётр")
        template = Lesson.get_by_id(ids["lesson_math_5a"])
        studs = [s.id for s in Student.select().where(Student.school_class == ids["class_5a"])]
        for d in range(40):
            x = Lesson.create(school=ids["school"], period=ids["period_q2"], date=dt.date(2026, 11, 5) +
                              dt.timedelta(days=d % 20), number=8, subject=ids["subject_math"],
                              school_class=ids["class_5a"], teacher=template.teacher_id)
            Mark.insert_many([{"lesson": x.id, "student": s, "value": "4", "numeric": 4, "kind": kind.id}
                              for s in studs]).execute()
    n_big, rb = _queries(c, base + str(ids["period_q2"]))
    assert len(rb.get_json()["students"]) == 50 and len(rb.get_json()["lessons"]) == len(r2.get_json()["lessons"]) + 40
    assert n_q2 == n_q1 == n_big, (n_q2, n_q1, n_big)
    assert n_big <= 20
    # the page too
    page = f"/journal/class/{ids['class_5a']}?subject_id={ids['subject_math']}&period_id="
    c.get(page + str(ids["period_q2"]))
    p_q1, _ = _queries(c, page + str(ids["period_q1"]))
    p_q2, _ = _queries(c, page + str(ids["period_q2"]))
    assert p_q1 == p_q2 and p_q2 <= 25, (p_q1, p_q2)


_grid_data = grid_page_data


def test_grid_page_is_editable_only_for_the_teacher(as_user, ids):
    url = f"/journal/class/{ids['class_5a']}?subject_id={ids['subject_math']}"
    html = as_user("teacher").get(url).get_data(as_text=True)
    assert "5А · Математика" in html and "grid_table.js" in html and "journal.js" in html
    data = _grid_data(html)
    assert any(x["editable"] for x in data["lessons"]) and data["marks"] and 'id="jr-kind"' in html
    api = as_user("teacher").get(f"/api/v1/classes/{ids['class_5a']}/journal?subject_id={ids['subject_math']}")
    assert data == api.get_json()   # the page draws what the API serves
    ro = as_user("klass5a").get(url).get_data(as_text=True)
    data = _grid_data(ro)
    assert data["marks"] and not any(x["editable"] for x in data["lessons"]) and "jr-edit" not in ro
    assert 'id="jr-kind"' not in ro
    assert "Только чтение" in ro or "Read only" in ro


def test_the_grid_data_block_cannot_be_closed_by_a_comment(as_user, ids, demo_app):
    with demo_app.app_context():
        m = Mark.select().join(Lesson).where(Lesson.school_class == ids["class_5a"],
                                             Lesson.subject == ids["subject_math"]).order_by(Mark.id.desc()).first()
        Mark.update(comment="</script><script>alert(1)</script><!--").where(Mark.id == m.id).execute()
        period = Lesson.get_by_id(m.lesson_id).period_id
    html = as_user("teacher").get(f"/journal/class/{ids['class_5a']}?subject_id={ids['subject_math']}"
                                  f"&period_id={period}").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<!--" not in html
    assert any(x["comment"] == "</script><script>alert(1)</script><!--" for x in _grid_data(html)["marks"])


def test_pages_render(as_user, ids):
    t = as_user("teacher")
    today = t.get("/journal/today").get_data(as_text=True)
    assert "Математика" in today and 'name="homework"' in today
    idx = t.get("/journal/").get_data(as_text=True)
    assert f"/journal/class/{ids['class_5a']}?subject_id={ids['subject_math']}" in idx
    s = as_user("klass5a").get(f"/journal/summary/{ids['class_5a']}").get_data(as_text=True)
    assert "Матем." in s and "Рус. яз." in s
    assert "Контрольная работа" in t.get(f"/journal/control-works/{ids['class_5a']}").get_data(as_text=True)
    assert "Соколова Марина Сергеевна" in t.get(f"/journal/timetable/{ids['class_5a']}").get_data(as_text=True)
    h = as_user("director").get(f"/journal/history?lesson_id={ids['lesson_math_5a']}&student_id={ids['other_5a']}")
    assert h.status_code == 200
    dash = t.get("/").get_data(as_text=True)
    assert "/journal/today" in dash


def test_topic_and_homework_form_without_javascript(demo_app, ids):
    demo_app.config["WTF_CSRF_ENABLED"] = False
    c = login(demo_app, "teacher")
    v = c.get(f"/api/v1/lessons/{ids['lesson_math_5a']}").get_json()["version"]
    r = c.post(f"/journal/lessons/{ids['lesson_math_5a']}", data={"version": v, "topic": "Деление с остатком",
                                                                   "homework": "№ 345", "next": "/journal/today"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/journal/today")
    x = c.get(f"/api/v1/lessons/{ids['lesson_math_5a']}").get_json()
    assert (x["topic"], x["homework"]) == ("Деление с остатком", "№ 345")


def test_nav_and_periods_page(as_user):
    nav = as_user("teacher").get("/").get_data(as_text=True)
    assert 'href="/journal/"' in nav and 'href="/journal/today"' in nav and 'href="/journal/periods"' not in nav
    assert 'href="/journal/periods"' in as_user("deputy").get("/").get_data(as_text=True)
    assert 'href="/journal/' not in as_user("parent1").get("/").get_data(as_text=True)


def test_plugin_switched_off_for_the_school(demo_app, as_user, ids):
    url = f"/api/v1/classes/{ids['class_5a']}/journal?subject_id={ids['subject_math']}"
    t = as_user("teacher")
    assert t.get(url).status_code == 200
    r = as_user("admin").put(f"/api/v1/schools/{ids['school']}/plugins/journal", json={"enabled": False})
    assert r.status_code == 200
    assert t.get(url).status_code == 404
    assert t.get(f"/journal/class/{ids['class_5a']}?subject_id={ids['subject_math']}").status_code == 404
    assert t.post("/api/v1/marks", json={"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a"],
                                         "value": "5"}).status_code == 404
    assert t.get("/journal/static/journal.js").status_code == 404
    home = t.get("/").get_data(as_text=True)
    assert 'href="/journal/' not in home
    as_user("admin").put(f"/api/v1/schools/{ids['school']}/plugins/journal", json={"enabled": True})
    assert t.get(url).status_code == 200  # data kept


def test_mark_api_is_lean(demo_app, ids):
    c = login(demo_app, "teacher")
    c.get("/api/v1/me")
    body = {"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a"], "value": "5"}
    with count_queries() as q:
        m = c.post("/api/v1/marks", json=body).get_json()
    # user, school, roles, what the checks read (one statement), the mark, its history,
    # and the audit chain (lock and read the head, the entry, the head moved)
    assert q.count <= 9, q.queries
    with count_queries() as q:
        assert c.patch(f"/api/v1/marks/{m['id']}", json={"value": "4", "version": 1}).status_code == 200
    assert q.count <= 9, q.queries
    with count_queries() as q:
        r = c.put("/api/v1/attendance", json={"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a"],
                                              "status": "late"})
        assert r.status_code == 200
    assert q.count <= 18, q.queries
    with count_queries() as q:
        assert c.delete(f"/api/v1/marks/{m['id']}").status_code == 204
    assert q.count <= 9, q.queries


def test_other_schools_objects_are_404(demo_app, as_user, ids):
    with demo_app.app_context():
        from zhurnal.core.identity.models import School
        from zhurnal.plugins.roster import service as roster
        other = School.create(name="Другая школа", short_name="СОШ № 2")
        year = roster.create_year(other, "2026/2027", dt.date(2026, 9, 1), dt.date(2027, 5, 31), "halves",
                                  [(dt.date(2026, 9, 1), dt.date(2026, 12, 28)), (dt.date(2027, 1, 12), dt.date(2027, 5, 31))])
        cls = roster.create_class(other, year, 5, "А")
        subj = roster.add_subject(other, "Математика")
        lesson = Lesson.create(school=other.id, period=year.periods[0].id, date=TODAY, subject=subj.id,
                               school_class=cls.id)
    t = as_user("teacher")
    assert t.get(f"/api/v1/classes/{cls.id}/journal?subject_id={subj.id}").status_code == 404
    assert t.get(f"/journal/class/{cls.id}?subject_id={subj.id}").status_code == 404
    assert t.get(f"/api/v1/lessons/{lesson.id}").status_code == 404
    assert t.get(f"/api/v1/classes/{cls.id}/timetable").status_code == 404
    r = t.post("/api/v1/marks", json={"student_id": ids["other_5a"], "lesson_id": lesson.id, "value": "5"})
    assert r.status_code == 422 and "lesson_id" in r.get_json()["error"]["fields"]
    assert as_user("deputy").post(f"/api/v1/periods/{year.periods[0].id}/close").status_code == 404


def test_individual_plan_student_gets_no_marks_in_class_lessons_of_that_subject(demo_app, as_user, ids):
    with demo_app.app_context():
        from zhurnal.plugins.roster.models import GroupMember, StudyGroup
        grp = StudyGroup.get(StudyGroup.kind == "individual")
        home = GroupMember.get(GroupMember.group == grp.id).student_id
        class_lesson = (Lesson.select().where((Lesson.school_class == ids["class_6b"]) & Lesson.group.is_null() &
                                              (Lesson.subject == grp.subject_id) & (Lesson.date <= TODAY) &
                                              (Lesson.period == ids["period_q2"])).first())
        own = (Lesson.select().where((Lesson.group == grp.id) & (Lesson.date <= TODAY) &
                                     (Lesson.period == ids["period_q2"])).first())
    t = as_user("teacher")
    r = t.post("/api/v1/marks", json={"student_id": home, "lesson_id": class_lesson.id, "value": "5"})
    assert r.status_code == 422 and "student_id" in r.get_json()["error"]["fields"]
    assert t.post("/api/v1/marks", json={"student_id": home, "lesson_id": own.id, "value": "5"}).status_code == 201
    grid = t.get(f"/api/v1/classes/{ids['class_6b']}/journal?subject_id={grp.subject_id}").get_json()
    col = next(x for x in grid["lessons"] if x["id"] == class_lesson.id)
    assert home not in col["students"] and len(col["students"]) == 24
    assert next(x for x in grid["lessons"] if x["id"] == own.id)["students"] == [home]


def test_cli_generates_lessons_and_closes_periods(demo_app, monkeypatch):
    from click.testing import CliRunner
    from zhurnal.core.cli import main
    from tests.conftest import BUILTIN_PLUGINS
    monkeypatch.setenv("ZHURNAL_DATABASE_URL", demo_app.config["DATABASE_URL"])
    monkeypatch.setenv("ZHURNAL_PLUGINS", ",".join(BUILTIN_PLUGINS))
    monkeypatch.setenv("ZHURNAL_TODAY", TODAY.isoformat())
    monkeypatch.setenv("ZHURNAL_SECRET_KEY", "test-secret-key-0123456789abcdef")
    monkeypatch.setenv("ZHURNAL_QUEUE_URL", "memory")
    r = CliRunner().invoke(main, ["journal", "generate", "3", "--class", "5а"])
    assert r.exit_code == 0, r.output
    assert r.output.startswith("3 четверть: ") and int(r.output.split()[2]) > 200
    r = CliRunner().invoke(main, ["journal", "close", "2"])
    assert r.exit_code == 0 and r.output.strip() == "2 четверть: closed"
    assert CliRunner().invoke(main, ["journal", "generate", "9"]).exit_code != 0
