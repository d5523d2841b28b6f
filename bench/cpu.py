"""How busy the machine was with *other* work while a scenario ran (Linux ``/proc``).

The benchmark shares its two cores with whatever else runs (test suites of other
engineers, for one). Each scenario reports the share of the machine's CPU used by
processes that are neither the server nor the load generator (above ~10 % its
wall-clock figures are disturbed), and the server's own CPU time, which is not.
"""
from __future__ import annotations

import os
import resource

TICK = os.sysconf("SC_CLK_TCK")


def _machine_busy() -> tuple[float, float]:
    """(busy seconds, total seconds) of all CPUs since boot."""
    with open("/proc/stat") as fh:
        parts = [int(x) for x in fh.readline().split()[1:]]
    idle = parts[3] + (parts[4] if len(parts) > 4 else 0)
    total = sum(parts[:8])
    return (total - idle) / TICK, total / TICK


def _proc_cpu(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK   # utime + stime
    except (OSError, IndexError, ValueError):
        return 0.0


def _children(pid: int) -> list[int]:
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid:
            out.append(int(name))
    return out


class Meter:
    """Start before a scenario, :meth:`others` after it: the share of CPU used by others."""

    def __init__(self, server_pid: int | None) -> None:
        self.available = os.path.exists("/proc/stat")
        self.server_pid = server_pid
        if self.available:
            self.pids = [server_pid] + _children(server_pid) if server_pid else []
            self.busy0, self.total0 = _machine_busy()
            self.ours0 = self._ours()
            self.server0 = self._server()

    def _server(self) -> float:
        return sum(_proc_cpu(p) for p in self.pids)

    def server_cpu(self) -> float | None:
        """CPU seconds the server (gunicorn and its workers) used since the start."""
        return self._server() - self.server0 if self.available else None

    def _ours(self) -> float:
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)   # the load generator, once waited for
        me = resource.getrusage(resource.RUSAGE_SELF)
        return (sum(_proc_cpu(p) for p in self.pids) + kids.ru_utime + kids.ru_stime + me.ru_utime + me.ru_stime)

    def others(self) -> float | None:
        """Percent of the machine's CPU capacity used by other processes since the start."""
        if not self.available:
            return None
        busy, total = _machine_busy()
        foreign = (busy - self.busy0) - (self._ours() - self.ours0)
        span = total - self.total0
        return max(0.0, 100.0 * foreign / span) if span > 0 else None
