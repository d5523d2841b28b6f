"""The permission table of the health sheet: every role against every health endpoint (API and pages).

``F`` full view, ``PE`` the PE teacher's partial view, ``OK`` a write (or a page without
health data) went through, 403 / 404 a refusal (404 where the user may not know the
student or class exists). A read's view is taken from its ``health_sheet.read`` audit
entry, so the table also proves that every allowed read is audited once, with who and why.
student1 is in 5А (klass5a's class; parent1's child), the sibling in 6Б (klass6b's class;
also parent1's child); fizruk teaches PE to every class; teacher teaches maths.
"""
from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import login

from .conftest import reads, last_audit_id

F, PE, OK = "full", "pe", "ok"
LOGINS = ("admin", "director", "deputy", "teacher", "klass5a", "klass6b", "nurse", "fizruk", "parent1", "parent2",
          "student1", "support")

#: the checks: name -> (method, path template, kind); kind "read" audits, "write" changes, "page" shows no health data
CHECKS = {
    # API
    "s1":     ("GET", "/api/v1/students/{student1}/health", "read"),
    "sib":    ("GET", "/api/v1/students/{sibling}/health", "read"),
    "hist":   ("GET", "/api/v1/students/{student1}/health/history", "read"),
    "certs":  ("GET", "/api/v1/students/{student1}/medical-certificates", "read"),
    "c5a":    ("GET", "/api/v1/classes/{class_5a}/health", "read"),
    "c6b":    ("GET", "/api/v1/classes/{class_6b}/health", "read"),
    "put":    ("PUT", "/api/v1/students/{student1}/health", "write"),
    "add":    ("POST", "/api/v1/students/{student1}/medical-certificates", "write"),
    "rm":     ("DELETE", "/api/v1/medical-certificates/{cert}", "write"),
    "imp":    ("POST", "/api/v1/classes/{class_5a}/health/import", "write"),
    # pages
    "index":  ("GET", "/health_sheet/", "page"),
    "p_s1":   ("GET", "/health_sheet/students/{student1}", "read"),
    "p_sib":  ("GET", "/health_sheet/students/{sibling}", "read"),
    "p_c5a":  ("GET", "/health_sheet/classes/{class_5a}", "read"),
    "p_c6b":  ("GET", "/health_sheet/classes/{class_6b}", "read"),
    "print":  ("GET", "/health_sheet/classes/{class_5a}/print", "read"),
    "p_imp":  ("GET", "/health_sheet/classes/{class_5a}/import", "page"),
    "p_impf": ("POST", "/health_sheet/classes/{class_5a}/import", "write"),
    "p_put":  ("POST", "/health_sheet/students/{student1}", "write"),
    "p_add":  ("POST", "/health_sheet/students/{student1}/certificates", "write"),
    "p_rm":   ("POST", "/health_sheet/certificates/{cert2}/remove", "write"),
}

_NONE = {k: 403 for k in CHECKS}


def _row(**kw) -> dict:
    return dict(_NONE, **kw)


#: login -> {check: expected}
TABLE = {
    # no health data at all: known classes and students answer 403
    "admin":    _row(index=403),
    "deputy":   _row(),
    "teacher":  _row(),
    "support":  _row(s1=404, sib=404, hist=404, certs=404, put=404, add=404, rm=404, p_s1=404, p_sib=404,
                     p_put=404, p_add=404, p_rm=404),
    # the director reads everything of the school, writes nothing
    "director": _row(s1=F, sib=F, hist=F, certs=F, c5a=F, c6b=F, index=OK, p_s1=F, p_sib=F, p_c5a=F, p_c6b=F,
                     print=F),
    # the class teacher: their class only, reads and writes (from the nurse's data)
    "klass5a":  _row(s1=F, hist=F, certs=F, c5a=F, put=OK, add=OK, rm=OK, imp=OK, index=OK, p_s1=F, p_c5a=F,
                     print=F, p_imp=OK, p_impf=OK, p_put=OK, p_add=OK, p_rm=OK),
    "klass6b":  _row(sib=F, c6b=F, index=OK, p_sib=F, p_c6b=F),
    # the nurse: everything of the school
    "nurse":    {k: (F if kind == "read" else OK) for k, (_m, _p, kind) in CHECKS.items()},
    # the PE teacher: the PE part of the students and classes he teaches PE, nothing else
    "fizruk":   _row(s1=PE, sib=PE, c5a=PE, c6b=PE, index=OK, p_s1=PE, p_sib=PE, p_c5a=PE, p_c6b=PE, print=PE),
    # a guardian: their own children (both), read only; other classes are unknown to them
    "parent1":  _row(s1=F, sib=F, hist=F, certs=F, c5a=404, c6b=404, imp=404, index=OK, p_s1=F, p_sib=F,
                     p_c5a=404, p_c6b=404, print=404, p_imp=404, p_impf=404),
    "parent2":  {k: (OK if k == "index" else 404) for k in CHECKS},
    # the student: themself, read only
    "student1": _row(s1=F, sib=404, hist=F, certs=F, c5a=404, c6b=404, imp=404, index=OK, p_s1=F, p_sib=404,
                     p_c5a=404, p_c6b=404, print=404, p_imp=404, p_impf=404),
}

#: what the PE teacher must not get
NOT_FOR_PE = ("health_group", "health_group_label", "recommendations", "allergies", "notes", "source",
              "entered_by", "version", "certificate_today", "exists")
PE_KEYS = {"student_id", "student_name", "class_id", "class_name", "view", "pe_group", "pe_group_label",
           "pe_valid_from", "pe_valid_to", "pe_current", "pe_limits"}


def _write_target(app, ids) -> dict:
    """Fresh write targets: student1's sheet version and two certificates of student1 to remove."""
    from zhurnal.plugins.health_sheet import service
    from zhurnal.plugins.health_sheet.models import HealthRecord
    from zhurnal.plugins.roster.models import Student
    with app.app_context():
        st = Student.get_by_id(ids["student1"])
        certs = [service.add_certificate(st, {"date_from": dt.date(2026, 10, 5), "date_to": dt.date(2026, 10, 6),
                                              "issued_by": "Поликлиника", "number": n}, source="nurse")
                 for n in ("x", "y")]
        return {"version": HealthRecord.get(HealthRecord.student == st.id).version,
                "cert": certs[0].id, "cert2": certs[1].id}


def _request(c, name: str, ids: dict, t: dict, who: str):
    method, path, _kind = CHECKS[name]
    url = path.format(**ids, **t)
    if name == "put":
        return c.put(url, json={"version": t["version"], "health_group": 1, "pe_group": "main"})
    if name == "add":
        return c.post(url, json={"date_from": "2026-11-02", "date_to": "2026-11-03", "issued_by": "Поликлиника",
                                 "number": f"n-{who}"})
    if name in ("imp", "p_impf"):
        return c.post(url, data={})  # no file: an allowed caller gets 422, before anything is read
    if name == "p_put":
        return c.post(url, data={"version": str(t["version"]), "health_group": "2", "pe_group": "main"})
    if name == "p_add":
        return c.post(url, data={"date_from": "2026-11-09", "date_to": "2026-11-10", "issued_by": "ДГП",
                                 "number": f"p-{who}", "reason": "injury"})
    return c.open(url, method=method)


def _outcome(app, who: str, name: str, r, since: int):
    kind = CHECKS[name][2]
    got_reads = [e for e in reads(app, since)]
    if r.status_code in (403, 404):
        assert got_reads == [], (name, "a refused call must not be recorded as a read")
        return r.status_code
    if kind == "write" and r.status_code == 422 and name == "imp":
        return OK
    assert r.status_code < 400, (name, r.status_code, r.get_data(as_text=True)[:300])
    if kind != "read":
        return OK
    # exactly one audit entry: who read it and why (the endpoint)
    assert len(got_reads) == 1, (name, [e.payload for e in got_reads])
    e = got_reads[0]
    method, path, _ = CHECKS[name]
    api = path.startswith("/api/")
    assert e.login == who and e.payload["via"].startswith("health_sheet_api." if api else "health_sheet."), e.payload
    if api:
        body = r.get_json()
        if "view" in body:
            assert body["view"] == e.payload["view"]
    return e.payload["view"]


@pytest.mark.parametrize("who", LOGINS)
def test_permission_table(demo_app, hs, who):
    demo_app.config["WTF_CSRF_ENABLED"] = False
    c = login(demo_app, who)
    t = _write_target(demo_app, hs)
    got = {}
    for name in CHECKS:
        since = last_audit_id(demo_app)
        got[name] = _outcome(demo_app, who, name, _request(c, name, hs, t, who), since)
        if name == "put" and got[name] == OK:
            t["version"] += 1
    assert got == TABLE[who]


def test_the_table_covers_every_health_endpoint(demo_app):
    """Every route of the plugin (API and pages) is in the table above."""
    import re
    rules = {(r.rule, m) for r in demo_app.url_map.iter_rules() if r.endpoint.startswith("health_sheet")
             for m in r.methods - {"HEAD", "OPTIONS"}}
    covered = {(re.sub(r"\{(\w+)\}", "X", p), m) for m, p, _k in CHECKS.values()}
    missing = {(rule, m) for rule, m in rules if (re.sub(r"<[^>]+>", "X", rule), m) not in covered}
    assert not missing, missing


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
    from zhurnal.core.identity.models import User
    from zhurnal.plugins.roster import service as roster
    from zhurnal.plugins.roster.models import SchoolClass, Subject, TeachingAssignment
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
    from zhurnal.core.app import create_app
    from zhurnal.core.cli import migrate_all
    from zhurnal.core.config import load_settings
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


def test_the_audit_log_shows_each_read_to_its_readers(demo_app, hs):
    """Reads are visible where the audit is read (the director's /api/v1/audit and /admin/audit):
    who read whose health data, through which page or API call, and which view."""
    since = last_audit_id(demo_app)
    login(demo_app, "parent1").get(f"/api/v1/students/{hs['sibling']}/health")
    login(demo_app, "fizruk").get(f"/health_sheet/classes/{hs['class_6b']}")
    director = login(demo_app, "director")
    body = director.get("/api/v1/audit?action=health_sheet.read&per_page=10").get_json()
    fresh = [e for e in body["items"] if e["id"] > since]
    assert [(e["login"], e["data"]["via"], e["data"]["view"]) for e in reversed(fresh)] == [
        ("parent1", "health_sheet_api.student_health", "full"),
        ("fizruk", "health_sheet.class_sheet", "pe")]
    assert fresh[1]["object_type"] == "roster_student" and fresh[1]["object_id"] == str(hs["sibling"])
    assert fresh[0]["object_type"] == "roster_class" and len(fresh[0]["data"]["students"]) == 25
    assert all(e["school_id"] == hs["school"] for e in fresh)
    # the reads of one student, by the object
    one = director.get(f"/api/v1/audit?action=health_sheet.read&object_type=roster_student"
                       f"&object_id={hs['sibling']}").get_json()["items"]
    assert one[0]["login"] == "parent1"
    page = director.get("/admin/audit?action=health_sheet.read").get_data(as_text=True)
    assert "health_sheet.read" in page and "fizruk" in page


def test_other_schools_know_nothing(make_app):
    """The nurse, director and a class teacher of another school: 404 for every student and class."""
    from zhurnal.core import access
    from zhurnal.core.identity.models import School, User
    from zhurnal.plugins.roster import service as roster
    from .conftest import PW, small_school
    app = make_app(plugins=["roster", "health_sheet"])
    s = small_school(app)
    with app.app_context():
        other = School.create(name="МБОУ СОШ № 2", short_name="СОШ № 2")
        pw_hash = app.extensions["zhurnal"].passwords.hash(PW)
        for login_name, role in (("nurse2", "nurse"), ("director2", "director"), ("klass2", "teacher")):
            u = User.create(login=login_name, display_name=login_name, password_hash=pw_hash, school=other,
                            must_change_password=False)
            access.grant(u, role, school=other)
        year = roster.create_year(other, "2026/2027", dt.date(2026, 9, 1), dt.date(2027, 5, 31), "quarters",
                                  [(dt.date(2026, 9, 1), dt.date(2027, 5, 26))])
        roster.create_class(other, year, 5, "А", class_teacher=User.get(User.login == "klass2"))
    sid, cid = s["students"][0], s["class"]
    login(app, "nurse").put(f"/api/v1/students/{sid}/health", json={"version": 0, "health_group": 2,
                                                                    "allergies": "Орехи"})
    since = last_audit_id(app)
    for who in ("nurse2", "director2", "klass2"):
        c = login(app, who)
        for url in (f"/api/v1/students/{sid}/health", f"/api/v1/students/{sid}/medical-certificates",
                    f"/api/v1/students/{sid}/health/history", f"/api/v1/classes/{cid}/health",
                    f"/health_sheet/students/{sid}", f"/health_sheet/classes/{cid}/print"):
            r = c.get(url)
            assert r.status_code == 404 and "Орехи" not in r.get_data(as_text=True), (who, url, r.status_code)
        assert c.post(f"/api/v1/students/{sid}/medical-certificates",
                      json={"date_from": "2026-11-02", "date_to": "2026-11-03", "issued_by": "x"}).status_code == 404
        index = c.get("/health_sheet/")
        assert f"/health_sheet/classes/{cid}" not in index.get_data(as_text=True)
    assert reads(app, since) == []
