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
    card = html[html.index(f'data-subject="{maths["subject_id"]}"'):]
    card = card[:card.index("</section>")]
    assert f'<strong class="avg">{expected:.2f}</strong>' in card
    assert "Оценки с комментариями" in card and "Ответ на уроке: Контрольная без ошибок" in card
    q1_html = c.get(f"/diary/students/{ids['student1']}/marks?period_id={first}").get_data(as_text=True)
    term = next(s for s in q1["subjects"] if s["term_mark"])
    term_card = q1_html[q1_html.index(f'data-subject="{term["subject_id"]}"'):]
    assert f'<strong class="term">{term["term_mark"]}</strong>' in term_card[:term_card.index("</section>")]


def test_period_marks_query_count_does_not_grow(ids, demo_app):
    c = login(demo_app, "parent1")
    counts = []
    for sid in (ids["student1"], ids["sibling"]):
        with count_queries() as q:
            assert c.get(f"/api/v1/students/{sid}/marks").status_code == 200
        counts.append(q.count)
    assert counts[0] == counts[1], counts


def test_calendar_shows_timetable_control_works_and_holidays(ids, demo_app, as_user):
    from zhurnal.plugins.journal import service as journal
    from zhurnal.plugins.roster.models import Student
    with demo_app.app_context():
        st = Student.get_by_id(ids["student1"])
        ahead = journal.control_works(student=st, date_from=TODAY)
        slots = journal.timetable_for_student(st, day=TODAY)
        expected = [(c.id, c.date.isoformat(), c.subject.name) for c in ahead]
        first_title = next(c.control_title for c in ahead if c.control_title)
    assert expected, "the journal demo plans control works ahead"
    cal = as_user("parent1").get(f"/api/v1/students/{ids['student1']}/calendar").get_json()
    assert cal["student"]["id"] == ids["student1"] and cal["today"] == TODAY.isoformat()
    assert [(c["lesson_id"], c["date"], c["subject"]) for c in cal["control_works"]] == expected
    assert all(c["date"] >= TODAY.isoformat() for c in cal["control_works"])
    assert [d["weekday"] for d in cal["timetable"]][:5] == [1, 2, 3, 4, 5]
    assert sum(len(d["lessons"]) for d in cal["timetable"]) == len(slots)
    monday = cal["timetable"][0]["lessons"][0]
    assert monday["subject"] and monday["start"] and monday["teacher"]
    winter = next(h for h in cal["holidays"] if h["name"] == "Зимние каникулы")
    assert winter["start"] == "2026-12-29" and winter["past"] is False
    assert any(h["past"] for h in cal["holidays"]), "the autumn holidays are over on 26 November"
    assert as_user("parent2").get(f"/api/v1/students/{ids['student1']}/calendar").status_code == 404
    html = as_user("student1").get(f"/diary/students/{ids['student1']}/calendar").get_data(as_text=True)
    controls = html[html.index('id="controls"'):html.index('id="holidays"')]
    assert "Предстоящие контрольные работы" in controls and first_title in controls
    assert "Зимние каникулы" in html and "Понедельник" in html
    assert html.count('class="dy-lesson"') == len(slots)


def test_help_is_per_role_and_the_leaflet_prints(ids, as_user):
    p = as_user("parent1").get("/diary/help").get_data(as_text=True)
    assert p.index('id="parent"') < p.index('id="class_teacher"')
    assert "/account/compromised" in p and "Ознакомлен" in p
    k = as_user("klass5a").get("/diary/help").get_data(as_text=True)
    assert k.index('id="class_teacher"') < k.index('id="parent"')
    s = as_user("student1").get("/diary/help").get_data(as_text=True)
    assert s.index('id="student"') < s.index('id="parent"') and "Войди по своему листку" in s
    t = as_user("teacher").get("/diary/help").get_data(as_text=True)
    assert t.index('id="teacher"') < t.index('id="parent"')
    # the parent's section covers logging in, reading, acknowledging, channels and lost passwords
    parent = p[p.index('id="parent"'):p.index('id="student"')]
    for title in ("Вход", "Как читать неделю", "Ознакомление", "Как получать уведомления", "Потерян или украден пароль"):
        assert f"<h3>{title}</h3>" in parent, title
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
    from zhurnal.plugins.diary.personal import personal_data
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
            "/api/v1/students/{student_id}/marks", "/api/v1/students/{student_id}/calendar"} <= set(paths)
    ack = paths["/api/v1/students/{student_id}/diary/acknowledgements"]["post"]
    assert "201" in ack["responses"] and "requestBody" in ack
