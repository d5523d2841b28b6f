"""The week view's own statements agree with the journal's rule of which lessons and timetable
slots concern a student (split groups, streams, individual plans, a student out of class)."""
from __future__ import annotations

import datetime as dt

from tests.conftest import login

from .helpers import user

QUARTER = (dt.date(2026, 11, 5), dt.date(2026, 12, 28))


def test_lessons_and_slots_are_the_journals(ids, demo_app):
    from plugins.diary import week_sql
    from plugins.journal import service as journal
    from plugins.roster import service as roster
    from plugins.roster.models import Student, StudyGroup
    with demo_app.test_request_context():
        stream = StudyGroup.get(StudyGroup.kind == "stream")
        outside = roster.create_student(ids["school"], None, {"last_name": "Вне", "first_name": "Класса"})
        roster.set_group_members(stream, [s.id for s in roster.group_students(stream.id)] + [outside.id])
        students = list(Student.select())
        assert any(s.individual_plan for s in students)
        kinds = set()
        for st in students:
            span = {"sid": st.id, "cid": st.school_class_id}
            mine = [r[0] for r in week_sql.LESSONS.rows(date_from=QUARTER[0], date_to=QUARTER[1], school=st.school_id,
                                                        **span)]
            theirs = [x.id for x in journal.student_lessons(st, *QUARTER)]
            assert mine == theirs, st.full_name
            every_day = {name: weekday for weekday, name in enumerate(week_sql.WEEKDAY_SLOTS, 1)}
            slots = sorted({r[0] for r in week_sql.TIMETABLE.rows(date_from=QUARTER[0], date_to=QUARTER[1], **span,
                                                                  **every_day)})
            assert slots == sorted(e.id for e in journal.timetable_for_student(st)), st.full_name
            kinds.add((bool(st.individual_plan), st.school_class_id is None, bool(mine)))
        assert (True, False, True) in kinds and (False, True, True) in kinds


def test_planned_days_show_the_days_changes(ids, demo_app):
    """A future week has no lesson records: the timetable's slots show, with a cancellation
    and a substitute named on their day only."""
    from plugins.journal import service as journal
    from plugins.roster.models import Student
    day = dt.date(2026, 12, 8)  # a Tuesday beyond the demo's planned lessons
    with demo_app.test_request_context():
        st = Student.get_by_id(ids["student1"])
        slots = [e for e in journal.timetable_for_student(st) if e.weekday == day.isoweekday()]
        first, second = slots[0], slots[1]
        journal.set_timetable_change(first, day, "cancelled", note="Олимпиада")
        journal.set_timetable_change(second, day, "substitution", teacher=user("klass6a"), note="Замена")
        journal.set_timetable_change(second, day + dt.timedelta(days=7), "room", room="41")
    week = login(demo_app, "parent1").get(f"/api/v1/students/{ids['student1']}/diary?week={day.isoformat()}").get_json()
    tuesday = next(d for d in week["days"] if d["date"] == day.isoformat())
    assert [x["number"] for x in tuesday["lessons"]] == [e.number for e in slots]
    assert all(x["planned"] for x in tuesday["lessons"])
    assert tuesday["lessons"][0]["cancelled"] and tuesday["lessons"][0]["change"]["note"] == "Олимпиада"
    assert tuesday["lessons"][1]["teacher"] == "Тарасов Евгений Павлович"
    assert tuesday["lessons"][1]["change"]["kind"] == "substitution" and tuesday["lessons"][1]["room"] != "41"
    wednesday = next(d for d in week["days"] if d["date"] == (day + dt.timedelta(days=1)).isoformat())
    assert not any(x["change"] for x in wednesday["lessons"])
