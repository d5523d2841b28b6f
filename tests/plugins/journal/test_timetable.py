"""Timetable, bell times, one-day changes and lesson generation."""
from __future__ import annotations

import datetime as dt
from collections import Counter

from zhurnal.plugins.journal import service
from zhurnal.plugins.journal.models import Lesson, TimetableEntry
from zhurnal.plugins.roster import service as roster
from zhurnal.plugins.roster.models import Period


def test_demo_timetable_is_believable(demo_app, as_user, ids):
    tt = as_user("klass5a").get(f"/api/v1/classes/{ids['class_5a']}/timetable").get_json()
    assert [b["start"] for b in tt["bells"][:2]] == ["08:30", "09:25"]
    whole = [e for e in tt["entries"] if e["class_id"] == ids["class_5a"]]
    per_day = Counter(e["weekday"] for e in {(e["weekday"], e["number"]): e for e in whole}.values())
    assert set(per_day) == {1, 2, 3, 4, 5} and all(5 <= n <= 6 for n in per_day.values())
    hours = Counter(e["subject"] for e in whole if e["group_id"] is None)
    assert hours["Математика"] == 5 and hours["Русский язык"] == 5 and hours["Литература"] == 3
    english = [e for e in whole if e["subject"] == "Английский язык"]
    assert len(english) == 6 and {e["group"] for e in english} == {"5А английский, группа 1", "5А английский, группа 2"}
    assert all(e["teacher"] == "Соколова Марина Сергеевна" for e in whole if e["subject"] == "Математика")
    with demo_app.app_context():
        clashes = Counter((e.teacher_id, e.weekday, e.number) for e in TimetableEntry.select())
        assert max(clashes.values()) == 1


def test_generating_a_period_skips_holidays_and_applies_changes(demo_app, as_user, ids):
    with demo_app.app_context():
        q3 = Period.get(Period.number == 3)
        holidays = roster.holiday_dates(q3.year_id)
        entry = TimetableEntry.select().where((TimetableEntry.school_class == ids["class_5a"]) &
                                              (TimetableEntry.weekday == 1)).first()
    monday = dt.date(2027, 1, 18)
    c = as_user("deputy")
    assert c.put(f"/api/v1/timetable/{entry.id}/changes", json={"date": monday.isoformat(), "kind": "cancelled",
                                                                "note": "Карантин"}).status_code == 200
    r = c.put(f"/api/v1/timetable/{entry.id}/changes", json={"date": "2027-01-19", "kind": "cancelled"})
    assert r.status_code == 422 and "date" in r.get_json()["error"]["fields"]
    r = c.post(f"/api/v1/periods/{q3.id}/generate-lessons", json={"class_id": ids["class_5a"]})
    assert r.status_code == 200 and r.get_json()["created"] > 200
    assert c.post(f"/api/v1/periods/{q3.id}/generate-lessons", json={"class_id": ids["class_5a"]}).get_json() == {
        "created": 0}
    with demo_app.app_context():
        lessons = list(Lesson.select().where(Lesson.period == q3.id))
        dates = {x.date for x in lessons}
        assert not dates & holidays
        assert dt.date(2027, 2, 23) in holidays and dt.date(2027, 2, 24) in dates
        assert all(x.date.isoweekday() == TimetableEntry.get_by_id(x.timetable_entry_id).weekday
                   for x in lessons[:50])
        cancelled = Lesson.get((Lesson.timetable_entry == entry.id) & (Lesson.date == monday))
        assert cancelled.cancelled
        assert {x.school_class_id for x in lessons} <= {ids["class_5a"], None}


def test_substitution_moves_the_lesson_to_the_substitute(demo_app, as_user, ids):
    with demo_app.app_context():
        lesson = Lesson.get_by_id(ids["lesson_math_5a"])
    r = as_user("director").put(f"/api/v1/timetable/{lesson.timetable_entry_id}/changes",
                                json={"date": lesson.date.isoformat(), "kind": "substitution",
                                      "teacher_id": ids["user_klass6a"]})
    assert r.status_code == 200
    assert as_user("teacher").get(f"/api/v1/lessons/{lesson.id}").get_json()["teacher_id"] == ids["user_klass6a"]
    week = as_user("director").get(f"/api/v1/classes/{ids['class_5a']}/timetable?date={lesson.date}").get_json()
    assert {"kind": "substitution", "teacher_id": ids["user_klass6a"]}.items() <= next(
        c for c in week["changes"] if c["entry_id"] == lesson.timetable_entry_id).items()
    assert as_user("director").delete(f"/api/v1/timetable/changes/{r.get_json()['id']}").status_code == 204
    assert as_user("teacher").get(f"/api/v1/lessons/{lesson.id}").get_json()["teacher_id"] == ids["user_teacher"]


def test_timetable_entry_validation(as_user, ids):
    c = as_user("deputy")
    r = c.post("/api/v1/timetable", json={"weekday": 8, "number": 1, "subject_id": ids["subject_math"],
                                          "class_id": ids["class_5a"]})
    assert r.status_code == 422 and "weekday" in r.get_json()["error"]["fields"]
    r = c.post("/api/v1/timetable", json={"weekday": 1, "number": 1, "subject_id": 999999, "class_id": ids["class_5a"]})
    assert r.status_code == 422 and "subject_id" in r.get_json()["error"]["fields"]
    r = c.put("/api/v1/bells", json={"bells": [{"number": 1, "start": "09:00", "end": "08:00"}]})
    assert r.status_code == 422 and "bells.0.end" in r.get_json()["error"]["fields"]


def test_plan_lessons_is_pure_and_skips_holidays():
    class E:  # a timetable entry as plan_lessons reads it
        def __init__(self, id, weekday, **kw):
            self.id, self.weekday, self.number, self.school_id, self.subject_id = id, weekday, 1, 1, 1
            self.teacher_id, self.school_class_id, self.group_id = 5, 1, None
            self.valid_from, self.valid_to = kw.get("valid_from"), kw.get("valid_to")

    class P:
        id, start, end = 9, dt.date(2026, 11, 2), dt.date(2026, 11, 15)
    rows = service.plan_lessons([E(1, 1), E(2, 3, valid_from=dt.date(2026, 11, 10))], P(),
                                holidays={dt.date(2026, 11, 2), dt.date(2026, 11, 3), dt.date(2026, 11, 4)},
                                existing={(1, dt.date(2026, 11, 9))})
    assert [(r["timetable_entry"], r["date"]) for r in rows] == [(2, dt.date(2026, 11, 11))]


def test_a_new_change_replaces_the_days_earlier_one_and_the_page_shows_it(demo_app, as_user, ids):
    with demo_app.app_context():
        lesson = Lesson.get_by_id(ids["lesson_math_5a"])
    c = as_user("deputy")
    url = f"/api/v1/timetable/{lesson.timetable_entry_id}/changes"
    day = lesson.date.isoformat()
    r = c.put(url, json={"date": day, "kind": "substitution", "teacher_id": ids["user_klass6a"], "note": "Болезнь"})
    assert r.status_code == 200 and r.get_json()["teacher"] == "Тарасов Евгений Павлович", r.get_json()
    page = c.get(f"/journal/timetable/{ids['class_5a']}?date={day}").get_data(as_text=True)
    assert "Тарасов Евгений Павлович" in page and "Болезнь" in page
    # the same day becomes "another room": the substitute goes, the regular teacher is back
    assert c.put(url, json={"date": day, "kind": "room", "room": "12"}).status_code == 200
    x = as_user("teacher").get(f"/api/v1/lessons/{lesson.id}").get_json()
    assert (x["teacher_id"], x["cancelled"]) == (ids["user_teacher"], False)
    assert "каб. 12" in c.get(f"/journal/timetable/{ids['class_5a']}?date={day}").get_data(as_text=True)
    # cancelled, then the change withdrawn: the lesson is back
    assert c.put(url, json={"date": day, "kind": "cancelled"}).status_code == 200
    assert as_user("teacher").get(f"/api/v1/lessons/{lesson.id}").get_json()["cancelled"] is True
    week = c.get(f"/api/v1/classes/{ids['class_5a']}/timetable?date={day}").get_json()
    ch = [x for x in week["changes"] if x["entry_id"] == lesson.timetable_entry_id]
    assert [x["kind"] for x in ch] == ["cancelled"]
    assert c.delete(f"/api/v1/timetable/changes/{ch[0]['id']}").status_code == 204
    assert as_user("teacher").get(f"/api/v1/lessons/{lesson.id}").get_json()["cancelled"] is False


def test_changes_in_a_closed_period_outside_the_slot_or_to_a_non_teacher_are_refused(demo_app, as_user, ids):
    with demo_app.app_context():
        q1 = Lesson.get_by_id(ids["lesson_math_5a_q1"])
        entry = TimetableEntry.get_by_id(q1.timetable_entry_id)
        from zhurnal.core.identity.models import User
        parent = User.get(User.login == "parent1").id
        before = (q1.teacher_id, q1.cancelled)
    c = as_user("deputy")
    url = f"/api/v1/timetable/{entry.id}/changes"
    r = c.put(url, json={"date": q1.date.isoformat(), "kind": "cancelled"})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "period_closed"
    assert "date" in r.get_json()["error"]["fields"]
    today_slot = next(d for d in (dt.date(2026, 11, 23) + dt.timedelta(days=i) for i in range(7))
                      if d.isoweekday() == entry.weekday)
    r = c.put(url, json={"date": today_slot.isoformat(), "kind": "substitution", "teacher_id": parent})
    assert r.status_code == 422 and "teacher_id" in r.get_json()["error"]["fields"]
    with demo_app.app_context():
        TimetableEntry.update(valid_to=dt.date(2026, 11, 1)).where(TimetableEntry.id == entry.id).execute()
    r = c.put(url, json={"date": today_slot.isoformat(), "kind": "cancelled"})
    assert r.status_code == 422 and "date" in r.get_json()["error"]["fields"]
    with demo_app.app_context():
        fresh = Lesson.get_by_id(q1.id)
        assert (fresh.teacher_id, fresh.cancelled) == before
        from zhurnal.plugins.journal.models import TimetableChange
        assert not TimetableChange.select().where(TimetableChange.entry == entry.id).exists()
