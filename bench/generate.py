"""Generate a large school for the benchmarks: ``python -m bench.generate [--students N] [--postgres URL]``.

2,000 students in 70 classes (1-11, А-Ж), their teachers and teaching assignments,
English split groups, a weekly timetable and a full school year of lessons built
from it (holidays skipped), marks and attendance up to "today" (about 1.5 million
rows), guardians, and accounts for some of them.

Tables are created the normal way (:func:`zhurnal.core.cli.migrate_all` on an app with
roster, journal and diary, whichever are installed); rows are written in bulk
(:mod:`bench.writer`) with precomputed ids, no model object per row. The SQLite
file is cached under ``bench/out/`` by a key of the size and of the sources that
shape it, so ``bench.run`` regenerates only when something changed.

Every benchmark account has the password ``bench12345`` (one argon2 hash for all,
as :mod:`zhurnal.core.demo` does).
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import sys
import time
from pathlib import Path

from . import school as shape
from .journal_rows import journal_rows
from .rows import build_people, build_structure

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "out"
BENCH_PASSWORD = "bench12345"
#: the benchmark's "today": a Thursday late in the year, so the database holds a nearly full year
DEFAULT_TODAY = dt.date(2027, 5, 20)
SECRET_KEY = "bench-secret-key-0123456789abcdef"
#: sources whose change makes a cached database stale
KEY_SOURCES = ["bench/generate.py", "bench/rows.py", "bench/journal_rows.py", "bench/school.py", "bench/writer.py",
               "plugins/roster/models.py", "plugins/journal/models.py", "plugins/diary/models.py",
               "core/identity/models.py"]


def available_plugins() -> list[str]:
    """The largest of roster+journal+diary, roster+journal, roster that builds an app.

    While the journal and diary plugins are still being written they may not load
    yet; their tables are then created from their models (see :func:`_create_tables`).
    """
    for plugins in (["roster", "journal", "diary"], ["roster", "journal"], ["roster"]):
        try:
            app = build_app("sqlite:///:memory:", DEFAULT_TODAY, plugins)
        except Exception:  # noqa: BLE001 - unknown, unfinished or broken: try fewer
            continue
        from zhurnal.core import signals
        signals.disconnect_app(app)
        return plugins
    raise SystemExit("the roster plugin does not load")


def cache_key(students: int, classes: int, today: dt.date, months: float | None, plugins: list[str]) -> str:
    h = hashlib.sha1(f"{students}|{classes}|{today}|{months}|{','.join(plugins)}".encode())
    from .journal_rows import DEFAULT_SCALES, DEFAULT_WORK_KINDS
    h.update(repr((DEFAULT_SCALES, DEFAULT_WORK_KINDS)).encode())
    for rel in KEY_SOURCES:
        p = ROOT / rel
        if p.exists():
            h.update(p.read_bytes())
    return h.hexdigest()[:12]


def settings(url: str, today: dt.date, plugins: list[str]) -> dict:
    """App settings for the benchmark database (generator, server and in-process checks)."""
    return {"database_url": url, "secret_key": SECRET_KEY, "today": today.isoformat(),
            "plugins": {"enabled": plugins}, "queue_url": "memory"}


def build_app(url: str, today: dt.date, plugins: list[str]):
    from zhurnal.core.app import create_app
    from zhurnal.core.config import load_settings
    return create_app(settings=load_settings(settings(url, today, plugins), env={}))


def _create_tables(app, plugins: list[str]) -> None:
    from zhurnal.core import db
    from zhurnal.core.cli import migrate_all
    migrate_all(app, echo=lambda *a: None)
    if "journal" not in plugins:
        # the journal plugin is not loadable yet: its (fixed) models are, create them directly
        from zhurnal.plugins.journal.models import MODELS
        db.database.create_tables(MODELS, safe=True)


def reset_postgres(url: str) -> None:
    """Create the database if it does not exist, else drop everything in it."""
    import psycopg2
    base, name = url.rsplit("/", 1)
    admin = psycopg2.connect(f"{base}/postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("DROP SCHEMA public CASCADE")
        cur.execute("CREATE SCHEMA public")
    conn.close()


def generate(url: str, *, students: int = 2000, classes: int = 70, today: dt.date = DEFAULT_TODAY,
             months: float | None = None, seed: int = 2026, echo=print) -> dict:
    """Fill the empty database at ``url``; return the metadata the benchmark needs.

    :param months: only this many months of lessons from 1 September (a tiny school for tests);
        "today" is moved back into them
    """
    from zhurnal.core import db
    from .writer import PostgresWriter, SqliteWriter

    t0 = time.perf_counter()
    asked_today = today
    year_start = dt.date(today.year if today.month >= 9 else today.year - 1, 9, 1)
    until = dt.date(year_start.year + 1, 5, 31)
    if months is not None:
        until = min(until, year_start + dt.timedelta(days=round(months * 30.5)))
        today = min(today, until)
    plugins = available_plugins()
    app = build_app(url, today, plugins)
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        _create_tables(app, plugins)
        from zhurnal.plugins.roster.models import Student
        if Student.select().exists():
            raise SystemExit("the database already holds students: generate into an empty one")
        t_tables = time.perf_counter()
        plan = shape.plan(students, classes, seed)
        rng = random.Random(seed)
        pw_hash = app.extensions["zhurnal"].passwords.hash(BENCH_PASSWORD)
        writer = SqliteWriter(db.database.obj) if db.is_sqlite() else PostgresWriter(db.database.obj)
        writer.begin()
        struct = build_structure(writer, plan, year_start, until, rng)
        people = build_people(writer, plan, struct, pw_hash, rng)
        t_people = time.perf_counter()
        stats = journal_rows(writer, plan, struct, people, today, until, rng)
        t_rows = time.perf_counter()
        writer.commit()
        t_done = time.perf_counter()
        grid = _grid_size(stats["bench"], people["bench"])
        db.database.close()
    from zhurnal.core import signals
    signals.disconnect_app(app)
    counts = dict(writer.counts)
    meta = {
        "key": cache_key(students, classes, asked_today, months, plugins),
        "url": url, "today": today.isoformat(), "password": BENCH_PASSWORD, "plugins": plugins,
        "students": students, "classes": classes, "months": months, "seed": seed,
        "counts": counts, **people["bench"], **stats["bench"], "grid_size": grid,
        "seconds": {"tables": round(t_tables - t0, 2), "structure_people": round(t_people - t_tables, 2),
                    "journal_rows": round(t_rows - t_people, 2), "commit": round(t_done - t_rows, 2),
                    "total": round(t_done - t0, 2)},
    }
    echo(f"generated {counts.get('roster_student', 0)} students, {counts.get('roster_class', 0)} classes, "
         f"{counts.get('core_user', 0)} accounts, {counts.get('journal_lesson', 0)} lessons, "
         f"{counts.get('journal_mark', 0)} marks, {counts.get('journal_attendance', 0)} attendance rows "
         f"(marks + attendance: {counts.get('journal_mark', 0) + counts.get('journal_attendance', 0)}) "
         f"in {t_done - t0:.1f} s (tables {t_tables - t0:.1f} s, rows {t_rows - t_tables:.1f} s, "
         f"commit {t_done - t_rows:.1f} s)")
    return meta


def _grid_size(bench: dict, people: dict) -> dict:
    """Lessons, marks and absences in the measured grid (the benchmark's weight)."""
    from zhurnal.core import db
    if "grid_period" not in bench:
        return {}
    p = bench["grid_period"]
    ph = "?" if db.is_sqlite() else "%s"
    where = (f"l.class_id = {ph} AND l.subject_id = {ph} AND l.date >= {ph} AND l.date <= {ph}")
    args = (people["class_big"], bench["subject_id"], p["from"], p["to"])
    one = lambda sql: db.database.execute_sql(sql, args).fetchone()[0]  # noqa: E731
    return {"students": people["class_big_size"],
            "lessons": one(f"SELECT COUNT(*) FROM journal_lesson l WHERE {where}"),
            "marks": one("SELECT COUNT(*) FROM journal_mark m JOIN journal_lesson l ON l.id = m.lesson_id "
                         f"WHERE {where}"),
            "attendance": one(f"SELECT COUNT(*) FROM journal_attendance a JOIN journal_lesson l ON l.id = a.lesson_id "
                              f"WHERE {where}")}


def ensure(students: int = 2000, classes: int = 70, today: dt.date = DEFAULT_TODAY,
           months: float | None = None, echo=print) -> tuple[Path, dict]:
    """The cached SQLite database for this size, generated if missing; (path, metadata)."""
    OUT.mkdir(parents=True, exist_ok=True)
    key = cache_key(students, classes, today, months, available_plugins())
    path = OUT / f"school-{key}.db"
    meta_path = path.with_suffix(".json")
    if path.exists() and meta_path.exists():
        echo(f"using cached {path.relative_to(ROOT)}")
        return path, json.loads(meta_path.read_text(encoding="utf-8"))
    for old in OUT.glob("school-*"):
        old.unlink()
    tmp = OUT / f"building-{key}.db"
    for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    meta = generate(f"sqlite:///{tmp}", students=students, classes=classes, today=today, months=months, echo=echo)
    os.replace(tmp, path)
    for p in (Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    meta["url"] = f"sqlite:///{path}"
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    return path, meta


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n\n")[0])
    ap.add_argument("--students", type=int, default=2000)
    ap.add_argument("--classes", type=int, default=70)
    ap.add_argument("--today", type=dt.date.fromisoformat, default=DEFAULT_TODAY,
                    help="marks and attendance up to this day (default %(default)s)")
    ap.add_argument("--months", type=float, default=None, help="only this many months of lessons (tiny runs)")
    ap.add_argument("--out", default=None, help="SQLite file to write (default: the cache under bench/out/)")
    ap.add_argument("--postgres", metavar="URL", default=None,
                    help="generate into this PostgreSQL database instead (it must be empty, or give --reset)")
    ap.add_argument("--reset", action="store_true",
                    help="with --postgres: create the database, or drop everything in it first")
    ap.add_argument("--force", action="store_true", help="regenerate the cached SQLite file")
    a = ap.parse_args(argv)
    if a.postgres:
        if a.reset:
            reset_postgres(a.postgres)
        meta = generate(a.postgres, students=a.students, classes=a.classes, today=a.today, months=a.months)
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "postgres.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    elif a.out:
        Path(a.out).unlink(missing_ok=True)
        meta = generate(f"sqlite:///{Path(a.out).resolve()}", students=a.students, classes=a.classes,
                        today=a.today, months=a.months)
        Path(a.out).with_suffix(".json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    else:
        if a.force:
            for old in OUT.glob("school-*"):
                old.unlink()
        path, meta = ensure(a.students, a.classes, a.today, a.months)
    print(f"generation took {meta['seconds']['total']} s (target: under 120 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
