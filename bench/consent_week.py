"""What the consent check costs a guardian's diary week, in-process, in one run.

Builds the demo school (SQLite in a temporary directory, every built-in plugin), then
times the week page and the week API of ``parent1`` (whose consent is registered) with the
consent plugin on for the school and, in the same run, switched off (the diary then asks
nobody), alternating rounds so that load from other work on the machine hits both alike.
Also times the hook's answer alone against a bare primary-key SELECT.

    python -m bench.consent_week [--rounds 5] [--repeat 40]
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from bench.inproc import count_queries

TODAY = dt.date(2026, 11, 26)


def _app(url: str):
    from zhurnal.core.app import create_app
    from zhurnal.core.config import load_settings
    return create_app(settings=load_settings({
        "database_url": url, "testing": True, "secret_key": "bench-" + "x" * 32, "today": TODAY.isoformat(),
        "queue_url": "memory",
        "security": {"argon2_time_cost": 1, "argon2_memory_cost": 8, "argon2_parallelism": 1}}, env={}))


def _times(fn, repeat: int) -> float:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return statistics.median(out)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=40)
    a = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="zh-consent-bench-"))
    app = _app(f"sqlite:///{tmp / 'demo.db'}")
    from zhurnal.core import demo
    from zhurnal.core.cli import migrate_all
    from zhurnal.core.identity.models import School, User
    from zhurnal.plugins.roster.models import Guardian, Student, StudentGuardian
    with app.app_context():
        migrate_all(app, echo=lambda *x: None)
        demo.seed(students_per_class=25, today=TODAY)
        uid = User.get(User.login == "parent1").id
        sid = (Student.select(Student.id).join(StudentGuardian).join(Guardian).where(Guardian.user == uid)
               .order_by(Student.id).scalar())
        school_id = School.select().get().id
    app.config["WTF_CSRF_ENABLED"] = False
    parent = app.test_client()
    assert parent.post("/api/v1/auth/login", json={"login": "parent1", "password": "demo12345"}).status_code == 200
    admin = app.test_client()
    assert admin.post("/api/v1/auth/login", json={"login": "admin", "password": "demo12345"}).status_code == 200
    page, api = f"/diary/students/{sid}", f"/api/v1/students/{sid}/diary"

    def toggle(on: bool) -> None:
        r = admin.put(f"/api/v1/schools/{school_id}/plugins/consent", json={"enabled": on})
        assert r.status_code == 200, r.get_json()

    results = {("page", True): [], ("page", False): [], ("api", True): [], ("api", False): []}
    queries = {}
    for _ in range(a.rounds):
        for on in (True, False):
            toggle(on)
            for name, path in (("page", page), ("api", api)):
                assert parent.get(path).status_code == 200
                with count_queries() as seen:
                    parent.get(path)
                queries[(name, on)] = len(seen)
                results[(name, on)].append(_times(lambda p=path: parent.get(p), a.repeat))
    toggle(True)
    from zhurnal.core.db import database
    from zhurnal.plugins.consent import service
    with app.app_context():
        service.granted(uid, sid)
        hook = min(_times(lambda: service.granted(uid, sid), a.repeat * 5) for _ in range(a.rounds))
        bare = min(_times(lambda: database.execute_sql("SELECT id FROM roster_student WHERE id = ?", (sid,)).fetchall(),
                          a.repeat * 5) for _ in range(a.rounds))
    print(f"diary week of parent1, in-process, median of {a.repeat} requests, best of {a.rounds} rounds")
    for name in ("page", "api"):
        on, off = min(results[(name, True)]), min(results[(name, False)])
        print(f"  {name:4}: consent on {on:6.2f} ms ({queries[(name, True)]} queries), "
              f"off {off:6.2f} ms ({queries[(name, False)]} queries): ratio {on / off:.3f}")
    print(f"  the hook's answer alone: {hook * 1000:.0f} µs; a bare primary-key SELECT: {bare * 1000:.0f} µs "
          f"(ratio {hook / bare:.1f})")


if __name__ == "__main__":
    main()
