"""Paper extracts: a class of 30 for a quarter as one PDF, against the same data as HTML.

    python -m bench.paper_bench                 # 1 run
    python -m bench.paper_bench --repeat 3      # best of 3

Builds the demo school with 30 students a class in a temporary SQLite file (about a
minute), then for 5А and the first quarter measures, in this process and run:

* data: reading the extracts of the 30 students (roster + journal queries);
* html: rendering the same extracts as HTML from the same Jinja templates (the baseline);
* pdf:  laying them out and writing one PDF (WeasyPrint), the way a batch does.

Prints the times, the pages, pages per second and the ratio pdf/html.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time

TODAY = dt.date(2026, 11, 26)
Q1 = (dt.date(2026, 9, 1), dt.date(2026, 10, 24))


def build(path: str):
    from zhurnal.core import demo
    from zhurnal.core.app import create_app
    from zhurnal.core.cli import migrate_all
    from zhurnal.core.config import load_settings
    settings = load_settings({"database_url": f"sqlite:///{path}", "secret_key": "bench-paper-0123456789abcdef",
                              "today": TODAY.isoformat(), "queue_url": "memory",
                              "security": {"argon2_time_cost": 1, "argon2_memory_cost": 8, "argon2_parallelism": 1}},
                             env={})
    app = create_app(settings=settings)
    with app.app_context():
        migrate_all(app, echo=lambda *a: None)
        demo.seed(students_per_class=30, today=TODAY)
    return app


def measure(app) -> dict:
    from zhurnal.plugins.paper_export import data, render, service
    from zhurnal.plugins.roster import service as roster
    from zhurnal.plugins.roster.models import SchoolClass
    with app.test_request_context("/"):
        cls = SchoolClass.get((SchoolClass.parallel == 5) & (SchoolClass.letter == "А"))
        students = roster.class_students(cls.id)
        t0 = time.perf_counter()
        extracts = data.extracts(students, *Q1)
        t1 = time.perf_counter()
        markups = [service.extract_html(e) for e in extracts]
        t2 = time.perf_counter()
        pdf, pages = render.many(markups)
        t3 = time.perf_counter()
    return {"students": len(students), "pages": pages, "bytes": len(pdf), "data": t1 - t0, "html": t2 - t1,
            "pdf": t3 - t2}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        app = build(os.path.join(tmp, "paper.db"))
        print(f"demo school with 30 students a class built in {time.perf_counter() - t:.1f} s")
        runs = [measure(app) for _ in range(max(1, args.repeat))]
    best = min(runs, key=lambda r: r["pdf"])
    html_total, pdf_total = best["data"] + best["html"], best["data"] + best["pdf"]
    print(f"class 5А, {best['students']} students, {Q1[0]} – {Q1[1]}: {best['pages']} pages, "
          f"{best['bytes'] / 1024:.0f} KiB")
    print(f"  data (queries)        {best['data'] * 1000:8.0f} ms")
    print(f"  HTML (Jinja)          {best['html'] * 1000:8.0f} ms   -> {best['pages'] / html_total:8.1f} pages/s "
          f"(data + HTML)")
    print(f"  PDF  (WeasyPrint)     {best['pdf'] * 1000:8.0f} ms   -> {best['pages'] / pdf_total:8.1f} pages/s "
          f"(data + PDF), {best['pdf'] / best['pages'] * 1000:.0f} ms a page")
    print(f"  ratio PDF / HTML      {pdf_total / html_total:8.1f} x the time "
          f"(layout alone: {best['pdf'] / best['html']:.0f} x)")
    if len(runs) > 1:
        print("  all runs (pdf s):", ", ".join(f"{r['pdf']:.2f}" for r in runs))


if __name__ == "__main__":
    main()
