"""The API contract of issue 9: history, registration (201), the class list, and every
kind of bad input answered with a field message and nothing written."""
from __future__ import annotations

import pytest

from tests.conftest import login

BIG = 2 ** 63


def _count(app) -> int:
    from zhurnal.plugins.consent.models import ConsentRecord
    with app.app_context():
        return ConsentRecord.select().count()


def test_history_is_newest_first_with_document_text_version_and_registrar(demo_app, cids):
    c = login(demo_app, "klass5a")
    r = c.post(f"/api/v1/guardians/{cids['guardian_parent2']}/consents",
               json={"status": "withdrawn", "date": "2026-11-20",
                     "document": {"number": "ОТЗ-12", "kept_at": "папка 5А, каб. 21"}})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["guardian_id"] == cids["guardian_parent2"] and body["status"] == "withdrawn"
    assert body["student_ids"] == [cids["parent2_child"]]
    rec = body["records"][0]
    assert rec["document"] == {"number": "ОТЗ-12", "kept_at": "папка 5А, каб. 21"}
    assert rec["registered_by"]["name"] == "Иванова Ольга Николаевна" and rec["via"] == "api"
    h = c.get(f"/api/v1/guardians/{cids['guardian_parent2']}/consents").get_json()
    assert h["status"] == "withdrawn" and h["total"] == 2
    assert [i["status"] for i in h["items"]] == ["withdrawn", "granted"]
    assert [i["date"] for i in h["items"]] == ["2026-11-20", h["items"][1]["date"]]
    assert all(i["text_version"] == 1 and i["student_id"] == cids["parent2_child"] for i in h["items"])
    paged = c.get(f"/api/v1/guardians/{cids['guardian_parent2']}/consents?per_page=1&page=2").get_json()
    assert [i["status"] for i in paged["items"]] == ["granted"]


def test_a_class_teacher_reads_the_records_of_their_class_only(demo_app, cids):
    """parent1 has a child in 5А and one in 6Б: each class teacher sees their child's record, the director both."""
    url = f"/api/v1/guardians/{cids['guardian_parent1']}/consents"
    seen = {who: {i["student_id"] for i in login(demo_app, who).get(url).get_json()["items"]}
            for who in ("klass5a", "klass6b", "director")}
    assert seen == {"klass5a": {cids["student1"]}, "klass6b": {cids["sibling"]},
                    "director": {cids["student1"], cids["sibling"]}}
    page = login(demo_app, "klass6b").get(f"/consent/guardians/{cids['guardian_parent1']}").get_data(as_text=True)
    assert page.count('<tr data-status=') == 1


def test_document_may_be_given_as_a_plain_number(demo_app, cids):
    r = login(demo_app, "admin").post(f"/api/v1/guardians/{cids['guardian_none']}/consents",
                                      json={"status": "granted", "date": "2026-11-26", "document": "С-101"})
    assert r.status_code == 201
    assert r.get_json()["records"][0]["document"] == {"number": "С-101", "kept_at": ""}


def test_class_list_one_row_per_guardian(demo_app, cids):
    from zhurnal.plugins.roster.models import Guardian, Student, StudentGuardian
    r = login(demo_app, "klass5a").get(f"/api/v1/classes/{cids['class_5a']}/consents")
    assert r.status_code == 200
    items = r.get_json()["items"]
    with demo_app.app_context():
        expected = {g for (g,) in StudentGuardian.select(StudentGuardian.guardian).join(Student)
                    .where(Student.school_class == cids["class_5a"]).tuples()}
    assert sorted(i["guardian_id"] for i in items) == sorted(expected)
    by_id = {i["guardian_id"]: i for i in items}
    p1 = by_id[cids["guardian_parent1"]]
    assert p1["login"] == "parent1" and p1["student_ids"] == [cids["student1"]] and p1["status"] == "granted"
    assert by_id[cids["guardian_refused"]]["status"] == "refused"
    assert by_id[cids["guardian_none"]]["status"] == "none"
    assert by_id[cids["guardian_none"]]["children"][0]["date"] is None
    with demo_app.app_context():
        no_account = Guardian.get_or_none(Guardian.id.in_(list(expected)) & Guardian.user.is_null())
    assert by_id[no_account.id]["login"] is None


def test_class_list_filters(demo_app, cids):
    from zhurnal.plugins.consent import service
    c = login(demo_app, "klass5a")
    url = f"/api/v1/classes/{cids['class_5a']}/consents"
    paper = c.get(f"{url}?status=paper").get_json()["items"]
    with demo_app.app_context():
        assert sorted(i["guardian_id"] for i in paper) == sorted(service.paper_delivery_guardians(cids["class_5a"]))
    none = c.get(f"{url}?status=none").get_json()["items"]
    assert none and {i["status"] for i in none} == {"none"}
    r = c.get(f"{url}?status=maybe")
    assert r.status_code == 422 and "status" in r.get_json()["error"]["fields"]


BAD = [
    ({"status": "granted", "date": "2027-01-01", "document": "N"}, "date"),
    ({"status": "granted", "date": "9999-12-31", "document": "N"}, "date"),
    ({"status": "granted", "date": "0001-01-01", "document": "N"}, "date"),
    ({"status": "granted", "date": "2026-02-30", "document": "N"}, "date"),
    ({"status": "granted", "date": 20261120, "document": "N"}, "date"),
    ({"status": "yes", "date": "2026-11-20", "document": "N"}, "status"),
    ({"status": None, "date": "2026-11-20", "document": "N"}, "status"),
    ({"date": "2026-11-20", "document": "N"}, "status"),
    ({"status": "granted", "date": "2026-11-20"}, "document"),
    ({"status": "granted", "date": "2026-11-20", "document": ""}, "document.number"),
    ({"status": "granted", "date": "2026-11-20", "document": 12}, "document"),
    ({"status": "granted", "date": "2026-11-20", "document": {"kept_at": "шкаф"}}, "document.number"),
    ({"status": "granted", "date": "2026-11-20", "document": "N" * 51}, "document.number"),
    ({"status": "granted", "date": "2026-11-20", "document": {"number": "N", "kept_at": "x" * 201}}, "document.kept_at"),
    ({"status": "granted", "date": "2026-11-20", "document": "N", "student_ids": [BIG]}, "student_ids.0"),
    ({"status": "granted", "date": "2026-11-20", "document": "N", "student_ids": ["1"]}, "student_ids.0"),
    ({"status": "granted", "date": "2026-11-20", "document": "N", "student_ids": []}, "student_ids"),
    ({"status": "granted", "date": "2026-11-20", "document": "N", "student_ids": [1, 2, 3]}, "student_ids"),
    ({"status": "granted", "date": "2026-11-20", "document": "N", "consent": True}, "consent"),
]


@pytest.mark.parametrize("body,field", BAD, ids=[f"{f}-{i}" for i, (_b, f) in enumerate(BAD)])
def test_bad_input_is_422_naming_the_field(demo_app, cids, body, field):
    n = _count(demo_app)
    r = login(demo_app, "klass5a").post(f"/api/v1/guardians/{cids['guardian_none']}/consents", json=body)
    assert r.status_code == 422, r.get_json()
    err = r.get_json()["error"]
    assert field in err["fields"], err
    assert _count(demo_app) == n


def test_an_integer_beyond_64_bits_in_the_body_is_refused(demo_app, cids):
    """The JSON parser itself refuses it (400) or the schema names the field (422); nothing is written."""
    n = _count(demo_app)
    body = '{"status": "granted", "date": "2026-11-20", "document": "N", "student_ids": [%d]}' % 10 ** 30
    r = login(demo_app, "klass5a").post(f"/api/v1/guardians/{cids['guardian_none']}/consents", data=body,
                                        content_type="application/json")
    assert r.status_code in (400, 422) and "error" in r.get_json()
    assert _count(demo_app) == n


def test_a_date_before_the_standing_record_is_422(demo_app, cids):
    r = login(demo_app, "klass5a").post(f"/api/v1/guardians/{cids['guardian_parent2']}/consents",
                                        json={"status": "refused", "date": "2026-09-01", "document": "N"})
    assert r.status_code == 422 and "date" in r.get_json()["error"]["fields"]


def test_withdrawal_without_a_standing_consent_is_409(demo_app, cids):
    c = login(demo_app, "klass5a")
    for gid in (cids["guardian_none"], cids["guardian_refused"]):
        n = _count(demo_app)
        r = c.post(f"/api/v1/guardians/{gid}/consents", json={"status": "withdrawn", "date": "2026-11-20", "document": "N"})
        assert r.status_code == 409
        assert r.get_json()["error"]["code"] == "conflict" and "status" in r.get_json()["error"]["fields"]
        assert _count(demo_app) == n
    # a second withdrawal after a withdrawal is refused alike
    c.post(f"/api/v1/guardians/{cids['guardian_parent2']}/consents", json={"status": "withdrawn", "date": "2026-11-20", "document": "N"})
    r = c.post(f"/api/v1/guardians/{cids['guardian_parent2']}/consents", json={"status": "withdrawn", "date": "2026-11-21", "document": "N"})
    assert r.status_code == 409


def test_bad_bodies_and_paths(demo_app, cids):
    c = login(demo_app, "klass5a")
    url = f"/api/v1/guardians/{cids['guardian_none']}/consents"
    assert c.post(url, data="not json", content_type="application/json").status_code == 400
    assert c.post(url, json=["granted"]).status_code == 400
    for gid in (BIG, 10 ** 30, 0, 999999):
        assert c.get(f"/api/v1/guardians/{gid}/consents").status_code == 404
        assert c.post(f"/api/v1/guardians/{gid}/consents", json={"status": "granted"}).status_code == 404
        assert c.get(f"/api/v1/classes/{gid}/consents").status_code == 404
    assert c.get(f"{url}?page=0").status_code == 422
    assert c.get(f"{url}?per_page={BIG}").status_code == 422


def test_a_class_teacher_registers_only_for_children_of_their_class(demo_app, cids):
    """parent1 has children in 5А and 6Б: klass5a's paper covers the 5А child; naming the 6Б child is 403."""
    c = login(demo_app, "klass5a")
    url = f"/api/v1/guardians/{cids['guardian_parent1']}/consents"
    r = c.post(url, json={"status": "refused", "date": "2026-11-25", "document": "N", "student_ids": [cids["sibling"]]})
    assert r.status_code == 403
    r = c.post(url, json={"status": "refused", "date": "2026-11-25", "document": "N"})
    assert r.status_code == 201 and r.get_json()["student_ids"] == [cids["student1"]]
    r = login(demo_app, "klass6b").post(url, json={"status": "refused", "date": "2026-11-25", "document": "N"})
    assert r.status_code == 201 and r.get_json()["student_ids"] == [cids["sibling"]]
    r = login(demo_app, "director").post(url, json={"status": "granted", "date": "2026-11-26", "document": "N2"})
    assert r.status_code == 201 and sorted(r.get_json()["student_ids"]) == sorted([cids["student1"], cids["sibling"]])


@pytest.mark.parametrize("who,status", [("parent1", 403), ("parent2", 404), ("student1", 403), ("teacher", 403),
                                        ("nurse", 403), ("klass5b", 403), ("deputy", 403), ("fizruk", 403)])
def test_refusals_are_403_when_the_guardian_is_known_else_404(demo_app, cids, who, status):
    c = login(demo_app, who)
    url = f"/api/v1/guardians/{cids['guardian_parent1']}/consents"
    n = _count(demo_app)
    assert c.get(url).status_code == status
    # a refused caller learns nothing from validation: the same answer for a bad body
    r = c.post(url, json={"status": "bogus"})
    assert r.status_code == status and not r.get_json()["error"]["fields"]
    assert _count(demo_app) == n


@pytest.mark.parametrize("who,status", [("parent1", 403), ("student1", 403), ("teacher", 403), ("nurse", 403),
                                        ("klass6b", 403), ("support", 403)])
def test_the_class_list_refuses_others(demo_app, cids, who, status):
    assert login(demo_app, who).get(f"/api/v1/classes/{cids['class_5a']}/consents").status_code == status


def test_anonymous_gets_401(demo_app, cids):
    c = demo_app.test_client()
    assert c.get(f"/api/v1/guardians/{cids['guardian_parent1']}/consents").status_code == 401
    assert c.post(f"/api/v1/guardians/{cids['guardian_parent1']}/consents", json={}).status_code == 401
    assert c.get(f"/api/v1/classes/{cids['class_5a']}/consents").status_code == 401


def test_reads_are_audited(demo_app, cids):
    from zhurnal.core.audit import AuditEntry
    c = login(demo_app, "director")
    c.get(f"/api/v1/guardians/{cids['guardian_parent1']}/consents")
    c.get(f"/api/v1/classes/{cids['class_5a']}/consents")
    with demo_app.app_context():
        reads = list(AuditEntry.select().where(AuditEntry.action == "consent.record.read").order_by(AuditEntry.id))
    assert [(e.login, e.object_type, e.payload["via"]) for e in reads[-2:]] == [
        ("director", "roster_guardian", "api"), ("director", "roster_class", "api")]


def test_the_endpoints_are_in_the_openapi_document(demo_app):
    doc = demo_app.test_client().get("/api/v1/openapi.json").get_json()
    assert {"get", "post"} <= set(doc["paths"]["/api/v1/guardians/{guardian_id}/consents"])
    assert "get" in doc["paths"]["/api/v1/classes/{class_id}/consents"]
