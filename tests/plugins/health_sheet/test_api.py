"""The health sheet API: versioned edits, 409 on stale, history, validation, the class table."""
from __future__ import annotations

from tests.conftest import login
from tests.utils import count_queries

from .conftest import audit_since, last_audit_id, small_school

BODY = {"health_group": 3, "pe_group": "special", "pe_valid_from": "2026-09-01", "pe_valid_to": "2026-12-31",
        "pe_limits": "Без бега", "recommendations": "Первая парта", "allergies": "Орехи", "notes": "Очки"}


def test_first_save_then_versioned_edits_and_history(make_app):
    app = make_app(plugins=["roster", "health_sheet"])
    s = small_school(app)
    sid = s["students"][0]
    nurse, klass = login(app, "nurse"), login(app, "klass")
    empty = nurse.get(f"/api/v1/students/{sid}/health").get_json()
    assert empty["exists"] is False and empty["version"] == 0 and empty["health_group"] is None

    r = nurse.put(f"/api/v1/students/{sid}/health", json={"version": 0, **BODY})
    assert r.status_code == 200, r.get_json()
    v1 = r.get_json()
    assert v1["version"] == 1 and v1["source"] == "nurse" and v1["entered_by"]["id"] == s["users"]["nurse"]
    assert v1["health_group"] == 3 and v1["pe_valid_to"] == "2026-12-31" and v1["allergies"] == "Орехи"

    # the class teacher enters a change from the nurse's data
    r = klass.put(f"/api/v1/students/{sid}/health", json={"version": 1, **BODY, "pe_group": "preparatory"})
    assert r.status_code == 200
    v2 = r.get_json()
    assert v2["version"] == 2 and v2["source"] == "nurse_data" and v2["entered_by"]["id"] == s["users"]["klass"]

    # the nurse still holds version 1: refused, with the current sheet
    r = nurse.put(f"/api/v1/students/{sid}/health", json={"version": 1, **BODY, "allergies": "Мёд"})
    assert r.status_code == 409
    err = r.get_json()["error"]
    assert err["code"] == "conflict" and err["current"]["version"] == 2 and err["current"]["pe_group"] == "preparatory"
    assert nurse.get(f"/api/v1/students/{sid}/health").get_json()["allergies"] == "Орехи"

    # a save without changes makes no new version
    r = nurse.put(f"/api/v1/students/{sid}/health", json={"version": 2, **BODY, "pe_group": "preparatory"})
    assert r.status_code == 200 and r.get_json()["version"] == 2

    hist = nurse.get(f"/api/v1/students/{sid}/health/history").get_json()
    assert hist["total"] == 2
    newest, first = hist["items"]
    assert (newest["version"], newest["source"], newest["entered_by"]["id"], newest["changed"]) == \
        (2, "nurse_data", s["users"]["klass"], ["pe_group"])
    assert (first["version"], first["source"], first["pe_group"]) == (1, "nurse", "special")
    assert "health_group" in first["changed"] and "allergies" in first["changed"]
    # paging keeps what each version changed
    page2 = nurse.get(f"/api/v1/students/{sid}/health/history?per_page=1&page=1").get_json()
    assert page2["items"][0]["changed"] == ["pe_group"] and page2["total"] == 2

    with app.app_context():
        from zhurnal.plugins.health_sheet.models import HealthVersion
        assert [v.version for v in HealthVersion.select().order_by(HealthVersion.version)] == [1, 2]


def test_writes_are_audited(make_app):
    app = make_app(plugins=["roster", "health_sheet"])
    s = small_school(app)
    sid = s["students"][1]
    since = last_audit_id(app)
    klass = login(app, "klass")
    klass.put(f"/api/v1/students/{sid}/health", json={"version": 0, "health_group": 2, "pe_group": "main"})
    klass.put(f"/api/v1/students/{sid}/health", json={"version": 1, "health_group": 1, "pe_group": "main"})
    entries = [e for e in audit_since(app, since) if e.action.startswith("health_sheet.sheet")]
    assert [(e.action, e.login) for e in entries] == [("health_sheet.sheet.create", "klass"),
                                                      ("health_sheet.sheet.update", "klass")]
    assert entries[0].payload["source"] == "nurse_data" and entries[0].payload["student"] == sid
    assert entries[1].payload["changed"] == ["health_group"]


def test_bad_input_gets_field_messages(make_app):
    app = make_app(plugins=["roster", "health_sheet"])
    s = small_school(app)
    sid = s["students"][0]
    nurse = login(app, "nurse")
    url = f"/api/v1/students/{sid}/health"
    cases = [
        ({"health_group": 2}, "version"),
        ({"version": 0, "health_group": 6}, "health_group"),
        ({"version": 0, "pe_group": "olympic"}, "pe_group"),
        ({"version": 0, "pe_group": "exempt", "pe_valid_from": "2026-12-01", "pe_valid_to": "2026-11-01"}, "pe_valid_to"),
        ({"version": 0, "pe_limits": "без бега"}, "pe_group"),
        ({"version": 0, "pe_valid_from": "31.12.2026", "pe_group": "main"}, "pe_valid_from"),
        ({"version": 0, "allergies": "x" * 2001}, "allergies"),
        ({"version": 0, "diagnosis": "ОРВИ"}, "diagnosis"),
    ]
    for body, field in cases:
        r = nurse.put(url, json=body)
        assert r.status_code == 422, (body, r.status_code)
        assert field in r.get_json()["error"]["fields"], (body, r.get_json())
    assert nurse.put(url, data="x", content_type="text/plain").status_code == 415
    assert nurse.put(url, data="[]", content_type="application/json").status_code == 400
    assert nurse.get("/api/v1/students/999999/health").status_code == 404
    assert nurse.put("/api/v1/students/999999/health", json={"version": 0}).status_code == 404
    assert nurse.get("/api/v1/classes/999999/health").status_code == 404
    assert nurse.get(f"/api/v1/students/{sid}/health/history?per_page=0").status_code == 422
    assert login(app, "nurse").get(url).get_json()["exists"] is False  # nothing was written


def test_stale_first_save(make_app):
    """Two editors both start from "no sheet yet": the second is refused."""
    app = make_app(plugins=["roster", "health_sheet"])
    s = small_school(app)
    url = f"/api/v1/students/{s['students'][0]}/health"
    assert login(app, "nurse").put(url, json={"version": 0, "health_group": 1}).status_code == 200
    r = login(app, "klass").put(url, json={"version": 0, "health_group": 2})
    assert r.status_code == 409 and r.get_json()["error"]["current"]["health_group"] == 1


def test_class_table(demo_app, hs):
    c = login(demo_app, "klass5a")
    body = c.get(f"/api/v1/classes/{hs['class_5a']}/health").get_json()
    assert body["class_name"] == "5А" and body["view"] == "full" and body["date"] == "2026-11-26"
    assert body["summary"]["students"] == len(body["rows"]) == 25
    assert body["summary"]["pe_groups"]["exempt"] == 1 and body["summary"]["pe_groups"]["preparatory"] == 3
    assert sum(body["summary"]["health_groups"].values()) == 25
    names = [r["student_name"] for r in body["rows"]]
    assert names == sorted(names)  # the class list order
    exempt = next(r for r in body["rows"] if r["pe_group"] == "exempt")
    assert exempt["pe_current"] is True and exempt["pe_valid_to"] > "2026-11-26"


def test_class_table_queries_do_not_grow_with_the_class(demo_app, hs):
    """The class table is one set of queries whatever the number of students (no N+1)."""
    c = login(demo_app, "nurse")
    c.get(f"/api/v1/classes/{hs['class_5a']}/health")  # warm up (login, caches)
    counts = []
    for cls in (hs["class_5a"], hs["class_6b"]):
        with count_queries() as q:
            r = c.get(f"/api/v1/classes/{cls}/health")
        assert r.status_code == 200
        counts.append(q.count)
    with demo_app.app_context():
        from zhurnal.plugins.roster.models import Student
        from zhurnal.plugins.health_sheet import service
        from zhurnal.core.identity.models import User
        cls6b = hs["class_6b"]
        extra = [Student.create(school=hs["school"], school_class=cls6b, last_name=f"Новиков{i}", first_name="Иван")
                 for i in range(10)]
        nurse = User.get(User.login == "nurse")
        for st in extra:
            service.save_sheet(st, {"health_group": 1, "pe_group": "main"}, version=0, by=nurse, source="nurse")
    with count_queries() as q:
        r = c.get(f"/api/v1/classes/{hs['class_6b']}/health")
    assert len(r.get_json()["rows"]) == 35
    assert q.count == counts[1] == counts[0], (counts, q.count)
    assert q.count <= 16, q.queries
    # the page shares the table: the same holds there
    pages = []
    for cls in (hs["class_5a"], hs["class_6b"]):
        with count_queries() as q:
            assert c.get(f"/health_sheet/classes/{cls}").status_code == 200
        pages.append(q.count)
    assert pages[0] == pages[1] <= 20, pages


def test_openapi_lists_the_health_endpoints(demo_app):
    spec = demo_app.test_client().get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    assert set(paths["/api/v1/students/{student_id}/health"]) == {"get", "put"}
    assert "/api/v1/students/{student_id}/health/history" in paths
    assert set(paths["/api/v1/students/{student_id}/medical-certificates"]) == {"get", "post"}
    assert "delete" in paths["/api/v1/medical-certificates/{certificate_id}"]
    assert "/api/v1/classes/{class_id}/health" in paths


def test_responses_match_the_documented_contract(demo_app, hs):
    """What the endpoints answer is what openapi.json documents: the same fields, the documented enums."""
    spec = demo_app.test_client().get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]

    def props(name):
        return set(schemas[name]["properties"])

    def ref(path, method, status="200"):
        op = spec["paths"][path][method]
        return op["responses"][status]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]

    cert_in = schemas[spec["paths"]["/api/v1/students/{student_id}/medical-certificates"]["post"]["requestBody"]
                      ["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]]
    assert set(cert_in["required"]) == {"date_from", "date_to", "issued_by"}
    assert cert_in["properties"]["reason"]["enum"] == ["illness", "injury", "sanatorium", "other"]
    assert "diagnosis" not in cert_in["properties"] and cert_in.get("additionalProperties") is False
    sheet_in = schemas[spec["paths"]["/api/v1/students/{student_id}/health"]["put"]["requestBody"]
                       ["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]]
    assert sheet_in["required"] == ["version"]
    assert sheet_in["properties"]["pe_group"]["enum"][:4] == ["main", "preparatory", "special", "exempt"]

    nurse = login(demo_app, "nurse")
    sid = hs["student1"]
    sheet = nurse.get(f"/api/v1/students/{sid}/health").get_json()
    assert set(sheet) == props(ref("/api/v1/students/{student_id}/health", "get"))
    hist = nurse.get(f"/api/v1/students/{sid}/health/history").get_json()
    assert set(hist) == props(ref("/api/v1/students/{student_id}/health/history", "get"))
    assert set(hist["items"][0]) == props("HealthSheetHealthVersionOut")
    table = nurse.get(f"/api/v1/classes/{hs['class_5a']}/health").get_json()
    assert set(table) == props(ref("/api/v1/classes/{class_id}/health", "get"))
    assert set(table["rows"][0]) == set(sheet)
    r = nurse.post(f"/api/v1/students/{sid}/medical-certificates",
                   json={"date_from": "2026-11-02", "date_to": "2026-11-03", "issued_by": "ДГП № 2"})
    assert r.status_code == 201
    created = r.get_json()
    assert set(created) == props(ref("/api/v1/students/{student_id}/medical-certificates", "post", "201"))
    assert created["reason"] == "illness" and created["number"] == ""  # the documented defaults
    listed = nurse.get(f"/api/v1/students/{sid}/medical-certificates").get_json()
    assert set(listed) == props(ref("/api/v1/students/{student_id}/medical-certificates", "get"))
    removed = nurse.delete(f"/api/v1/medical-certificates/{created['id']}").get_json()
    assert set(removed) == set(created)
    err = nurse.put(f"/api/v1/students/{sid}/health", json={"version": 0}).get_json()  # stale: 409
    assert set(err["error"]) >= {"code", "message", "fields", "current"}


def test_personal_data_export(demo_app, hs):
    from zhurnal.plugins.health_sheet.export import personal_data
    with demo_app.app_context():
        data = personal_data(hs["ill_student"])
    assert data["sheet"]["version"] >= 1 and data["versions"]
    assert data["certificates"][0]["reason"] == "illness"
