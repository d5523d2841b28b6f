"""Many teachers saving marks at once (``concurrent_marks`` in ``bench.run``).

Each of ``--teachers`` teachers (50 by default; ``bench_t001``... with a class lesson of
their own in an open period) logs in, then all start together behind a barrier: each gives
``rounds`` marks in its lesson (``POST /api/v1/marks``), then changes the first of them
``rounds`` times (``PATCH`` with the version it was last answered). Then the database is
asked: every mark answered 201 must be there (no lost insert), none that was not, and every
changed mark must carry version 1 + the changes answered 200 (no lost update). Printed:
answers by status, "database is locked" seen in any answer or the server log, lost
writes, and latency (median, p95, max) of the requests.
"""
from __future__ import annotations

import http.client
import json
import threading
import time
from dataclasses import dataclass, field

COMMENT = "bench-concurrent"


@dataclass
class Outcome:
    teachers: int = 0
    requests: int = 0
    statuses: dict = field(default_factory=dict)
    locked: int = 0
    lost_inserts: int = 0
    phantom_inserts: int = 0
    lost_updates: int = 0
    examples: dict = field(default_factory=dict)   # status -> the first answer of that status (not 200/201)
    p50: float | None = None
    p95: float | None = None
    max: float | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        bad = sum(n for st, n in self.statuses.items() if st not in (200, 201))
        return not (bad or self.locked or self.lost_inserts or self.phantom_inserts or self.lost_updates)

    def lines(self) -> list[str]:
        ms = lambda v: "-" if v is None else f"{v:.1f} ms"   # noqa: E731
        return [f"concurrent_marks {'PASS' if self.ok else 'FAIL'}  {self.teachers} teachers at once, "
                f"{self.requests} requests in {self.seconds:.1f} s: answers {dict(sorted(self.statuses.items()))}; "
                f"'database is locked' {self.locked}; lost inserts {self.lost_inserts}, unexpected rows "
                f"{self.phantom_inserts}, lost updates {self.lost_updates}; latency median {ms(self.p50)}, "
                f"p95 {ms(self.p95)}, max {ms(self.max)}"] + [f"  {st}: {text}" for st, text in self.examples.items()]


def _connect(url: str):
    if url.startswith("sqlite"):
        import sqlite3
        return sqlite3.connect(url[len("sqlite:///"):], timeout=30), "?"
    import psycopg2
    conn = psycopg2.connect(url)
    conn.autocommit = True
    return conn, "%s"


def _query(url: str, sql: str, params=()) -> list[tuple]:
    conn, mark = _connect(url)
    try:
        cur = conn.cursor()
        cur.execute(sql.replace("?", mark), params)
        return cur.fetchall() if cur.description else []
    finally:
        conn.close()


def plan(url: str, meta: dict, teachers: int) -> list[tuple[str, int, int]]:
    """``(login, lesson, student)`` for up to ``teachers`` teachers: each one's latest class
    lesson up to today in an open period, and a student of that class (not on an individual plan: those have lessons of their own)."""
    rows = _query(url, """
        SELECT u.login, l.id, (SELECT MIN(s.id) FROM roster_student s WHERE s.class_id = l.class_id
                                                                      AND s.left_at IS NULL AND NOT s.individual_plan)
        FROM core_user u JOIN journal_lesson l ON l.teacher_id = u.id JOIN roster_period p ON p.id = l.period_id
        WHERE u.login LIKE ? AND l.class_id IS NOT NULL AND l.group_id IS NULL AND NOT l.cancelled AND p.closed_at IS NULL
          AND l.date <= ? AND l.date >= ?
        ORDER BY u.login, l.date DESC, l.id""", ("bench_t%", meta["today"], meta["grid_period"]["to"]))
    out, seen = [], set()
    for login, lesson, student in rows:
        if login not in seen and student is not None:
            seen.add(login)
            out.append((login, lesson, student))
    return out[:teachers]


def _call(base: str, method: str, path: str, cookie: str, body: dict) -> tuple[int, bytes, float]:
    host, port = base.split("//", 1)[1].split(":")
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection(host, int(port), timeout=120)
    conn.request(method, path, body=json.dumps(body).encode(),
                 headers={"Cookie": cookie, "Content-Type": "application/json"})
    r = conn.getresponse()
    payload = r.read()
    conn.close()
    return r.status, payload, (time.perf_counter() - t0) * 1000


def run(base: str, url: str, meta: dict, cookies, teachers: int = 50, rounds: int = 10,
        server_log=None) -> Outcome:
    who = plan(url, meta, teachers)
    sessions = [cookies(login) for login, _l, _s in who]   # logged in before the clock starts
    barrier = threading.Barrier(len(who))
    lock = threading.Lock()
    out = Outcome(teachers=len(who))
    latencies: list[float] = []
    created: list[int] = []
    expected_versions: dict[int, int] = {}

    def note(status: int, payload: bytes, ms: float) -> None:
        with lock:
            out.requests += 1
            out.statuses[status] = out.statuses.get(status, 0) + 1
            latencies.append(ms)
            if b"locked" in payload:
                out.locked += 1
            if status not in (200, 201):
                out.examples.setdefault(status, payload[:300].decode("utf-8", "replace"))

    def teacher(i: int) -> None:
        _login, lesson, student = who[i]
        barrier.wait()
        mine = []
        for k in range(rounds):
            status, payload, ms = _call(base, "POST", "/api/v1/marks", sessions[i],
                                        {"lesson_id": lesson, "student_id": student, "value": "54"[k % 2],
                                         "kind": "answer", "comment": COMMENT})
            note(status, payload, ms)
            if status == 201:
                mine.append(json.loads(payload))
        if not mine:
            return
        first, version = mine[0]["id"], mine[0]["version"]
        changed = 0
        for k in range(rounds):
            status, payload, ms = _call(base, "PATCH", f"/api/v1/marks/{first}", sessions[i],
                                        {"version": version, "value": "34"[k % 2]})
            note(status, payload, ms)
            if status == 200:
                version, changed = json.loads(payload)["version"], changed + 1
        with lock:
            created.extend(m["id"] for m in mine)
            expected_versions[first] = 1 + changed

    threads = [threading.Thread(target=teacher, args=(i,)) for i in range(len(who))]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.seconds = time.perf_counter() - t0

    rows = dict(_query(url, "SELECT id, version FROM journal_mark WHERE comment = ?", (COMMENT,)))
    out.lost_inserts = sum(1 for i in created if i not in rows)
    out.phantom_inserts = len(set(rows) - set(created))
    out.lost_updates = sum(1 for i, v in expected_versions.items() if rows.get(i) != v)
    if server_log is not None and server_log.exists():
        out.locked += server_log.read_text(encoding="utf-8", errors="replace").count("database is locked")
    latencies.sort()
    if latencies:
        out.p50 = latencies[len(latencies) // 2]
        out.p95 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))]
        out.max = latencies[-1]
    return out


def cleanup(url: str) -> None:
    _query(url, "DELETE FROM journal_mark WHERE comment = ?", (COMMENT,))
