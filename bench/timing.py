"""Server-side time per request: a WSGI middleware and the reader of its log.

:class:`Timer` times every request that carries an ``X-Bench: <label>`` header, from
entering the app until it returns (view, hooks, teardown), and appends
``label<TAB>wall ms<TAB>CPU ms<TAB>status`` to a file: one line, one write, so the gunicorn
workers can share the file. :func:`read_times` and :func:`summary` read it back.

The CPU time (the worker thread's own) is what a request costs whatever else the
machine is doing; the wall time is what it takes, waiting for the CPU included.
"""
from __future__ import annotations

import os
import statistics
import time


class Timer:
    """Time requests labelled with ``X-Bench`` inside the app."""

    def __init__(self, wsgi_app, path: str) -> None:
        self.wsgi_app = wsgi_app
        self.path = path
        self._fh = None
        self._pid = None

    def _file(self):
        if self._fh is None or self._pid != os.getpid():  # one handle per worker process
            self._fh = open(self.path, "a", buffering=1, encoding="utf-8")
            self._pid = os.getpid()
        return self._fh

    def __call__(self, environ, start_response):
        label = environ.get("HTTP_X_BENCH")
        if not label:
            return self.wsgi_app(environ, start_response)
        status = ["-"]

        def capture(st, headers, exc_info=None):
            status[0] = st.split(" ", 1)[0]
            return start_response(st, headers, exc_info) if exc_info else start_response(st, headers)

        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            return self.wsgi_app(environ, capture)
        finally:
            wall, cpu = (time.perf_counter() - t0) * 1000, (time.thread_time() - c0) * 1000
            self._file().write(f"{label}\t{wall:.3f}\t{cpu:.3f}\t{status[0]}\n")


def read_times(path: str, offset: int = 0) -> dict[str, list[tuple[float, float, str]]]:
    """label -> [(wall ms, CPU ms, HTTP status)], from byte ``offset`` of the log on."""
    out: dict[str, list[tuple[float, float, str]]] = {}
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as fh:
        fh.seek(offset)
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            try:
                out.setdefault(parts[0], []).append((float(parts[1]), float(parts[2]), parts[3]))
            except (ValueError, IndexError):
                continue  # a line cut by a worker being stopped
    return out


def _p95(v: list[float]) -> float:
    return v[min(len(v) - 1, int(len(v) * 0.95))]


def summary(values: list[tuple[float, float, str]]) -> dict:
    """n, median and p95 of the wall times, median of the CPU times, answers by HTTP status."""
    if not values:
        return {"n": 0}
    wall = sorted(w for w, _c, _s in values)
    cpu = sorted(c for _w, c, _s in values)
    statuses: dict[str, int] = {}
    for _w, _c, st in values:
        statuses[st] = statuses.get(st, 0) + 1
    return {"n": len(wall), "median": statistics.median(wall), "p95": _p95(wall),
            "cpu_median": statistics.median(cpu), "statuses": statuses}
