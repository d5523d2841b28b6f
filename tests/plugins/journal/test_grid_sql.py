"""The grid encoded by the database (grid_sql) says what the grid built in Python says."""
from __future__ import annotations

import json
from collections import defaultdict

import orjson
import pytest

from zhurnal.core.identity.models import User
from zhurnal.plugins.journal import grid as grids
from zhurnal.plugins.journal.models import Attendance, Lesson, Mark
from zhurnal.plugins.roster.models import Period, SchoolClass, StudyGroup, Subject


def _cells(marks: list) -> dict:
    out = defaultdict(list)
    for m in marks:
        out[(m["student_id"], m["lesson_id"])].append(m)
    return dict(out)


def _same(old: dict, new: dict) -> None:
    assert list(new) == list(old)
    for key in old:
        if key == "marks":
            # every mark, each cell's marks in the order they were given
            assert _cells(new["marks"]) == _cells(old["marks"])
            assert len(new["marks"]) == len(old["marks"])
        elif key == "attendance":
            order = lambda a: (a["student_id"], a["lesson_id"])   # noqa: E731
            assert sorted(new[key], key=order) == sorted(old[key], key=order)
        else:
            assert new[key] == old[key], key


def _both(login: str, **kw) -> tuple[dict, dict]:
    user = User.get(User.login == login)
    old = grids.build(user, **kw).to_json()
    body = grids.build(user, encoded=True, **kw).response().get_data()
    return json.loads(orjson.dumps(old)), json.loads(body)


@pytest.mark.parametrize("login,subject,group,period", [
    ("teacher", "subject_math", None, "period_q1"),       # a closed quarter: read only
    ("teacher", "subject_math", None, "period_q2"),
    ("klass5a", "subject_english", None, None),          # split groups: lessons for some students
    ("klass5a", "subject_english", "group_5a_english1", None),
])
def test_the_database_encodes_the_grid_as_python_does(demo_app, ids, login, subject, group, period):
    with demo_app.test_request_context():
        kw = {"subject": Subject.get_by_id(ids[subject]),
              "period": Period.get_by_id(ids[period]) if period else None}
        if group:
            kw["group"] = StudyGroup.get_by_id(ids[group])
        else:
            kw["school_class"] = SchoolClass.get_by_id(ids["class_5a"])
        # a comment, a reason and a justification that need escaping, and a mark without a number
        lesson = next(x for x in Lesson.select().where(Lesson.subject == ids[subject]).order_by(Lesson.date)
                      if x.date >= (kw["period"].start if kw["period"] else x.date))
        m = Mark.select().where(Mark.lesson == lesson.id).first()
        if m is not None:
            Mark.update(comment='"кавычки" \\ </script>\n\tтаб', value="зач", numeric=None).where(
                Mark.id == m.id).execute()
        Attendance.update(reason='«по болезни» "x" \\ <b>', justified_by="health_sheet:certificate:1").where(
            Attendance.lesson == lesson.id).execute()
        old, new = _both(login, **kw)
    assert old["marks"] and old["students"] and old["lessons"]
    _same(old, new)


def test_an_empty_grid_is_encoded_too(demo_app, ids):
    import datetime as dt
    with demo_app.test_request_context():
        kw = {"subject": Subject.get_by_id(ids["subject_math"]), "school_class": SchoolClass.get_by_id(ids["class_5a"]),
              "date_from": dt.date(2000, 1, 1), "date_to": dt.date(2000, 1, 2)}
        old, new = _both("teacher", **kw)
    assert old["lessons"] == [] and new["marks"] == [] and new["attendance"] == []
    _same(old, new)
