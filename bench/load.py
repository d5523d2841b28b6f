"""Load generators: ``wrk`` with :file:`bench/wrk.lua` when installed, else a Python thread pool.

A :class:`Scenario` is a list of requests cycled through (each with its session
cookie and an ``X-Bench`` label header for the server-side timer), or a POST /
DELETE loop that deletes every row it creates.
"""
from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass
class Request:
    method: str
    path: str
    headers: dict = field(default_factory=dict)
    body: str | None = None


@dataclass
class Loop:
    """Delete what each successful POST created: ``delete_path % id``."""
    delete_path: str
    delete_headers: dict
    id_pattern: str = r'"id"\s*:\s*(\d+)'
    delete_body: str | None = None


@dataclass
class Scenario:
    name: str
    label: str
    reqs: list[Request]
    loop: Loop | None = None


@dataclass
class Result:
    name: str
    tool: str
    requests: int
    seconds: float
    p50: float            # milliseconds
    p95: float
    p99: float
    errors: int           # non-2xx/3xx answers and socket errors
    note: str = ""
    others: float | None = None   # % of the machine's CPU used by other processes meanwhile
    server_cpu: float | None = None   # CPU seconds the server used meanwhile
    served: int | None = None         # requests the server finished meanwhile (its log)

    @property
    def cpu_per_request(self) -> float | None:
        """Server CPU milliseconds per request (gunicorn included): the cost, however busy the machine."""
        n = self.served or self.requests
        return self.server_cpu * 1000 / n if self.server_cpu is not None and n else None

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def has_wrk() -> bool:
    return shutil.which("wrk") is not None


# --- wrk ----------------------------------------------------------------------------------------

def _lua_str(s: str | None) -> str:
    if s is None:
        return "nil"
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _lua_headers(h: dict) -> str:
    return "{" + ", ".join(f"[{_lua_str(k)}] = {_lua_str(v)}" for k, v in h.items()) + "}"


def _lua_pattern(py_regex: str) -> str:
    """The few regex pieces we use, as a Lua pattern."""
    return py_regex.replace(r"\s", "%s").replace(r"\d", "%d")


def write_config(scenario: Scenario, path: Path) -> None:
    lines = ["reqs = {"]
    for r in scenario.reqs:
        headers = dict(r.headers, **{"X-Bench": scenario.label})
        lines.append(f"  {{method = {_lua_str(r.method)}, path = {_lua_str(r.path)}, "
                     f"headers = {_lua_headers(headers)}, body = {_lua_str(r.body)}}},")
    lines.append("}")
    if scenario.loop:
        lp = scenario.loop
        headers = dict(lp.delete_headers, **{"X-Bench": scenario.label + "_delete"})
        lines.append(f"loop = {{delete_path = {_lua_str(lp.delete_path)}, "
                     f"delete_headers = {_lua_headers(headers)}, delete_body = {_lua_str(lp.delete_body)}, "
                     f"id_pattern = {_lua_str(_lua_pattern(lp.id_pattern))}}}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def run_wrk(base: str, scenario: Scenario, duration: float, connections: int, threads: int, workdir: Path) -> Result:
    cfg = workdir / f"wrk-{scenario.name}.lua"
    write_config(scenario, cfg)
    env = dict(os.environ, BENCH_WRK_CONFIG=str(cfg))
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s", "--timeout", "10s",
           "-s", str(HERE / "wrk.lua"), base]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=duration + 60)
    m = re.search(r"^BENCH_RESULT (\{.*\})$", p.stdout, re.M)
    if not m:
        raise RuntimeError(f"wrk failed for {scenario.name}: {p.stdout[-500:]} {p.stderr[-500:]}")
    d = json.loads(m.group(1))
    errors = d["connect"] + d["read"] + d["write"] + d["status"] + d["timeout"]
    return Result(scenario.name, "wrk", d["requests"], d["duration_us"] / 1e6, d["p50"] / 1000, d["p95"] / 1000,
                  d["p99"] / 1000, errors)


# --- Python fallback --------------------------------------------------------------------------------

def run_python(base: str, scenario: Scenario, duration: float, connections: int) -> Result:
    """A keep-alive thread pool: one connection per thread, per-request timing."""
    host, port = base.split("//", 1)[1].split(":")
    lat: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + duration
    pattern = re.compile(scenario.loop.id_pattern) if scenario.loop else None

    def call(conn, method, path, headers, body):
        t0 = time.perf_counter()
        conn.request(method, path, body=body.encode() if body else None, headers=headers)
        r = conn.getresponse()
        data = r.read()
        return r.status, data, time.perf_counter() - t0

    def worker(k: int):
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        mine, bad = [], 0
        i = k * 7
        while time.perf_counter() < deadline:
            r = scenario.reqs[i % len(scenario.reqs)]
            i += 1
            try:
                status, data, dt_ = call(conn, r.method, r.path, dict(r.headers, **{"X-Bench": scenario.label}), r.body)
                mine.append(dt_)
                if status >= 400:
                    bad += 1
                if scenario.loop and status in (200, 201):
                    m = pattern.search(data.decode())
                    if m:
                        lp = scenario.loop
                        status, _d, dt_ = call(conn, "DELETE", lp.delete_path % m.group(1),
                                               dict(lp.delete_headers, **{"X-Bench": scenario.label + "_delete"}),
                                               lp.delete_body)
                        mine.append(dt_)
                        bad += status >= 400
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection(host, int(port), timeout=10)
        with lock:
            lat.extend(mine)
            errors[0] += bad

    t0 = time.perf_counter()
    ts = [threading.Thread(target=worker, args=(k,)) for k in range(connections)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    seconds = time.perf_counter() - t0
    lat.sort()
    if not lat:
        return Result(scenario.name, "python", 0, seconds, 0, 0, 0, errors[0])
    pick = lambda q: lat[min(len(lat) - 1, int(len(lat) * q))] * 1000  # noqa: E731
    return Result(scenario.name, "python", len(lat), seconds, statistics.median(lat) * 1000, pick(0.95), pick(0.99),
                  errors[0], note="python client (wrk not installed): numbers include the client's own CPU")


def run(base: str, scenario: Scenario, duration: float, connections: int, threads: int, workdir: Path,
        tool: str = "auto") -> Result:
    if tool == "wrk" or (tool == "auto" and has_wrk()):
        return run_wrk(base, scenario, duration, connections, threads, workdir)
    return run_python(base, scenario, duration, connections)
