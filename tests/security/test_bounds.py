"""Finding 8: out-of-range integers and boundary dates are 4xx everywhere, never 500.

Every route with an id in its path, every query schema and every body schema of the API
is probed generically (not endpoint by endpoint), as the admin and as a teacher.
"""
from __future__ import annotations

import re

import pytest
from marshmallow import fields as mfields

from zhurnal.core.api import OPERATIONS
from tests.conftest import login

HUGE = 2 ** 63
BIG_VALUES = (HUGE, 2 ** 31, -HUGE)
DATES = ("9999-12-31", "0001-01-01")
PATH_PARAM = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _int_rules(app):
    for rule in app.url_map.iter_rules():
        convs = [m.group(1) for m in PATH_PARAM.finditer(rule.rule)]
        if any(c in ("int", "id") for c in convs):
            yield rule


def _fill(rule: str, value) -> str:
    return PATH_PARAM.sub(lambda m: str(value) if m.group(1) in ("int", "id") else "x", rule)


@pytest.mark.parametrize("who", ["admin", "teacher"])
def test_huge_ids_in_paths_are_404(demo_app, who):
    client = login(demo_app, who)
    rules = list(_int_rules(demo_app))
    assert len(rules) > 50
    bad = []
    for rule in rules:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for value in (HUGE, 2 ** 31):
                path = _fill(rule.rule, value)
                r = client.open(path, method=method, json={} if method != "GET" else None)
                if r.status_code >= 500 or r.status_code not in (404, 405, 400, 403, 422, 409, 415):
                    bad.append((method, path, r.status_code))
    assert not bad, bad


def _schema_fields(schema):
    from zhurnal.core.api import schema_instance
    return schema_instance(schema).fields.items()


def _api_ops(kind):
    seen = set()
    for name, ops in sorted(OPERATIONS.items()):
        for op in ops:
            schema = getattr(op, kind)
            if schema is not None and (op.rule, op.method) not in seen:
                seen.add((op.rule, op.method))
                yield op


def _real_path(app, rule: str, ids: dict) -> str:
    # ids of the demo where the rule names them, 1 elsewhere: enough to reach validation or a 404
    return PATH_PARAM.sub(lambda m: str(ids.get(m.group(2), 1)), rule)


@pytest.fixture
def demo_path_ids(demo_app):
    from zhurnal.plugins.roster.models import SchoolClass, Student
    with demo_app.app_context():
        c = SchoolClass.select().order_by(SchoolClass.id).first()
        s = Student.select().order_by(Student.id).first()
        return {"class_id": c.id, "student_id": s.id, "school_id": c.school_id}


def test_huge_integers_and_boundary_dates_in_queries(demo_app, demo_path_ids):
    client = login(demo_app, "admin")
    bad, probed = [], 0
    for op in _api_ops("query"):
        path = _real_path(demo_app, op.rule, demo_path_ids)
        for name, f in _schema_fields(op.query):
            key = f.data_key or name
            values = BIG_VALUES if isinstance(f, mfields.Integer) else DATES if isinstance(f, mfields.Date) else ()
            for v in values:
                probed += 1
                r = client.open(path, method=op.method.upper(), query_string={key: str(v)})
                if r.status_code >= 500:
                    bad.append((op.method, path, key, v, r.status_code))
    assert probed > 20
    assert not bad, bad


def test_huge_page_offsets(demo_app):
    client = login(demo_app, "admin")
    for q in ({"page": str(HUGE)}, {"page": str(2 ** 40), "per_page": "500"}):
        for path in ("/api/v1/audit", "/api/v1/users", "/api/v1/students"):
            r = client.get(path, query_string=q)
            assert r.status_code in (200, 422), (path, q, r.status_code, r.get_data(as_text=True)[:300])


def test_huge_integers_and_boundary_dates_in_bodies(demo_app, demo_path_ids):
    client = login(demo_app, "admin")
    bad, probed = [], 0
    for op in _api_ops("body"):
        path = _real_path(demo_app, op.rule, demo_path_ids)
        for name, f in _schema_fields(op.body):
            key = f.data_key or name
            values = BIG_VALUES if isinstance(f, mfields.Integer) else DATES if isinstance(f, mfields.Date) else ()
            for v in values:
                probed += 1
                r = client.open(path, method=op.method.upper(), json={key: v})
                if r.status_code >= 500:
                    bad.append((op.method, path, key, v, r.status_code))
    assert probed > 20
    assert not bad, bad


def test_week_at_the_ends_of_the_calendar(demo_app):
    parent = login(demo_app, "parent1")
    teacher = login(demo_app, "teacher")
    from tests.access import demo_ids
    ids = demo_ids(demo_app)
    for d in DATES:
        for client, path in ((parent, f"/api/v1/students/{ids['student1']}/diary?week={d}"),
                             (parent, f"/diary/students/{ids['student1']}?week={d}"),
                             (teacher, f"/journal/class/{ids['class_5a']}?week={d}")):
            r = client.get(path)
            assert r.status_code in (400, 404, 422), (path, r.status_code)


def test_class_letter_empty_is_422(demo_app, demo_path_ids):
    admin = login(demo_app, "admin")
    path = f"/api/v1/classes/{demo_path_ids['class_id']}"
    version = admin.get(path).get_json()["version"]
    r = admin.patch(path, json={"letter": "", "version": version})
    assert r.status_code == 422, r.get_data(as_text=True)[:500]
    assert "letter" in r.get_json()["error"]["fields"]


def test_huge_numbers_in_page_query_strings(demo_app):
    from tests.access import demo_ids
    ids = demo_ids(demo_app)
    cases = {
        "parent1": ["/diary/messages?page={n}", "/diary/students/%d/marks?period_id={n}" % ids["student1"]],
        "teacher": ["/journal/class/%d?subject_id={n}" % ids["class_5a"],
                    "/journal/class/%d?subject_id=%d&period_id={n}" % (ids["class_5a"], ids["subject_math"]),
                    "/journal/group/%d?subject_id={n}" % ids["group_5a_english1"]],
        "admin": ["/roster/school?year_id={n}"],
        "nurse": ["/health_sheet/?page={n}"],
    }
    for who, paths in cases.items():
        client = login(demo_app, who)
        for path in paths:
            for n in (HUGE, -HUGE, 2 ** 31):
                r = client.get(path.format(n=n))
                assert r.status_code < 500, (who, path, n, r.status_code)


def test_nul_characters_are_refused_not_500(demo_app):
    """PostgreSQL cannot store NUL in text: it is refused as bad input everywhere (found by the fuzz test)."""
    from tests.access import demo_ids
    ids = demo_ids(demo_app)
    admin = login(demo_app, "admin")
    r = admin.post("/api/v1/schools", json={"name": "Школа\u0000№ 1", "short_name": "Школа"})
    assert r.status_code == 422 and "name" in r.get_json()["error"]["fields"], r.get_data(as_text=True)[:300]
    r = admin.get("/api/v1/students", query_string={"q": "Ив\u0000"})
    assert r.status_code in (400, 422)
    r = admin.get(f"/roster/classes/{ids['class_5a']}", query_string={"q": "Ив\u0000"})
    assert r.status_code == 400
    teacher = login(demo_app, "teacher")
    from tests.plugins.journal.helpers import journal_ids
    lesson = journal_ids(demo_app)["lesson_math_5a"]
    r = teacher.post(f"/journal/lessons/{lesson}", data={"topic": "Дроби\u0000", "version": "1"})
    assert r.status_code == 400
