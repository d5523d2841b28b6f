"""The compromise procedure on the scale-out path (PostgreSQL, Redis, three gunicorn workers):

parent1 reports a compromise; the old session's next request is refused on every worker; the old
API token is refused; the director sees the incident with its deadline; a mark changed by a teacher
account in the suspect window is reverted, and the audit shows both changes.

Skips when PostgreSQL or Redis is not reachable; fails instead with ZHURNAL_REQUIRE_SERVICES=1.
"""
from __future__ import annotations

import datetime as dt
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import DEMO_PASSWORD
from tests.core.conftest import zhurnal_executable
from tests.scale.test_scale_out import Client, _free_port, _gunicorn, _query, demo_deployment

pytestmark = [pytest.mark.services, pytest.mark.slow]


@pytest.fixture
def journal_deployment(tmp_path):
    with demo_deployment(tmp_path, "roster,journal") as dep:
        yield dep


def _bearer(base: str, token: str, path: str) -> int:
    req = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=20) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code


def _served(log, path: str, status: str) -> set[str]:
    return {p[0] for p in (line.split() for line in log.read_text().splitlines())
            if len(p) == 4 and p[2] == path and p[3] == status}


def test_parent_reports_a_compromise_and_a_teacher_accounts_mark_is_reverted(journal_deployment):
    dep = journal_deployment
    port = _free_port()
    log = dep["tmp"] / "access.log"
    _gunicorn(dep, port, log)
    base = f"http://127.0.0.1:{port}"

    # parent1 signs in; someone keeps a copy of the cookie; a script holds a token
    parent = Client(base)
    assert parent.call("POST", "/api/v1/auth/login", {"login": "parent1", "password": DEMO_PASSWORD})[0] == 200
    status, tok = parent.call("POST", "/api/v1/me/tokens", {"name": "скрипт"})
    assert status == 201
    thief = Client(base)
    for cookie in parent.jar:
        thief.jar.set_cookie(cookie)
    assert {s for s, _ in thief.many("GET", "/api/v1/me", 9)} == {200}
    assert _bearer(base, tok["token"], "/api/v1/me") == 200

    status, rep = parent.call("POST", "/api/v1/me/compromised", {"note": "Пароль подсмотрели"})
    assert status == 202
    refused = thief.many("GET", "/api/v1/me", 30)
    assert {s for s, _ in refused} == {401}
    time.sleep(0.3)
    assert len(_served(log, "/api/v1/me", "401")) == 3, "the old session must be refused by every worker"
    assert {_bearer(base, tok["token"], "/api/v1/me") for _ in range(9)} == {401}

    # the director sees the incident with its deadline
    director = Client(base)
    assert director.call("POST", "/api/v1/auth/login", {"login": "director", "password": DEMO_PASSWORD})[0] == 200
    status, items = director.call("GET", "/api/v1/incidents")
    mine = next(i for i in items if i["id"] == rep["report_id"])
    assert status == 200 and mine["account"]["login"] == "parent1" and mine["state"] == "open"
    deadline = dt.datetime.fromisoformat(mine["deadline_at"].replace("Z", "+00:00")).replace(tzinfo=None)
    assert deadline > dt.datetime.fromisoformat(mine["reported_at"].replace("Z", "+00:00")).replace(tzinfo=None)

    # a teacher account (in other hands) changes a mark; support reports it, the admin reverts the window
    teacher_id = _query(dep["url"], "SELECT id FROM core_user WHERE login = 'teacher'")[0][0]
    mark_id, version, value = _query(dep["url"], (
        "SELECT m.id, m.version, m.value FROM journal_mark m JOIN journal_lesson l ON l.id = m.lesson_id "
        "JOIN roster_period p ON p.id = l.period_id "
        f"WHERE l.teacher_id = {teacher_id} AND m.value IN ('4', '5') AND p.closed_at IS NULL "
        "ORDER BY l.date DESC, m.id LIMIT 1"))[0]
    forged = "2"
    window_start = _query(dep["url"], "SELECT now() AT TIME ZONE 'UTC' - interval '1 second'")[0][0]
    intruder = Client(base)
    assert intruder.call("POST", "/api/v1/auth/login", {"login": "teacher", "password": DEMO_PASSWORD})[0] == 200
    status, body = intruder.call("PATCH", f"/api/v1/marks/{mark_id}", {"version": version, "value": forged})
    assert status == 200, body
    support = Client(base)
    assert support.call("POST", "/api/v1/auth/login", {"login": "support", "password": DEMO_PASSWORD})[0] == 200
    status, trep = support.call("POST", f"/api/v1/users/{teacher_id}/compromised", {"note": "чужой вход"})
    assert status == 202
    admin = Client(base)
    assert admin.call("POST", "/api/v1/auth/login", {"login": "admin", "password": DEMO_PASSWORD})[0] == 200
    status, _ = admin.call("POST", f"/api/v1/incidents/{trep['report_id']}/window",
                           {"since": window_start.isoformat(timespec="seconds")})
    assert status == 200
    status, writes = admin.call("GET", f"/api/v1/incidents/{trep['report_id']}/writes")
    assert [w["action"] for w in writes if w["action"].startswith("journal.")] == ["journal.mark.update"]
    status, out = admin.call("POST", f"/api/v1/incidents/{trep['report_id']}/revert")
    assert status == 200 and [r["status"] for r in out["results"] if r["action"].startswith("journal.")] == ["reverted"]
    assert _query(dep["url"], f"SELECT value FROM journal_mark WHERE id = {mark_id}") == [(value,)]

    status, page = admin.call("GET", f"/api/v1/audit?action=journal.mark.update&object_id={mark_id}")
    changes = [(e["login"], e["data"]["value"], e["void"]) for e in page["items"]]
    assert changes[:2] == [("admin", [forged, value], False), ("teacher", [value, forged], True)]
    status, page = admin.call("GET", "/api/v1/audit?action=core.incident.revert")
    assert page["items"] and page["items"][0]["data"]["account"] == "teacher"
    r = subprocess.run(zhurnal_executable() + ["audit", "verify"], env=dep["env"], cwd=dep["tmp"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.startswith("audit log intact"), r.stderr
