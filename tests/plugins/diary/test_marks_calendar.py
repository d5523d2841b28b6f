"""Marks per reporting period, the calendar (timetable, control works, holidays), help,
the plugin switched off for the school, and personal data export."""
from __future__ import annotations

import datetime as dt

from tests.conftest import TODAY, login
from tests.utils import count_queries

from .helpers import give_mark


def test_marks_of_a_period_with_averages_and_term_marks(ids, demo_app, as_user):
    mark = give_mark(demo_app, ids["student1"], TODAY, "5", comment="Контрольная без ошибок")
    c = as_user("parent1")
    cur = c.get(f"/api/v1/students/{ids['student1']}/marks").get_json()
    assert cur["period"]["name"] == "2 четверть" and [p["number"] for p in cur["periods"]] == [1, 2, 3, 4]
    maths = next(s for s in cur["subjects"] if s["subject"] == "Математика")
    assert mark.id in [m["id"] for m in maths["marks"]]
    numeric = [(float(m["value"]), m["weight"]) for m in maths["marks"] if m["value"].isdigit()]
    expected = round(sum(v * w for v, w in numeric) / sum(w for _v, w in numeric), 2)
    assert maths["average"] == expected
    first = cur["periods"][0]["id"]
    q1 = c.get(f"/api/v1/students/{ids['student1']}/marks?period_id={first}").get_json()
    assert q1["period"]["number"] == 1
    assert any(s["term_mark"] for s in q1["subjects"]), "the journal demo closes the 1st quarter with term marks"
    assert mark.id not in [m["id"] for s in q1["subjects"] for m in s["marks"]]
    assert c.get(f"/api/v1/students/{ids['student1']}/marks?period_id=999999").status_code == 422
    assert as_user("parent2").get(f"/api/v1/students/{ids['student1']}/marks").status_code == 404
    html = c.get(f"/diary/students/{ids['student1']}/marks").get_data(as_text=True)
    assert "Математика" in html and "средний балл" in html and 'aria-current="page">2 четверть' in html


def test_period_marks_query_count_does_not_grow(ids, demo_app):
    c = login(demo_app, "parent1")
    counts = []
    for sid in (ids["student1"], ids["sibling"]):
        with count_queries() as q:
            assert c.get(f"/api/v1/students/{sid}/marks").status_code == 200
        counts.append(q.count)
    assert counts[0] == counts[1], counts


def test_calendar_shows_timetable_control_works_and_holidays(ids, as_user):
    html = as_user("student1").get(f"/diary/students/{ids['student1']}/calendar").get_data(as_text=True)
    assert "Предстоящие контрольные работы" in html and "Контрольная работа" in html
    assert "Зимние каникулы" in html and "Понедельник" in html
    assert html.count('class="dy-lesson"') >= 20


def test_help_is_per_role_and_the_leaflet_prints(ids, as_user):
    p = as_user("parent1").get("/diary/help").get_data(as_text=True)
    assert p.index('id="parent"') < p.index('id="class_teacher"')
    assert "/account/compromised" in p and "Ознакомлен" in p
    k = as_user("klass5a").get("/diary/help").get_data(as_text=True)
    assert k.index('id="class_teacher"') < k.index('id="parent"')
    leaflet = as_user("nurse").get("/diary/help/leaflet").get_data(as_text=True)
    assert "@page" in leaflet and "Электронный дневник: памятка для родителей" in leaflet
    assert "Ваш логин:" in leaflet


def test_nav_and_dashboard(ids, as_user):
    home = as_user("parent1").get("/").get_data(as_text=True)
    assert ">Дневник<" in home and "/diary/students/" in home
    staff = as_user("klass5a").get("/").get_data(as_text=True)
    assert "Ознакомление с дневником" in staff
    assert ">Дневник<" not in as_user("nurse").get("/").get_data(as_text=True)


def test_switched_off_for_the_school(ids, demo_app):
    admin = login(demo_app, "admin")
    p1 = login(demo_app, "parent1")
    assert admin.put(f"/api/v1/schools/{ids['school']}/plugins/diary", json={"enabled": False}).status_code == 200
    assert p1.get(f"/api/v1/students/{ids['student1']}/diary").status_code == 404
    assert p1.get(f"/diary/students/{ids['student1']}").status_code == 404
    assert p1.post("/api/v1/messages/threads", json={"student_id": ids["student1"], "subject": "x",
                                                     "body": "y"}).status_code == 404
    home = p1.get("/").get_data(as_text=True)
    assert "/diary/" not in home and ">Дневник<" not in home
    assert admin.put(f"/api/v1/schools/{ids['school']}/plugins/diary", json={"enabled": True}).status_code == 200
    assert p1.get(f"/api/v1/students/{ids['student1']}/diary").status_code == 200
    # the journal switched off takes the diary with it
    assert admin.put(f"/api/v1/schools/{ids['school']}/plugins/journal", json={"enabled": False}).status_code == 200
    assert p1.get(f"/api/v1/students/{ids['student1']}/diary").status_code == 404


def test_personal_data(ids, demo_app, as_user):
    as_user("parent1").post(f"/api/v1/students/{ids['student1']}/diary/acknowledgements",
                            json={"week": TODAY.isoformat()})
    from plugins.diary.personal import personal_data
    with demo_app.app_context():
        got = personal_data(ids["user_parent1"], {"kind": "guardian", "id": ids["guardian_parent1"]})
        assert any(a["week"] == (TODAY - dt.timedelta(days=3)).isoformat() for a in got["acknowledgements"])
        assert got["messages"] and got["visits"]
        st = personal_data(None, {"kind": "student", "id": ids["student1"]})
        assert {v["user_id"] for v in st["diary_visits"]} >= {ids["user_parent1"]}


def test_openapi_describes_the_diary_api(demo_app):
    doc = demo_app.test_client().get("/api/v1/openapi.json").get_json()
    paths = doc["paths"]
    assert {"/api/v1/students/{student_id}/diary", "/api/v1/students/{student_id}/diary/acknowledgements",
            "/api/v1/classes/{class_id}/acknowledgements", "/api/v1/messages/threads",
            "/api/v1/messages/threads/{thread_id}", "/api/v1/messages/threads/{thread_id}/messages",
            "/api/v1/classes/{class_id}/announcements", "/api/v1/messages/unread",
            "/api/v1/students/{student_id}/marks"} <= set(paths)
    ack = paths["/api/v1/students/{student_id}/diary/acknowledgements"]["post"]
    assert "201" in ack["responses"] and "requestBody" in ack
