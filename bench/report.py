"""The benchmark's report: the table of figures per scenario, each relative to the bare endpoint
of the same run, PASS/FAIL per target of :data:`bench.scenarios.TARGETS` (judged on CPU time
when other work took the machine) and the SQL statements per request."""
from __future__ import annotations

from . import scenarios


def fmt(v, nd=1) -> str:
    return "-" if v is None else f"{v:,.{nd}f}"


BUSY = 10.0   # % of the machine's CPU taken by others above which wall-clock figures are not trusted


def _label(name: str) -> str:
    base = name.split("#")[0]
    return {"mark_save": "mark_post"}.get(base, base)


def report(results: dict, server: dict, probes: dict, meta: dict) -> list[str]:
    lines = []
    bare = [r for k, r in results.items() if k.startswith("bare_hello")]
    bare_rps = sum(r.rps for r in bare) / len(bare) if bare else None
    bare_cpus = [r.cpu_per_request for r in bare if r.cpu_per_request]
    bare_cpu = sum(bare_cpus) / len(bare_cpus) if bare_cpus else None
    lines.append(f"{'scenario':<16}{'req/s':>8}{'median':>9}{'p95':>9}{'x bare':>8}{'cpu/req':>9}{'x bare':>8}"
                 f"{'srv wall':>10}{'srv cpu':>9}{'alone':>8}{'queries':>9}{'errors':>8}{'others':>8}")
    lines.append(f"{'':<16}{'':>8}{'ms':>9}{'ms':>9}{'(req/s)':>8}{'ms':>9}{'(cpu)':>8}"
                 f"{'med ms':>10}{'med ms':>9}{'ms':>8}")
    for name, r in results.items():
        s = server.get(name, {}).get(_label(name), {})
        p = probes.get(name.split("#")[0])
        ratio = bare_rps / r.rps if bare_rps and r.rps else None
        cpu_ratio = r.cpu_per_request / bare_cpu if bare_cpu and r.cpu_per_request else None
        lines.append(f"{name:<16}{fmt(r.rps, 0):>8}{fmt(r.p50, 1):>9}{fmt(r.p95, 1):>9}{fmt(ratio, 1):>8}"
                     f"{fmt(r.cpu_per_request, 2):>9}{fmt(cpu_ratio, 1):>8}{fmt(s.get('median'), 2):>10}"
                     f"{fmt(s.get('cpu_median'), 2):>9}{fmt(p.cpu_ms if p else None, 1):>8}"
                     f"{(p.queries if p else '-'):>9}{r.errors:>8}{fmt(r.others, 0) + '%':>8}")
        d = server.get(name, {}).get("mark_post_delete") if name == "mark_save" else None
        if d:
            lines.append(f"{'  its DELETEs':<16}{'':>8}{'':>9}{'':>9}{'':>8}{'':>9}{'':>8}"
                         f"{fmt(d.get('median'), 2):>10}{fmt(d.get('cpu_median'), 2):>9}")
    me = results.get("auth_me")
    if me is not None and me.cpu_per_request:
        rel = ", ".join(f"{k} {r.cpu_per_request / me.cpu_per_request:.1f}x" for k, r in results.items()
                        if r.cpu_per_request and not k.startswith(("bare", "auth")))
        lines += ["", f"CPU per request relative to a logged-in no-op (GET /api/v1/me, {me.cpu_per_request:.2f} ms, "
                      f"{me.cpu_per_request / bare_cpu:.1f}x bare): {rel}" if bare_cpu else ""]
    lines += ["",
              "x bare (req/s) = req/s of /bench/hello (mean of its two runs) / req/s of the scenario;",
              "cpu/req = CPU the gunicorn processes spent per request (HTTP included); x bare (cpu) = that / bare's;",
              "srv wall / srv cpu = median time inside the app per request under the load "
              "(wall clock / the worker's CPU);",
              "alone = CPU time of one request at a time in-process (no HTTP, no concurrency);",
              f"others = CPU share taken by other processes on the machine meanwhile. Above {BUSY:.0f}% the wall-clock",
              "figures are disturbed: the targets are then judged on CPU time (cpu/req and srv cpu), which is not.",
              ""]
    for t in scenarios.TARGETS:
        r = results.get(t.scenario)
        if r is None:
            p = probes.get(t.scenario)
            reason = ("route not there yet" if p is None else p.error if not p.ok else "not selected with --only")
            lines.append(f"{t.scenario:<12} SKIPPED ({reason})")
            continue
        s = server.get(t.scenario, {}).get(_label(t.scenario), {})
        busy = r.others is None or r.others > BUSY or any(b.others is None or b.others > BUSY for b in bare)
        if busy and r.cpu_per_request and bare_cpu:
            basis, med, ratio = "cpu", s.get("cpu_median"), r.cpu_per_request / bare_cpu
        else:
            basis, med, ratio = "wall", s.get("median"), (bare_rps / r.rps if bare_rps and r.rps else None)
        checks = []
        if t.server_ms is not None:
            checks.append(("server median", f"{fmt(med, 2)} ms < {t.server_ms} ms",
                           med is not None and med < t.server_ms))
        checks.append(("cost", f"{fmt(ratio, 1)}x bare <= {t.max_ratio}x", ratio is not None and ratio <= t.max_ratio))
        statuses = s.get("statuses", {})
        wrong = sum(n for st, n in statuses.items() if st not in ("200", "201"))
        if wrong:   # e.g. a lost session answering 302 to the login page: fast, and wrong
            checks.append(("answers", f"{wrong} not 200/201 ({statuses})", False))
        verdict = "PASS" if all(ok for _n, _d, ok in checks) and r.errors == 0 else "FAIL"
        detail = "; ".join(f"{n} {d}: {'ok' if ok else 'NO'}" for n, d, ok in checks)
        if r.errors:
            detail += f"; {r.errors} error answers"
        lines.append(f"{t.scenario:<12} {verdict}  ({basis}) {detail}")
    lines.append("")
    lines.append(f"SQL statements per request (in-process; the big class has {meta.get('class_big_size')} students, "
                 f"the small one {meta.get('class_small_size')}):")
    for base in ("auth_me", "grid_api", "grid_page", "week_api", "week_page", "mark_save"):
        big, small = probes.get(base), probes.get(base + "_small")
        if big is None:
            continue
        if not big.ok:
            lines.append(f"  {base:<10} not measured: {big.error}")
            continue
        if small is not None and small.ok:
            same = "constant" if big.queries == small.queries else "GROWS WITH THE CLASS"
            lines.append(f"  {base:<10} {small.queries} (small) / {big.queries} (big): {same}")
        else:
            lines.append(f"  {base:<10} {big.queries}")
    return lines
