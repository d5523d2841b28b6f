"""The permission table of the health sheet: every role against every health endpoint.

``F`` full view, ``PE`` the PE teacher's partial view, ``OK`` a write went through,
403 / 404 a refusal (404 where the user may not know the student or class exists).
student1 is in 5А (klass5a's class; parent1's child), the sibling in 6Б (klass6b's class;
also parent1's child); fizruk teaches PE to every class; teacher teaches maths.
"""
from __future__ import annotations

import pytest

from tests.conftest import login

from .conftest import reads, last_audit_id

F, PE, OK = "full", "pe", "ok"
LOGINS = ("admin", "director", "deputy", "teacher", "klass5a", "klass6b", "nurse", "fizruk", "parent1", "parent2",
          "student1")

#: login -> {check: expected}
TABLE = {
    #          sheet 5А  sheet 6Б  history  certs   class 5А class 6Б  PUT  add cert del cert import 5А
    "admin":    dict(s1=403, sib=403, hist=403, certs=403, c5a=403, c6b=403, put=403, add=403, rm=403, imp=403),
    "director": dict(s1=F, sib=F, hist=F, certs=F, c5a=F, c6b=F, put=403, add=403, rm=403, imp=403),
    "deputy":   dict(s1=403, sib=403, hist=403, certs=403, c5a=403, c6b=403, put=403, add=403, rm=403, imp=403),
    "teacher":  dict(s1=403, sib=403, hist=403, certs=403, c5a=403, c6b=403, put=403, add=403, rm=403, imp=403),
    "klass5a":  dict(s1=F, sib=403, hist=F, certs=F, c5a=F, c6b=403, put=OK, add=OK, rm=OK, imp=OK),
    "klass6b":  dict(s1=403, sib=F, hist=403, certs=403, c5a=403, c6b=F, put=403, add=403, rm=403, imp=403),
    "nurse":    dict(s1=F, sib=F, hist=F, certs=F, c5a=F, c6b=F, put=OK, add=OK, rm=OK, imp=OK),
    "fizruk":   dict(s1=PE, sib=PE, hist=403, certs=403, c5a=PE, c6b=PE, put=403, add=403, rm=403, imp=403),
    "parent1":  dict(s1=F, sib=F, hist=F, certs=F, c5a=404, c6b=404, put=403, add=403, rm=403, imp=404),
    "parent2":  dict(s1=404, sib=404, hist=404, certs=404, c5a=404, c6b=404, put=404, add=404, rm=404, imp=404),
    "student1": dict(s1=F, sib=404, hist=F, certs=F, c5a=404, c6b=404, put=403, add=403, rm=403, imp=404),
}

#: what the PE teacher must not get
NOT_FOR_PE = ("health_group", "health_group_label", "recommendations", "allergies", "notes", "source",
              "entered_by", "version", "certificate_today", "exists")
PE_KEYS = {"student_id", "student_name", "class_id", "class_name", "view", "pe_group", "pe_group_label",
           "pe_valid_from", "pe_valid_to", "pe_current", "pe_limits"}


def _outcome(r, kind: str):
    if r.status_code in (403, 404):
        return r.status_code
    assert r.status_code < 400, (r.status_code, r.get_json())
    if kind == "read":
        body = r.get_json()
        return body["view"] if "view" in body else F  # history and certificates: full readers only
    return OK


def _write_target(app, ids) -> dict:
    """Fresh write targets: student1's sheet version and a certificate of student1 to remove."""
    import datetime as dt
    from plugins.health_sheet import service
    from plugins.health_sheet.models import HealthRecord
    from plugins.roster.models import Student
    with app.app_context():
        st = Student.get_by_id(ids["student1"])
        cert = service.add_certificate(st, {"date_from": dt.date(2026, 10, 5), "date_to": dt.date(2026, 10, 6),
                                            "issued_by": "Поликлиника", "number": "x"}, source="nurse")
        return {"version": HealthRecord.get(HealthRecord.student == st.id).version, "cert": cert.id}


@pytest.mark.parametrize("who", LOGINS)
def test_permission_table(demo_app, hs, who):
    expected = TABLE[who]
    c = login(demo_app, who)
    s1, sib, c5a, c6b = hs["student1"], hs["sibling"], hs["class_5a"], hs["class_6b"]
    got = {
        "s1": _outcome(c.get(f"/api/v1/students/{s1}/health"), "read"),
        "sib": _outcome(c.get(f"/api/v1/students/{sib}/health"), "read"),
        "hist": _outcome(c.get(f"/api/v1/students/{s1}/health/history"), "read"),
        "certs": _outcome(c.get(f"/api/v1/students/{s1}/medical-certificates"), "read"),
        "c5a": _outcome(c.get(f"/api/v1/classes/{c5a}/health"), "read"),
        "c6b": _outcome(c.get(f"/api/v1/classes/{c6b}/health"), "read"),
    }
    t = _write_target(demo_app, hs)
    got["put"] = _outcome(c.put(f"/api/v1/students/{s1}/health",
                                json={"version": t["version"], "health_group": 1, "pe_group": "main"}), "write")
    got["add"] = _outcome(c.post(f"/api/v1/students/{s1}/medical-certificates",
                                 json={"date_from": "2026-11-02", "date_to": "2026-11-03", "issued_by": "Поликлиника",
                                       "number": f"n-{who}"}), "write")
    got["rm"] = _outcome(c.delete(f"/api/v1/medical-certificates/{t['cert']}"), "write")
    r = c.post(f"/api/v1/classes/{c5a}/health/import", data={})  # no file: an allowed caller gets 422
    got["imp"] = OK if r.status_code == 422 else _outcome(r, "write")
    assert got == expected


def test_denied_writers_never_see_validation_errors(demo_app, hs):
    """Authorization comes before the body is checked: an invalid body from a reader is 403, not 422."""
    r = login(demo_app, "director").put(f"/api/v1/students/{hs['student1']}/health", json={"version": "x"})
    assert r.status_code == 403
    r = login(demo_app, "parent2").post(f"/api/v1/students/{hs['student1']}/medical-certificates", json={})
    assert r.status_code == 404


def test_pe_teacher_gets_the_pe_part_only(demo_app, hs):
    c = login(demo_app, "fizruk")
    full = login(demo_app, "nurse").get(f"/api/v1/students/{hs['student1']}/health").get_json()
    assert full["allergies"] == "Цитрусовые" and full["health_group"] == 2
    body = c.get(f"/api/v1/students/{hs['student1']}/health").get_json()
    assert body["view"] == "pe"
    assert set(body) == PE_KEYS
    for k in NOT_FOR_PE:
        assert k not in body
    assert body["pe_group"] == full["pe_group"]
    table = c.get(f"/api/v1/classes/{hs['class_5a']}/health").get_json()
    assert table["view"] == "pe" and "health_groups" not in table["summary"]
    assert len(table["rows"]) == 25
    limited = [r for r in table["rows"] if r["pe_limits"]]
    assert limited, "the demo has students with PE limits"
    for row in table["rows"]:
        assert set(row) == PE_KEYS
    text = c.get(f"/health_sheet/classes/{hs['class_5a']}").get_data(as_text=True)
    assert "Цитрусовые" not in text and limited[0]["pe_limits"] in text


def test_pe_view_needs_teaching_pe_to_the_class(make_app):
    """A PE teacher sees only the classes (or groups) they teach PE; the maths teacher nothing."""
    from .conftest import small_school
    app = make_app(plugins=["roster", "health_sheet"])
    s = small_school(app)
    sid = s["students"][0]
    assert login(app, "fizruk").get(f"/api/v1/students/{sid}/health").get_json()["view"] == "pe"
    assert login(app, "teacher").get(f"/api/v1/students/{sid}/health").status_code == 403
    # a PE teacher of one study group only sees its members
    from core.identity.models import User
    from plugins.roster import service as roster
    from plugins.roster.models import SchoolClass, Subject, TeachingAssignment
    with app.app_context():
        TeachingAssignment.delete().where(TeachingAssignment.teacher == s["users"]["fizruk"]).execute()
        cls = SchoolClass.get_by_id(s["class"])
        grp = roster.create_group(cls.school_id, cls.year_id, "5А физкультура, девочки", "split",
                                  subject=Subject.get_by_id(s["subject_pe"]), school_class=cls,
                                  student_ids=[s["students"][1]])
        roster.assign_teaching(User.get_by_id(s["users"]["fizruk"]), Subject.get_by_id(s["subject_pe"]), group=grp)
    c = login(app, "fizruk")
    assert c.get(f"/api/v1/students/{sid}/health").status_code == 403
    assert c.get(f"/api/v1/students/{s['students'][1]}/health").get_json()["view"] == "pe"
    rows = c.get(f"/api/v1/classes/{s['class']}/health").get_json()["rows"]
    assert [r["student_id"] for r in rows] == [s["students"][1]]


def test_pe_subjects_setting(databases):
    """Which subjects count as PE is the setting ``[plugins.health_sheet] pe_subjects``."""
    from core.app import create_app
    from core.cli import migrate_all
    from core.config import load_settings
    from tests.conftest import _close_app, base_settings
    from .conftest import small_school
    url = databases.new_url()
    st = load_settings(base_settings(database_url=url, plugins={
        "enabled": ["roster", "health_sheet"], "health_sheet": {"pe_subjects": ["Математика"]}}), env={})
    app = create_app(settings=st)
    try:
        with app.app_context():
            migrate_all(app, echo=lambda *a: None)
        s = small_school(app)
        sid = s["students"][0]
        assert login(app, "teacher").get(f"/api/v1/students/{sid}/health").get_json()["view"] == "pe"
        assert login(app, "fizruk").get(f"/api/v1/students/{sid}/health").status_code == 403
    finally:
        _close_app(app)
        databases.drop(url)


def test_deputy_reads_only_when_granted(demo_template, databases):
    """The deputy gets nothing by default; a deployment grant opens the full view."""
    from tests.conftest import BUILTIN_PLUGINS, _close_app, build_app
    from tests.access import demo_ids
    template, _info = demo_template
    url = databases.new_url(template=template)
    app = build_app(url, BUILTIN_PLUGINS, migrate=False, grants={"deputy": ["health_sheet.sheet.read"]})
    try:
        ids = demo_ids(app)
        c = login(app, "deputy")
        body = c.get(f"/api/v1/students/{ids['student1']}/health").get_json()
        assert body["view"] == "full" and body["allergies"] == "Цитрусовые"
        assert c.put(f"/api/v1/students/{ids['student1']}/health", json={"version": 1}).status_code == 403
    finally:
        _close_app(app)
        databases.drop(url)


def test_each_api_read_is_audited_with_who_and_why(demo_app, hs):
    since = last_audit_id(demo_app)
    c = login(demo_app, "nurse")
    c.get(f"/api/v1/students/{hs['student1']}/health")
    c.get(f"/api/v1/students/{hs['student1']}/health/history")
    c.get(f"/api/v1/students/{hs['student1']}/medical-certificates")
    table = c.get(f"/api/v1/classes/{hs['class_5a']}/health").get_json()
    login(demo_app, "fizruk").get(f"/api/v1/students/{hs['student1']}/health")
    login(demo_app, "teacher").get(f"/api/v1/students/{hs['student1']}/health")  # refused: not a read
    entries = reads(demo_app, since)
    got = [(e.login, e.payload["via"], e.payload["view"], e.payload["students"]) for e in entries]
    s1 = [hs["student1"]]
    assert got == [
        ("nurse", "health_sheet_api.student_health", "full", s1),
        ("nurse", "health_sheet_api.health_history", "full", s1),
        ("nurse", "health_sheet_api.list_certificates", "full", s1),
        ("nurse", "health_sheet_api.class_health", "full", sorted(r["student_id"] for r in table["rows"])),
        ("fizruk", "health_sheet_api.student_health", "pe", s1),
    ]
    assert len(got[3][3]) == 25
    assert entries[3].object_type == "roster_class" and entries[3].object_id == str(hs["class_5a"])
    assert entries[0].object_type == "roster_student" and entries[0].object_id == str(hs["student1"])
