"""What the audit records can be trusted: the address comes from X-Forwarded-For only through
configured proxies, refused looks at health data are recorded, and entries made with
compromised credentials are flagged void in the API."""
from __future__ import annotations

from zhurnal.core import audit
from zhurnal.core.identity.models import User
from zhurnal.plugins.roster.models import Student
from tests.conftest import DEMO_PASSWORD, login


def _last(app, action):
    with app.app_context():
        return audit.AuditEntry.select().where(audit.AuditEntry.action == action).order_by(
            audit.AuditEntry.id.desc()).first()


def test_forwarded_for_is_ignored_without_trusted_proxies(demo_app):
    c = demo_app.test_client()
    c.environ_base["REMOTE_ADDR"] = "198.51.100.9"
    r = c.post("/api/v1/auth/login", json={"login": "teacher", "password": DEMO_PASSWORD},
               headers={"X-Forwarded-For": "10.9.9.9"})
    assert r.status_code == 200
    assert _last(demo_app, "core.login").ip == "198.51.100.9"


def test_forwarded_for_is_believed_from_a_trusted_proxy_only_for_its_own_hop(make_app):
    app = make_app(security={"argon2_time_cost": 1, "argon2_memory_cost": 8, "argon2_parallelism": 1,
                             "trusted_proxies": "10.0.0.0/8, 127.0.0.1"})
    from zhurnal.core.identity import service
    with app.app_context():
        service.create_user("t1", "Учитель", password=DEMO_PASSWORD)
    via_proxy = app.test_client()
    via_proxy.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    # the client forged "1.2.3.4" itself; the proxy appended the real address
    r = via_proxy.post("/api/v1/auth/login", json={"login": "t1", "password": DEMO_PASSWORD},
                       headers={"X-Forwarded-For": "1.2.3.4, 203.0.113.50, 10.0.0.7"})
    assert r.status_code == 200
    assert _last(app, "core.login").ip == "203.0.113.50"
    direct = app.test_client()
    direct.environ_base["REMOTE_ADDR"] = "203.0.113.66"
    direct.post("/api/v1/auth/login", json={"login": "t1", "password": DEMO_PASSWORD},
                headers={"X-Forwarded-For": "1.2.3.4"})
    assert _last(app, "core.login").ip == "203.0.113.66"


def test_refused_reads_of_health_data_are_audited(demo_app):
    with demo_app.app_context():
        parent2 = User.get(User.login == "parent2")
        other_child = Student.select().order_by(Student.id.desc()).first().id
    c = login(demo_app, "parent2")
    r = c.get(f"/api/v1/students/{other_child}/health")
    assert r.status_code in (403, 404)
    e = _last(demo_app, "health_sheet.access.denied")
    assert e is not None and e.user_id == parent2.id and e.object_id == str(other_child)
    assert e.payload["status"] == r.status_code
    r = c.get(f"/health_sheet/students/{other_child}")
    assert r.status_code in (403, 404)
    with demo_app.app_context():
        n = audit.AuditEntry.select().where((audit.AuditEntry.action == "health_sheet.access.denied")
                                            & (audit.AuditEntry.user_id == parent2.id)).count()
    assert n == 2


def test_audit_api_shows_the_void_flag(demo_app):
    teacher = login(demo_app, "teacher")
    teacher.post("/api/v1/me/tokens", json={"name": "x"})          # done with the credentials later reported
    with demo_app.app_context():
        uid = User.get(User.login == "teacher").id
    support = login(demo_app, "support")
    import datetime as dt
    since = (dt.datetime.utcnow() - dt.timedelta(hours=1)).isoformat(timespec="seconds")
    assert support.post(f"/api/v1/users/{uid}/compromised", json={"since": since}).status_code == 202
    items = login(demo_app, "admin").get("/api/v1/audit?login=teacher&per_page=100").get_json()["items"]
    made = next(i for i in items if i["action"] == "core.token.create")
    assert made["void"] is True and made["void_report_id"]
    reported = login(demo_app, "admin").get("/api/v1/audit?action=core.credentials").get_json()["items"][0]
    assert reported["void"] is False and reported["void_report_id"] is None
