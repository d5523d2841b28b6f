"""In-process checks of the benchmark's requests, with Flask's test client.

Before the server is loaded, every request is tried once here: it must answer
200 (else its scenario is skipped and the reason printed), its SQL statements
are counted (for a 10- and a 30-student class, to show the count does not grow
with the class), and it is timed alone, without HTTP or concurrency. With
``--profile`` the slow ones are profiled (pyinstrument if installed, else cProfile).
"""
from __future__ import annotations

import contextlib
import io
import logging
import statistics
import time
from dataclasses import dataclass, field

from zhurnal.core import db


@dataclass
class Probe:
    name: str
    login: str
    method: str
    path: str
    json: dict | None = None
    status: int = 0
    queries: int = 0
    ms: float = 0.0        # median wall time of single requests in-process
    cpu_ms: float = 0.0    # median CPU time of the same (unaffected by other work on the machine)
    error: str = ""
    sql: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status in (200, 201) and not self.error


@contextlib.contextmanager
def count_queries():
    """Like ``tests.utils.count_queries``: the SQL statements run through peewee inside the block."""
    seen: list[str] = []
    database = db.database.obj
    original = database.execute_sql

    def counting(sql, params=None, *args, **kwargs):
        seen.append(sql)
        return original(sql, params, *args, **kwargs)

    database.execute_sql = counting
    try:
        yield seen
    finally:
        del database.execute_sql


class Clients:
    """Logged-in test clients, one per login."""

    def __init__(self, app, password: str) -> None:
        self.app, self.password, self.cache = app, password, {}
        # an exception in a view reaches the probe (and its report) instead of becoming a 500
        app.config["PROPAGATE_EXCEPTIONS"] = True

    def __call__(self, login: str):
        if login not in self.cache:
            c = self.app.test_client()
            r = c.post("/api/v1/auth/login", json={"login": login, "password": self.password})
            if r.status_code != 200:
                raise RuntimeError(f"login {login}: {r.status_code} {r.get_data(as_text=True)[:200]}")
            self.cache[login] = c
        return self.cache[login]


def run_probe(clients: Clients, p: Probe, repeat: int = 20) -> Probe:
    """Status, query count and in-process median time of one request."""
    logging.getLogger("core").setLevel(logging.CRITICAL)  # a 500 is reported below, not as a traceback
    try:
        c = clients(p.login)
        r = c.open(p.path, method=p.method, json=p.json)   # warm-up (and the status)
        p.status = r.status_code
        if not p.ok:
            body = " ".join(r.get_data(as_text=True).split())
            p.error = f"answered {r.status_code}: {body[:160]}"
            return p
        _undo(c, p, r)
        with count_queries() as seen:
            r = c.open(p.path, method=p.method, json=p.json)
        _undo(c, p, r)
        p.queries, p.sql = len(seen), list(seen)
        times, cpu = [], []
        for _ in range(repeat):
            t0, c0 = time.perf_counter(), time.thread_time()
            r = c.open(p.path, method=p.method, json=p.json)
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.thread_time() - c0) * 1000)
            _undo(c, p, r)
        p.ms, p.cpu_ms = statistics.median(times), statistics.median(cpu)
    except Exception as e:  # noqa: BLE001 - reported, the benchmark goes on
        p.error = f"{type(e).__name__}: {e}{_where(e)}"
    return p


def _where(e: BaseException) -> str:
    """`` at path:line`` of the innermost frame in Zhurnal's own code."""
    import os
    import traceback
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frames = [f for f in traceback.extract_tb(e.__traceback__)
              if f.filename.startswith(root) and "/bench/" not in f.filename]
    if not frames:
        return ""
    f = frames[-1]
    return f" (at {os.path.relpath(f.filename, root)}:{f.lineno} in {f.name})"


def _undo(client, p: Probe, response) -> None:
    """A probe that created a mark deletes it again (the database stays as generated)."""
    if p.method == "POST" and response.status_code == 201:
        data = response.get_json(silent=True) or {}
        if "id" in data:
            client.delete(f"{p.path}/{data['id']}")


def profile(clients: Clients, p: Probe, repeat: int = 50) -> str:
    """A profile of ``repeat`` requests, as text (pyinstrument when installed)."""
    c = clients(p.login)
    try:
        from pyinstrument import Profiler
    except ImportError:
        Profiler = None
    if Profiler is not None:
        prof = Profiler(interval=0.0005)
        prof.start()
        for _ in range(repeat):
            _undo(c, p, c.open(p.path, method=p.method, json=p.json))
        prof.stop()
        return prof.output_text(unicode=True, color=False, show_all=False)
    import cProfile
    import pstats
    pr = cProfile.Profile()
    pr.enable()
    for _ in range(repeat):
        _undo(c, p, c.open(p.path, method=p.method, json=p.json))
    pr.disable()
    out = io.StringIO()
    pstats.Stats(pr, stream=out).sort_stats("cumulative").print_stats(30)
    return out.getvalue()
