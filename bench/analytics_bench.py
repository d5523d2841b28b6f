"""Analytics on the generated school: the class report and the whole-school report against a raw
``GROUP BY`` over the same tables, in the same run, on SQLite and (with ``--postgres URL``) PostgreSQL.

    python -m bench.analytics_bench                       # SQLite (the cached school of bench.generate)
    python -m bench.analytics_bench --postgres postgresql://postgres@127.0.0.1:5432/zhurnal_analytics_bench

The baseline is one hand-written aggregate per report, run through the same connection:
per (student, subject) weighted sums of the class's marks for the class report, per (class,
subject) for the school. The report does everything it shows (previous period, distribution,
attendance, lessons held, journal completeness...), all in SQL aggregates. Each is run once to
warm up, then ``--repeat`` times; the median is kept. Goals: class ≤ 2×, school ≤ 1.5×. The exit
status is 0 whatever the figures.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

from . import generate

OUT = generate.OUT
PLUGINS = ["roster", "journal", "analytics"]

RAW_CLASS = ("SELECT m.student_id, l.subject_id, SUM(m.numeric * m.weight), SUM(m.weight), COUNT(*) "
             "FROM journal_mark m JOIN journal_lesson l ON l.id = m.lesson_id "
             "JOIN roster_student s ON s.id = m.student_id "
             "WHERE s.class_id = {p} AND l.date >= {p} AND l.date <= {p} GROUP BY m.student_id, l.subject_id")
RAW_SCHOOL = ("SELECT s.class_id, l.subject_id, SUM(m.numeric * m.weight) / SUM(m.weight), COUNT(*) "
              "FROM journal_mark m JOIN journal_lesson l ON l.id = m.lesson_id "
              "JOIN roster_student s ON s.id = m.student_id "
              "WHERE s.school_id = {p} AND m.numeric IS NOT NULL AND l.date >= {p} AND l.date <= {p} "
              "GROUP BY s.class_id, l.subject_id")


def timed(fn, repeat: int, clock=time.perf_counter) -> float:
    fn()
    times = []
    for _ in range(repeat):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    return statistics.median(times)


def measure(url: str, meta: dict, repeat: int) -> dict:
    import datetime as dt
    from zhurnal.core import signals
    from zhurnal.core.cli import migrate_all
    from zhurnal.core.db import database, is_sqlite
    from zhurnal.plugins.analytics import service
    from zhurnal.plugins.roster.models import AcademicYear, Period, SchoolClass
    app = generate.build_app(url, dt.date.fromisoformat(meta["today"]), PLUGINS)
    out = {}
    with app.app_context():
        migrate_all(app, echo=lambda *a: None)  # the analytics tables (settings are read per report)
    with app.test_request_context():
        database.connect(reuse_if_open=True)
        cls = SchoolClass.get_by_id(meta["class_big"])
        today = dt.date.fromisoformat(meta["today"])
        periods = Period.select().join(AcademicYear).where(AcademicYear.school == cls.school_id)
        # the last reporting period over by "today" (the 3rd quarter on the full year), else the first
        done = periods.where(Period.end <= today).order_by(Period.end.desc()).first()
        period = done or periods.order_by(Period.start).first()
        a, b = period.start, period.end
        p = "?" if is_sqlite() else "%s"
        raw_class = lambda: database.execute_sql(RAW_CLASS.format(p=p), (cls.id, a, b)).fetchall()  # noqa: E731
        raw_school = lambda: database.execute_sql(RAW_SCHOOL.format(p=p), (cls.school_id, a, b)).fetchall()  # noqa: E731
        report_class = lambda: service.class_report(cls, a, b)  # noqa: E731
        report_school = lambda: service.school_report(cls.school_id, a, b)  # noqa: E731
        rep = report_class()
        out["class"] = {"name": rep["class"]["name"], "students": rep["attendance"]["students"],
                        "marks": rep["overall"]["marks"], "period": f"{a}..{b}"}
        srep = report_school()
        out["school"] = {"classes": sum(len(x["classes"]) for x in srep["parallels"]),
                         "teachers": len(srep["completeness"])}
        for name, fn in (("raw_class", raw_class), ("class_report", report_class),
                         ("raw_school", raw_school), ("school_report", report_school)):
            out[name] = timed(fn, repeat)
            if is_sqlite():  # SQLite works in this process: its CPU time is steadier than the wall clock
                out[name + "_cpu"] = timed(fn, repeat, time.process_time)
        database.close()
    signals.disconnect_app(app)
    out["class_ratio"] = out["class_report"] / out["raw_class"]
    out["school_ratio"] = out["school_report"] / out["raw_school"]
    if "raw_class_cpu" in out:
        out["class_ratio_cpu"] = out["class_report_cpu"] / out["raw_class_cpu"]
        out["school_ratio_cpu"] = out["school_report_cpu"] / out["raw_school_cpu"]
    return out


def show(label: str, r: dict) -> list[str]:
    c, s = r["class"], r["school"]
    ok = lambda ratio, goal: "PASS" if ratio <= goal else "FAIL"  # noqa: E731
    cpu = []
    if "class_ratio_cpu" in r:
        cpu = [f"  CPU time (this process: SQLite runs in it): class {r['class_report_cpu'] * 1000:.1f} / "
               f"{r['raw_class_cpu'] * 1000:.1f} ms = {r['class_ratio_cpu']:.2f}x, school "
               f"{r['school_report_cpu'] * 1000:.1f} / {r['raw_school_cpu'] * 1000:.1f} ms = {r['school_ratio_cpu']:.2f}x"]
    return [
        f"{label}: class {c['name']} ({c['students']} students, {c['marks']} marks in {c['period']}); "
        f"school: {s['classes']} classes, {s['teachers']} teachers",
        f"  class report   {r['class_report'] * 1000:8.1f} ms   raw GROUP BY {r['raw_class'] * 1000:7.1f} ms   "
        f"ratio {r['class_ratio']:.2f}x  (goal <= 2x)   {ok(r['class_ratio'], 2)}",
        f"  school report  {r['school_report'] * 1000:8.1f} ms   raw GROUP BY {r['raw_school'] * 1000:7.1f} ms   "
        f"ratio {r['school_ratio']:.2f}x  (goal <= 1.5x) {ok(r['school_ratio'], 1.5)}",
    ] + cpu


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.analytics_bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--students", type=int, default=2000)
    ap.add_argument("--classes", type=int, default=70)
    ap.add_argument("--postgres", metavar="URL", default=None,
                    help="also measure on this PostgreSQL database (generated there once; reused after)")
    ap.add_argument("--regenerate", action="store_true", help="with --postgres: generate the data again")
    ap.add_argument("--no-sqlite", action="store_true")
    a = ap.parse_args(argv)
    lines = []
    if not a.no_sqlite:
        path, meta = generate.ensure(a.students, a.classes)
        run_db = OUT / "analytics.db"
        for q in (run_db, Path(f"{run_db}-wal"), Path(f"{run_db}-shm")):
            q.unlink(missing_ok=True)
        shutil.copyfile(path, run_db)
        lines += show("SQLite", measure(f"sqlite:///{run_db}", meta, a.repeat))
    if a.postgres:
        import json
        meta_path = OUT / "postgres-analytics.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else None
        if a.regenerate or meta is None or meta.get("url") != a.postgres:
            generate.reset_postgres(a.postgres)
            meta = generate.generate(a.postgres, students=a.students, classes=a.classes)
            OUT.mkdir(parents=True, exist_ok=True)
            meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        lines += show("PostgreSQL", measure(a.postgres, meta, a.repeat))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
