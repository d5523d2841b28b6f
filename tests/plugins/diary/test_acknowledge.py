"""Acknowledgements («Ознакомлен»): who may, immutability, re-acknowledging newer data,
and the class teacher's control page with its exports."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from tests.conftest import TODAY, login
from tests.utils import count_queries

from .helpers import LAST_WEEK, THIS_WEEK, audit_actions, give_mark


def _ack(client, student_id, week):
    return client.post(f"/api/v1/students/{student_id}/diary/acknowledgements", json={"week": week.isoformat()})


def test_guardian_acknowledges_a_week_once_until_data_changes(ids, demo_app, caught):
    from zhurnal.plugins.diary import signals
    from zhurnal.plugins.diary.models import Acknowledgement
    got = caught(signals.diary_acknowledged)
    c = login(demo_app, "parent1")
    r = _ack(c, ids["student1"], TODAY)  # any day of the week: it is the week of that day
    assert r.status_code == 201, r.get_json()
    first = r.get_json()
    assert first["week"] == THIS_WEEK.isoformat() and first["user_id"] == ids["user_parent1"]
    assert first["guardian_id"] == ids["guardian_parent1"] and first["at"]
    assert got and got[-1]["student_id"] == ids["student1"] and got[-1]["guardian_user_id"] == ids["user_parent1"]
    assert got[-1]["week"] == THIS_WEEK and got[-1]["school_id"] == ids["school"]
    entry = audit_actions(demo_app, "diary.acknowledge", login="parent1")[-1]
    assert entry.payload["student"] == ids["student1"] and entry.payload["week"] == THIS_WEEK.isoformat()

    # nothing changed: the standing acknowledgement answers, no new row, no signal
    again = _ack(c, ids["student1"], THIS_WEEK)
    assert again.status_code == 200 and again.get_json()["id"] == first["id"]
    assert len(got) == 1
    week = c.get(f"/api/v1/students/{ids['student1']}/diary").get_json()
    assert week["can_acknowledge"] is False
    assert [a["current"] for a in week["acknowledgements"] if a["user_id"] == ids["user_parent1"]] == [True]

    # a new mark: the acknowledgement is outdated, a second one is a new row; the first stays as it was
    give_mark(demo_app, ids["student1"], TODAY, "2", comment="Не выполнено домашнее задание")
    week = c.get(f"/api/v1/students/{ids['student1']}/diary").get_json()
    assert week["can_acknowledge"] is True
    assert [a["current"] for a in week["acknowledgements"] if a["user_id"] == ids["user_parent1"]] == [False]
    second = _ack(c, ids["student1"], THIS_WEEK)
    assert second.status_code == 201 and second.get_json()["id"] != first["id"]
    assert second.get_json()["marks"] == first["marks"] + 1
    with demo_app.app_context():
        rows = list(Acknowledgement.select().where((Acknowledgement.student == ids["student1"]) &
                                                   (Acknowledgement.week == THIS_WEEK))
                    .order_by(Acknowledgement.id))
        assert [a.id for a in rows] == [first["id"], second.get_json()["id"]]
        assert rows[0].at.isoformat().startswith(first["at"][:19])
        assert rows[0].fingerprint != rows[1].fingerprint
    assert len(got) == 2


def test_who_may_acknowledge(ids, as_user, demo_app):
    assert _ack(as_user("parent1"), ids["sibling"], LAST_WEEK).status_code == 201
    assert _ack(as_user("student1"), ids["student1"], THIS_WEEK).status_code == 403
    assert _ack(as_user("klass5a"), ids["student1"], THIS_WEEK).status_code == 403
    assert _ack(as_user("director"), ids["student1"], THIS_WEEK).status_code == 403
    before = len(audit_actions(demo_app, "diary.access.denied"))
    assert _ack(as_user("parent2"), ids["student1"], THIS_WEEK).status_code == 404
    denied = audit_actions(demo_app, "diary.access.denied")
    assert len(denied) == before + 1 and denied[-1].payload["permission"] == "diary.acknowledge"


def test_acknowledgement_input_is_checked(ids, as_user):
    c = as_user("parent1")
    future = _ack(c, ids["student1"], THIS_WEEK + dt.timedelta(days=7))
    assert future.status_code == 422 and "week" in future.get_json()["error"]["fields"]
    bad = c.post(f"/api/v1/students/{ids['student1']}/diary/acknowledgements", json={"week": "вчера"})
    assert bad.status_code == 422 and "week" in bad.get_json()["error"]["fields"]
    missing = c.post(f"/api/v1/students/{ids['student1']}/diary/acknowledgements", json={})
    assert missing.status_code == 422
    assert c.post(f"/api/v1/students/{ids['student1']}/diary/acknowledgements", data="x",
                  content_type="text/plain").status_code == 415


def test_acknowledge_button_on_the_page(ids, as_user):
    c = as_user("parent1")
    r = c.post(f"/diary/students/{ids['student1']}/acknowledge", data={"week": THIS_WEEK.isoformat()})
    assert r.status_code == 302
    html = c.get(r.headers["Location"]).get_data(as_text=True)
    assert 'id="ack-done"' in html and 'id="ack-button"' not in html
    assert "Спасибо: ознакомление с неделей отмечено." in html
    assert as_user("student1").post(f"/diary/students/{ids['student1']}/acknowledge",
                                    data={"week": THIS_WEEK.isoformat()}).status_code == 403


def test_the_students_own_view_does_not_count(ids, demo_app, as_user):
    """student1 reads the week; the control page still shows parent1 as not acknowledged."""
    as_user("student1").get(f"/api/v1/students/{ids['student1']}/diary")
    as_user("student1").get(f"/diary/students/{ids['student1']}")
    ctl = as_user("klass5a").get(f"/api/v1/classes/{ids['class_5a']}/acknowledgements").get_json()
    mine = [r for r in ctl["rows"] if r["student_id"] == ids["student1"]]
    assert mine and all(r["status"] in ("pending", "no_account") for r in mine)
    p1 = next(r for r in mine if r["user_id"] == ids["user_parent1"])
    assert p1["status"] == "pending" and p1["acknowledged_at"] is None
    page = as_user("student1").get(f"/diary/students/{ids['student1']}").get_data(as_text=True)
    assert 'id="ack-button"' not in page and "Родитель отмечает ознакомление" in page


def test_control_page_lists_guardians_acknowledgements_and_visits(ids, demo_app, as_user):
    _ack(as_user("parent1"), ids["student1"], THIS_WEEK)
    c = as_user("klass5a")
    data = c.get(f"/api/v1/classes/{ids['class_5a']}/acknowledgements").get_json()
    assert data["class"]["name"] == "5А" and data["week"] == THIS_WEEK.isoformat()
    p1 = next(r for r in data["rows"] if r["user_id"] == ids["user_parent1"])
    assert p1["status"] == "acknowledged" and p1["acknowledged_at"] and p1["last_visit_at"]
    p2 = next(r for r in data["rows"] if r["student_id"] == ids["parent2_child"] and r["has_account"])
    assert p2["status"] == "pending"
    s = data["summary"]
    assert s["guardians"] == len(data["rows"]) and s["acknowledged"] >= 1 and s["no_account"] >= 1
    assert s["students"] == 25
    # a past week from the demo: parent1 acknowledged it, parent2 did not
    last = c.get(f"/api/v1/classes/{ids['class_5a']}/acknowledgements?week={LAST_WEEK.isoformat()}").get_json()
    assert next(r for r in last["rows"] if r["user_id"] == ids["user_parent1"])["status"] == "acknowledged"
    assert next(r for r in last["rows"] if r["student_id"] == ids["parent2_child"]
                and r["has_account"])["status"] == "pending"
    assert {r["status"] for r in last["rows"]} >= {"acknowledged", "pending", "no_account"}
    # the page
    html = c.get(f"/diary/classes/{ids['class_5a']}/acknowledgements").get_data(as_text=True)
    assert "Ознакомление с дневником, 5А класс" in html
    assert f'data-student="{ids["student1"]}" data-guardian="{ids["guardian_parent1"]}" data-status="acknowledged"' in html


def test_control_after_new_data_is_outdated(ids, demo_app, as_user):
    _ack(as_user("parent1"), ids["student1"], THIS_WEEK)
    give_mark(demo_app, ids["student1"], TODAY, "3")
    data = as_user("klass5a").get(f"/api/v1/classes/{ids['class_5a']}/acknowledgements").get_json()
    assert next(r for r in data["rows"] if r["user_id"] == ids["user_parent1"])["status"] == "outdated"


def test_control_access(ids, as_user):
    assert as_user("klass5a").get(f"/api/v1/classes/{ids['class_6b']}/acknowledgements").status_code == 403
    assert as_user("director").get(f"/api/v1/classes/{ids['class_6b']}/acknowledgements").status_code == 200
    assert as_user("parent1").get(f"/api/v1/classes/{ids['class_5a']}/acknowledgements").status_code == 404
    assert as_user("teacher").get(f"/api/v1/classes/{ids['class_5a']}/acknowledgements").status_code == 403
    assert as_user("klass5a").get(f"/api/v1/classes/999999/acknowledgements").status_code == 404
    assert as_user("klass5a").get(f"/api/v1/classes/{ids['class_5a']}/acknowledgements?week=x").status_code == 422


def test_control_exports(ids, demo_app, as_user):
    c = as_user("klass5a")
    url = f"/diary/classes/{ids['class_5a']}/acknowledgements"
    r = c.get(f"{url}.csv?week={LAST_WEEK.isoformat()}")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    text = r.get_data().decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert lines[0][:4] == ["Ученик", "Родитель", "Кем приходится", "Статус"]
    api = c.get(f"/api/v1/classes/{ids['class_5a']}/acknowledgements?week={LAST_WEEK.isoformat()}").get_json()
    assert len(lines) == 1 + len(api["rows"])
    p1 = next(x for x in lines if x[1] == next(r["guardian"] for r in api["rows"] if r["user_id"] == ids["user_parent1"]))
    assert p1[3] == "Ознакомлен" and p1[4]
    r = c.get(f"{url}.xlsx?week={LAST_WEEK.isoformat()}")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    from openpyxl import load_workbook
    ws = load_workbook(io.BytesIO(r.get_data())).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0][0] == "Ученик" and len(values) == len(lines)
    assert sorted(str(v[3]) for v in values[1:]) == sorted(x[3] for x in lines[1:])
    assert c.get(f"{url}.pdf").status_code == 404
    assert audit_actions(demo_app, "diary.control.export", login="klass5a")
    assert as_user("parent1").get(f"{url}.csv").status_code == 404


def test_an_acknowledgement_cannot_be_changed_or_withdrawn(ids, demo_app, as_user):
    from zhurnal.plugins.diary.models import Acknowledgement
    c = as_user("parent1")
    ack = _ack(c, ids["student1"], THIS_WEEK).get_json()
    url = f"/api/v1/students/{ids['student1']}/diary/acknowledgements"
    for method in ("PUT", "PATCH", "DELETE"):
        assert c.open(url, method=method, json={"week": THIS_WEEK.isoformat()}).status_code == 405, method
    assert c.delete(f"{url}/{ack['id']}").status_code == 404
    with demo_app.app_context():
        row = Acknowledgement.get_by_id(ack["id"])
        row.at = row.at - dt.timedelta(days=3)
        with pytest.raises(TypeError):
            row.save()
        with pytest.raises(TypeError):
            row.delete_instance()
        assert Acknowledgement.get_by_id(ack["id"]).at.isoformat().startswith(ack["at"][:19])


def test_control_denials_are_audited(ids, demo_app, as_user):
    before = len(audit_actions(demo_app, "diary.access.denied"))
    assert as_user("parent1").get(f"/diary/classes/{ids['class_5a']}/acknowledgements").status_code == 404
    assert as_user("klass5a").get(f"/api/v1/classes/{ids['class_6b']}/acknowledgements").status_code == 403
    denied = audit_actions(demo_app, "diary.access.denied")[before:]
    assert [(d.login, d.object_type, d.object_id) for d in denied] == [
        ("parent1", "roster_class", str(ids["class_5a"])), ("klass5a", "roster_class", str(ids["class_6b"]))]
    assert denied[0].payload["permission"] == "diary.control.read"


def test_control_runs_a_constant_number_of_queries(ids, demo_app):
    """40 more students with a guardian each, acknowledgements and marks: same statement count."""
    from zhurnal.plugins.roster import service as roster
    from zhurnal.plugins.roster.models import SchoolClass
    c = login(demo_app, "klass5a")
    url = f"/api/v1/classes/{ids['class_5a']}/acknowledgements"
    page = f"/diary/classes/{ids['class_5a']}/acknowledgements"
    c.get(url), c.get(page)
    with count_queries() as q1:
        rows_before = len(c.get(url).get_json()["rows"])
    with count_queries() as p1:
        c.get(page)
    with demo_app.test_request_context():
        cls = SchoolClass.get_by_id(ids["class_5a"])
        for i in range(40):
            st = roster.create_student(cls.school_id, cls, {"last_name": f"Новиков{i}", "first_name": "Пётр"})
            roster.create_guardian(cls.school_id, {"last_name": f"Новикова{i}", "first_name": "Анна"}, student=st,
                                   relation="mother")
    for i in range(3):
        give_mark(demo_app, ids["other_5a"], TODAY - dt.timedelta(days=i + 1), "4")
    with count_queries() as q2:
        rows_after = len(c.get(url).get_json()["rows"])
    with count_queries() as p2:
        c.get(page)
    assert rows_after == rows_before + 40
    assert q1.count == q2.count and p1.count == p2.count, (q1.count, q2.count, p1.count, p2.count)
