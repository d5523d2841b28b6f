"""The week's JSON is built without marshmallow (plugins/diary/week.py: week_json); it must stay exactly
``WeekOut().dump(...)``, the documented schema, for every kind of week a reader can open."""
from __future__ import annotations

import datetime as dt
import json

from tests.conftest import TODAY, login

from .helpers import LAST_WEEK, THIS_WEEK, add_remark, give_mark, set_absent, user

WEEKS = [THIS_WEEK, LAST_WEEK, THIS_WEEK + dt.timedelta(days=7), dt.date(2026, 12, 7), dt.date(2026, 10, 5),
         dt.date(2026, 11, 2), dt.date(2026, 12, 28), dt.date(2026, 9, 1)]


def _the_week(app, reader: str, student_id: int, monday: dt.date) -> dict:
    from flask import g

    from zhurnal.plugins.diary.access import Reader, load_student
    from zhurnal.plugins.diary.week import open_week
    with app.test_request_context():
        g.user = user(reader)
        return open_week(Reader(g.user, load_student(student_id)), monday, via="api")


def test_week_json_is_the_schemas_dump(ids, demo_app):
    from zhurnal.plugins.diary.models import Visit
    from zhurnal.plugins.diary.schemas import WeekOut
    from zhurnal.plugins.diary.week import week_json
    from zhurnal.plugins.journal import service as journal
    from zhurnal.plugins.roster import service as roster
    from zhurnal.plugins.roster.models import Student

    day = TODAY - dt.timedelta(days=1)
    give_mark(demo_app, ids["student1"], day, "5", comment="Без ошибок")
    give_mark(demo_app, ids["student1"], day, "4", kind="test")
    set_absent(demo_app, ids["student1"], TODAY - dt.timedelta(days=2), "ill")
    add_remark(demo_app, ids["student1"], day, "Забыл тетрадь")
    planned = dt.date(2026, 12, 8)
    with demo_app.test_request_context():
        slots = [e for e in journal.timetable_for_student(Student.get_by_id(ids["student1"]))
                 if e.weekday == planned.isoweekday()]
        journal.set_timetable_change(slots[0], planned, "cancelled", note="Олимпиада")
        journal.set_timetable_change(slots[1], planned, "substitution", teacher=user("klass6a"))
        # the previous visit long ago: the next opening starts a visit with news
        Visit.update(last_at=dt.datetime(2026, 11, 20, 9, 0), previous_at=dt.datetime(2026, 11, 10, 9, 0)).execute()
        ids["outside"] = roster.create_student(ids["school"], None, {"last_name": "Вне", "first_name": "Класса"}).id
    c = login(demo_app, "parent1")
    for week in (LAST_WEEK, THIS_WEEK):
        assert c.post(f"/api/v1/students/{ids['student1']}/diary/acknowledgements",
                      json={"week": week.isoformat()}).status_code in (200, 201)
    give_mark(demo_app, ids["student1"], LAST_WEEK + dt.timedelta(days=1), "3")  # the acknowledgement is outdated

    seen = set()
    for reader, student in (("parent1", "student1"), ("parent1", "sibling"), ("student1", "student1"),
                            ("klass5a", "student1"), ("parent2", "parent2_child"), ("director", "outside")):
        for week in WEEKS:
            data = _the_week(demo_app, reader, ids[student], week)
            fast, slow = week_json(data), WeekOut().dump(data)
            assert fast == slow, (reader, student, week)
            # the same JSON text: keys in the same order, no 1 for 1.0 or for true
            assert json.dumps(fast, ensure_ascii=False) == json.dumps(slow, ensure_ascii=False), (reader, week)
            lessons = [x for d in fast["days"] for x in d["lessons"]]
            seen |= {k for k, v in (("news", fast["news"] and fast["news"]["total"]),
                                    ("acknowledged", fast["acknowledgements"]),
                                    ("outdated", any(not a["current"] for a in fast["acknowledgements"])),
                                    ("marks", any(x["marks"] for x in lessons)),
                                    ("attendance", any(x["attendance"] for x in lessons)),
                                    ("planned", any(x["planned"] for x in lessons)),
                                    ("change", any(x["change"] for x in lessons)),
                                    ("homework_links", any(x["homework_links"] for x in lessons)),
                                    ("remarks", any(d["remarks"] for d in fast["days"])),
                                    ("holiday", any(d["holiday"] for d in fast["days"])),
                                    ("no class", fast["student"]["class"] is None)) if v}
    assert len(seen) == 11, seen  # every part of a week was compared at least once
