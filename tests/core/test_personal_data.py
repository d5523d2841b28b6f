"""The 152-FZ access request (``zhurnal.core.personal_data``): the kernel gathers every enabled plugin's
``zhurnal_personal_data`` and its own data; who may ask for whose; the page, the download and the CLI."""
from __future__ import annotations

import json
import re

import pytest

from zhurnal.core.audit import AuditEntry
from zhurnal.core.identity.models import RoleAssignment, School, User
from tests.access import demo_ids
from tests.conftest import login


@pytest.fixture
def ids(demo_app):
    out = demo_ids(demo_app)
    with demo_app.app_context():
        out["user_student1"] = User.get(User.login == "student1").id
        out["user_parent1"] = User.get(User.login == "parent1").id
    return out


def test_a_guardian_gets_their_own_data_and_their_childrens_never_another_familys(demo_app, ids):
    r = login(demo_app, "parent1").get("/api/v1/me/personal-data")
    assert r.status_code == 200, r.get_data(as_text=True)
    d = r.get_json()
    assert d["subject"]["login"] == "parent1"
    assert d["kernel"]["account"]["login"] == "parent1" and "password_hash" not in d["kernel"]["account"]
    assert {x["role"] for x in d["kernel"]["roles"]} == {"parent"}
    assert d["subject"]["records"] == [{"kind": "guardian", "id": ids["guardian_parent1"]}]
    assert d["plugins"]["roster"]["guardians"][0]["id"] == ids["guardian_parent1"]
    assert "consent" in d["plugins"]  # parent1's consent history (granted in the demo)
    children = {c["id"]: c for c in d["children"]}
    assert set(children) == {ids["student1"], ids["sibling"]}
    assert ids["parent2_child"] not in children and ids["other_5a"] not in children
    own_child = children[ids["student1"]]["plugins"]
    assert own_child["journal"]["marks"] and own_child["roster"]["students"][0]["id"] == ids["student1"]
    assert "health_sheet" in own_child  # a guardian sees their child's health sheet
    text = json.dumps(d, ensure_ascii=False)
    with demo_app.app_context():
        from zhurnal.plugins.roster.models import Student
        other = Student.get_by_id(ids["parent2_child"])
    assert other.last_name + " " + other.first_name not in text


def test_a_student_gets_their_marks_and_their_own_health_sheet(demo_app, ids):
    d = login(demo_app, "student1").get("/api/v1/me/personal-data").get_json()
    assert d["subject"]["records"] == [{"kind": "student", "id": ids["student1"]}]
    assert d["plugins"]["journal"]["marks"] and "attendance" in d["plugins"]["journal"]
    assert d["plugins"]["health_sheet"]["sheet"]["health_group"] in (1, 2, 3)
    assert d["children"] == []


def test_administration_exports_an_account_audited_and_the_person_sees_who_read_it(demo_app, ids):
    director = login(demo_app, "director")
    r = director.get(f"/api/v1/users/{ids['user_student1']}/personal-data")
    assert r.status_code == 200
    d = r.get_json()
    assert d["subject"]["login"] == "student1" and d["plugins"]["journal"]["marks"]
    assert "health_sheet" not in d["plugins"]  # special category: not for the director
    admin = login(demo_app, "admin").get(f"/api/v1/users/{ids['user_student1']}/personal-data").get_json()
    assert admin["plugins"]["health_sheet"]["sheet"] is not None  # the administrator gets it
    with demo_app.app_context():
        reads = list(AuditEntry.select().where((AuditEntry.action == "core.personal_data.read")
                                               & (AuditEntry.object_id == str(ids["user_student1"]))))
        assert {e.login for e in reads} == {"director", "admin"}
        assert all(e.object_type == "core_user" for e in reads)
    own = login(demo_app, "student1").get("/api/v1/me/personal-data").get_json()
    who = {(a["by_login"], a["action"]) for a in own["kernel"]["accesses"]}
    assert {("director", "core.personal_data.read"), ("admin", "core.personal_data.read")} <= who
    assert not [a for a in own["kernel"]["accesses"] if a["by_login"] == "student1"]


@pytest.mark.parametrize("who", ["teacher", "klass5a", "nurse", "parent1", "parent2", "student1", "support"])
def test_others_may_not_export_an_account(demo_app, ids, who):
    r = login(demo_app, who).get(f"/api/v1/users/{ids['user_parent2']}/personal-data")
    assert r.status_code == 403, (who, r.status_code)


def test_the_notifications_sent_about_a_child_say_who_received_them(demo_app, ids):
    from zhurnal.core.notify.models import SENT, Delivery, Notification
    with demo_app.app_context():
        p1 = User.get(User.login == "parent1")
        n = Notification.create(key="pd-test:1", event="mark", school=ids["school"], student_id=ids["student1"])
        Delivery.create(notification=n, user=p1.id, channel="email", address="p1@example.ru",
                        idempotency_key="pd-test:1:email", status=SENT, sent_at=n.created_at)
        other = Notification.create(key="pd-test:2", event="mark", school=ids["school"],
                                    student_id=ids["parent2_child"])
        Delivery.create(notification=other, user=User.get(User.login == "parent2").id, channel="email",
                        address="p2@example.ru", idempotency_key="pd-test:2:email", status=SENT)
    d = login(demo_app, "parent1").get("/api/v1/me/personal-data").get_json()
    child = next(c for c in d["children"] if c["id"] == ids["student1"])
    assert [(x["event"], x["channel"], x["recipient"]) for x in child["sent_about"]] == \
        [("mark", "email", p1.display_name)]
    assert all(x["student_id"] != ids["parent2_child"] for c in d["children"] for x in c["sent_about"])
    own = login(demo_app, "student1").get("/api/v1/me/personal-data").get_json()
    assert [x["recipient"] for x in own["kernel"]["sent_about"]] == [p1.display_name]


def test_bad_ids_are_404(demo_app):
    admin = login(demo_app, "admin")
    assert admin.get("/api/v1/users/999999/personal-data").status_code == 404
    assert admin.get("/api/v1/users/abc/personal-data").status_code == 404
    assert admin.get("/api/v1/users/0/personal-data").status_code == 404


def test_another_schools_administration_gets_404(demo_app, ids):
    from zhurnal.core import access
    from zhurnal.core.identity import service
    with demo_app.app_context():
        other = School.create(name="Школа № 2", short_name="Школа № 2")
        for role in ("admin", "director"):
            u, _pw = service.create_user(f"{role}-school2", "Другая Школа", school=other)
            access.grant(u, role, school=other, scope_type="school", scope_id=other.id)
            u.password_hash = User.get(User.login == "parent2").password_hash  # the demo password
            u.must_change_password = False
            u.save()
    for role in ("admin", "director"):
        c = login(demo_app, f"{role}-school2")
        assert c.get("/api/v1/me").status_code == 200
        r = c.get(f"/api/v1/users/{ids['user_parent2']}/personal-data")
        assert r.status_code == 404, (role, r.get_data(as_text=True))
        with demo_app.app_context():
            assert RoleAssignment.get(RoleAssignment.user == User.get(User.login == f"{role}-school2").id).role == role


def test_the_profile_page_and_its_download(demo_app, ids):
    c = login(demo_app, "parent1")
    assert "/account/personal-data" in c.get("/account").get_data(as_text=True)
    html = c.get("/account/personal-data").get_data(as_text=True)
    assert "Мои персональные данные" in html and "Скачать в формате JSON" in html
    assert "Кто получал ваши данные" in html
    r = c.get("/account/personal-data.json")
    assert r.status_code == 200 and r.mimetype == "application/json"
    assert 'attachment; filename="personal-data-parent1.json"' == r.headers["Content-Disposition"]
    assert json.loads(r.get_data(as_text=True))["subject"]["login"] == "parent1"


def test_the_command_line_export(demo_app, cli, tmp_path):
    out = tmp_path / "p1.json"
    r = cli(demo_app, "personal-data", "export", "--login", "parent1", str(out))
    assert r.exit_code == 0, r.output
    d = json.loads(out.read_text(encoding="utf-8"))
    assert d["subject"]["login"] == "parent1" and d["children"]
    with demo_app.app_context():
        e = AuditEntry.select().where(AuditEntry.action == "core.personal_data.read").order_by(AuditEntry.id.desc()).get()
        assert e.user_id is None and json.loads(e.data)["via"] == "cli"
    r = cli(demo_app, "personal-data", "export", "--login", "student1")
    assert r.exit_code == 0 and json.loads(r.stdout)["subject"]["login"] == "student1"


def test_an_unknown_login_is_a_one_line_error(demo_app, tmp_path):
    from click.testing import CliRunner
    from zhurnal.core.cli import main
    r = CliRunner().invoke(main, ["personal-data", "export", "--login", "nobody"], obj={"app": demo_app})
    assert r.exit_code != 0
    lines = [line for line in r.output.splitlines() if line.strip()]
    assert lines == ["Error: no account with login 'nobody'"]


def test_who_received_a_persons_data_is_read_through_the_audit_index(demo_app, ids):
    """The export finds the reads of a person's records by ``(object_type, object_id)`` (core schema 5),
    one index range per record, instead of reading the whole audit log."""
    from zhurnal.core import db, personal_data
    objects = [("core_user", str(ids["user_student1"])), ("roster_student", str(ids["student1"]))]
    with demo_app.app_context():
        for objs in (objects, objects[1:]):
            sql, params = personal_data.accesses_query(objs, ids["user_student1"]).sql()
            if db.is_sqlite():
                plan = [r[-1] for r in db.database.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall()]
                searches = [p for p in plan if p.startswith(("SEARCH", "SCAN"))]
                assert searches and all("USING INDEX core_audit_object_type_object_id" in p for p in searches), plan
            else:   # the demo's audit is small: ask whether the index can serve, not whether it pays yet
                with db.database.atomic():
                    db.database.execute_sql("SET LOCAL enable_seqscan = off")
                    plan = [r[0] for r in db.database.execute_sql("EXPLAIN " + sql, params).fetchall()]
                text = "\n".join(plan)
                scans = re.findall(r"Index Scan (?:on|using) core_audit_object_type_object_id", text)
                assert "Seq Scan" not in text and len(scans) == len(objs), text
