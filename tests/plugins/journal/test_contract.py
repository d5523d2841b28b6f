"""The API contract of the issue, route by route, and the pages a teacher and a class teacher open."""
from __future__ import annotations

import datetime as dt
import re

from zhurnal.plugins.journal import service
from zhurnal.plugins.journal.models import Attendance, Lesson, TermMark
from zhurnal.plugins.roster.models import Student
from tests.conftest import TODAY


def test_lessons_by_class_subject_and_dates(as_user, ids):
    url = (f"/api/v1/lessons?class_id={ids['class_5a']}&subject_id={ids['subject_math']}"
           f"&from=2026-11-23&to=2026-11-27")
    r = as_user("teacher").get(url)
    assert r.status_code == 200
    got = r.get_json()
    assert len(got) == 5 and [x["date"] for x in got] == sorted(x["date"] for x in got)
    assert all("2026-11-23" <= x["date"] <= "2026-11-27" and x["subject_id"] == ids["subject_math"]
               and x["class_id"] == ids["class_5a"] for x in got)
    assert {"topic", "homework", "homework_links", "is_control", "teacher", "version"} <= set(got[0])
    # the class teacher reads every subject of her class; a teacher of another subject only her own
    every = as_user("klass5a").get(f"/api/v1/lessons?class_id={ids['class_5a']}&from={TODAY}&to={TODAY}").get_json()
    assert len({x["subject_id"] for x in every}) >= 4
    fizruk = as_user("fizruk").get(f"/api/v1/lessons?class_id={ids['class_5a']}&from=2026-11-23&to=2026-11-27")
    assert fizruk.status_code == 200 and {x["subject"] for x in fizruk.get_json()} == {"Физическая культура"}


def test_class_journal_grid_by_dates(as_user, ids):
    base = f"/api/v1/classes/{ids['class_5a']}/journal?subject_id={ids['subject_math']}"
    g = as_user("teacher").get(base + "&from=2026-11-16&to=2026-11-20").get_json()
    assert g["from"] == "2026-11-16" and g["to"] == "2026-11-20" and len(g["lessons"]) == 5
    lesson_ids = {x["id"] for x in g["lessons"]}
    assert g["marks"] and all(m["lesson_id"] in lesson_ids for m in g["marks"])
    assert {"id", "student_id", "lesson_id", "value", "kind", "weight", "comment", "version"} <= set(g["marks"][0])
    assert len(g["students"]) == 25 and all({"id", "name", "average", "proposed"} <= set(s) for s in g["students"])


def test_mark_contract_create_patch_delete(demo_app, as_user, ids):
    c = as_user("teacher")
    r = c.post("/api/v1/marks", json={"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a"],
                                      "value": "4", "kind": "homework", "comment": "аккуратно"})
    assert r.status_code == 201
    m = r.get_json()
    r = c.patch(f"/api/v1/marks/{m['id']}", json={"value": "5", "version": m["version"]})
    assert r.status_code == 200 and (r.get_json()["value"], r.get_json()["kind"]) == ("5", "homework")
    stale = c.patch(f"/api/v1/marks/{m['id']}", json={"value": "3", "version": m["version"]})
    assert stale.status_code == 409 and stale.get_json()["error"]["current"]["value"] == "5"
    assert c.delete(f"/api/v1/marks/{m['id']}").status_code == 204
    assert c.get(f"/api/v1/marks/{m['id']}").status_code == 404
    r = c.put("/api/v1/attendance", json={"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a"],
                                          "status": "late"})
    assert r.status_code == 200 and r.get_json()["status"] == "late"


def test_a_lesson_refused_in_a_closed_period_saves_nothing(demo_app, as_user, ids):
    with demo_app.app_context():
        before = Lesson.select().count()
    r = as_user("teacher").post("/api/v1/lessons", json={"date": "2026-10-05", "class_id": ids["class_5a"],
                                                         "subject_id": ids["subject_math"], "topic": "Поздно"})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "period_closed"
    assert "date" in r.get_json()["error"]["fields"]
    with demo_app.app_context():
        assert Lesson.select().count() == before


def test_control_works_of_a_student_ahead_of_time(demo_app, as_user, ids):
    r = as_user("klass5a").get(f"/api/v1/students/{ids['student1']}/control-works?from={TODAY}")
    assert r.status_code == 200
    works = r.get_json()
    assert works and all(x["date"] >= TODAY.isoformat() and x["is_control"] for x in works)
    assert any(x["date"] > (TODAY + dt.timedelta(days=4)).isoformat() for x in works)  # planned, not held yet
    with demo_app.app_context():
        st = Student.get_by_id(ids["student1"])
        mine = {x.id for x in service.student_lessons(st, TODAY)}
    assert {x["id"] for x in works} <= mine
    cls = as_user("klass5a").get(f"/api/v1/classes/{ids['class_5a']}/control-works?from={TODAY}").get_json()
    assert {x["id"] for x in works} <= {x["id"] for x in cls}
    page = as_user("teacher").get(f"/journal/control-works/{ids['class_5a']}").get_data(as_text=True)
    assert page.count('class="jr-ahead"') >= len({x["id"] for x in cls})


def test_my_lessons_today_lists_exactly_the_teachers_lessons(demo_app, as_user, ids):
    with demo_app.app_context():
        from zhurnal.core.identity.models import User
        mine = service.lessons_of_teacher(User.get(User.login == "teacher"), TODAY)
    assert mine and {x.subject.name for x in mine} == {"Математика"}
    html = as_user("teacher").get("/journal/today").get_data(as_text=True)
    assert html.count('class="card jr-today') == len(mine)
    for x in mine:
        assert f'action="/journal/lessons/{x.id}"' in html
    # a substitute sees the lesson she gives that day, and may edit it
    with demo_app.app_context():
        Lesson.update(teacher=ids["user_klass6a"]).where(Lesson.id == mine[0].id).execute()
    from tests.conftest import login
    sub = login(demo_app, "klass6a").get("/journal/today").get_data(as_text=True)
    assert f'action="/journal/lessons/{mine[0].id}"' in sub
    other = as_user("teacher").get("/journal/today?date=2026-11-29").get_data(as_text=True)  # a Sunday
    assert 'class="card jr-today' not in other


def test_class_teacher_summary_has_every_subject_and_is_read_only(demo_app, as_user, ids):
    r = as_user("klass5a").get(f"/journal/summary/{ids['class_5a']}?period_id={ids['period_q1']}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    with demo_app.app_context():
        st = Student.get_by_id(ids["other_5a"])
        avgs = service.averages([st.id], ids["subject_math"], ids["period_q1"])
        term = TermMark.get((TermMark.student == st.id) & (TermMark.subject == ids["subject_math"]) &
                            (TermMark.period == ids["period_q1"])).value
        subjects = {x.subject.name for x in service.lessons_for(ids["class_5a"], date_from=dt.date(2026, 9, 1),
                                                                 date_to=dt.date(2026, 10, 24))}
        absences = Attendance.select().join(Lesson).where(
            (Attendance.student == st.id) & (Lesson.period == ids["period_q1"]) &
            (Attendance.status != "late")).count()
    assert len(subjects) >= 10 and all(f'title="{s}"' in html for s in subjects)
    row = html[html.index(st.short_name):]
    row = row[:row.index("</tr>")]
    assert f"<strong>{term}</strong>" in row and f"{avgs[st.id]:.2f}" in row
    assert re.findall(r"<td>(\d*)</td><td>\d*</td>$", row.strip())[0] == (str(absences) if absences else "")
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    table = main.split("<table", 1)[1]
    assert "<input" not in table and "<select" not in table and 'method="post"' not in main
