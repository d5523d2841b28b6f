"""Benchmark: one class announcement fanned out to 2,000 guardians.

    python -m bench.notify_fanout                       # SQLite in a temporary directory
    python -m bench.notify_fanout --guardians 500 --postgres postgresql://postgres@127.0.0.1:5432/zhurnal_bench

Measured in one run, each against a bare baseline doing the same work:

* **in the request**: :func:`zhurnal.core.notify.outbox.notify` inside the announcement's
  transaction (one row) against one raw ``INSERT`` of the same row;
* **enqueue (fan-out)**: :func:`zhurnal.core.notify.outbox.fan_out` writing one delivery per
  guardian (preferences, quiet hours, addresses looked up) against a raw
  ``INSERT`` of the same rows in one transaction;
* **delivery**: :func:`zhurnal.core.notify.worker.deliver_due` sending every e-mail to a local
  aiosmtpd server (lease, send, record per message) against ``smtplib`` sending the
  same messages over one connection.

Prints the times and the ratios (lower is better; 1.0 = as fast as the baseline).
It is also the ``notify_fanout`` scenario of ``python -m bench.run`` (``--only notify_fanout``).
Nothing is asserted: figures differ from machine to machine.
"""
from __future__ import annotations

import argparse
import shutil
import smtplib
import statistics
import sys
import tempfile
import time
from pathlib import Path


def _app(url: str, smtp_port: int):
    from zhurnal.core.app import create_app
    from zhurnal.core.cli import migrate_all
    from zhurnal.core.config import load_settings
    st = load_settings({"database_url": url, "queue_url": "memory", "secret_key": "b" * 32, "testing": True,
                        "today": "2026-11-26",
                        "plugins": {"enabled": ["roster", "journal", "diary", "notify_email"],
                                    "notify_email": {"host": "127.0.0.1", "port": smtp_port, "security": "none",
                                                     "sender": "journal@school.example"}}}, env={})
    app = create_app(settings=st)
    with app.app_context():
        migrate_all(app, echo=lambda *a: None)
    return app


def _school(n: int):
    """A school, a class and ``n`` guardians with accounts and e-mail addresses (bulk rows)."""
    import datetime as dt
    from zhurnal.core.db import database, utcnow
    from zhurnal.core.identity.models import School, User
    from zhurnal.plugins.roster import service as roster
    from zhurnal.plugins.roster.models import Guardian
    school = School.create(name="Школа № 1", short_name="Школа № 1")
    year = roster.create_year(school, "2026/2027", dt.date(2026, 9, 1), dt.date(2027, 5, 31), "quarters", [])
    cls = roster.create_class(school, year, 5, "А")
    teacher = User.create(login="klass", display_name="Иванова Мария Петровна", school=school.id)
    now = utcnow()
    with database.atomic():
        for i in range(0, n, 500):
            User.insert_many([{"login": f"g{j}", "display_name": f"Родитель {j}", "school": school.id,
                               "created_at": now} for j in range(i, min(n, i + 500))]).execute()
        ids = dict(User.select(User.login, User.id).where(User.login.startswith("g")).tuples())
        for i in range(0, n, 500):
            Guardian.insert_many([{"school": school.id, "last_name": "Родитель", "first_name": str(j),
                                   "email": f"g{j}@example.ru", "user": ids[f"g{j}"], "created_at": now}
                                  for j in range(i, min(n, i + 500))]).execute()
    return cls, teacher, sorted(ids.values())


def run(n: int, postgres: str | None) -> dict:
    from zhurnal.core.db import database, utcnow
    from zhurnal.core.notify.models import Delivery, Notification
    from zhurnal.core.notify import outbox
    from zhurnal.core.notify.outbox import notify
    from zhurnal.core.notify.worker import deliver_due
    from zhurnal.plugins.diary import service as diary
    from zhurnal.plugins.notify_email.channel import build
    from tests.notify_support import SmtpServer

    tmp = Path(tempfile.mkdtemp(prefix="zh-notify-bench-"))
    server = SmtpServer().start()
    url = postgres or f"sqlite:///{tmp}/bench.db"
    try:
        if postgres:
            _reset_pg(postgres)
        app = _app(url, server.port)
        out: dict = {"guardians": n}
        with app.app_context():
            cls, teacher, users = _school(n)
            # --- in the request: one outbox row in the event's transaction vs a raw INSERT of it
            t = time.perf_counter()
            diary.announce(teacher, cls, users, subject="Родительское собрание", body="В четверг в 18:00, каб. 21.")
            out["announce_s"] = time.perf_counter() - t
            body = None
            notify_t, raw_t = [], []
            for k in range(21):   # alternating, median: a WAL checkpoint may land on either
                t = time.perf_counter()
                with database.atomic():
                    notify("announcement", key=f"bench:one:{k}", school_id=cls.school_id, recipients=users,
                           data={"subject": "x", "author": "y", "text": "z"})
                notify_t.append(time.perf_counter() - t)
                body = body or Notification.get(Notification.key == "bench:one:0").data
                t = time.perf_counter()
                with database.atomic():
                    database.execute_sql(
                        "INSERT INTO core_notify_notification (key, event, school_id, data, created_at) "
                        "VALUES (%s, %s, %s, %s, %s)".replace("%s", "?" if not postgres else "%s"),
                        (f"bench:raw:{k}", "announcement", cls.school_id, body, utcnow()))
                raw_t.append(time.perf_counter() - t)
            out["notify_s"], out["notify_raw_s"] = statistics.median(notify_t), statistics.median(raw_t)
            Notification.delete().where(Notification.key.startswith("bench:")).execute()
            # --- enqueue: fan-out into one delivery per guardian vs a raw INSERT of the same rows
            t = time.perf_counter()
            outbox.fan_out()
            out["fanout_s"] = time.perf_counter() - t
            rows = list(Delivery.select(Delivery.notification, Delivery.user, Delivery.channel, Delivery.address,
                                        Delivery.idempotency_key, Delivery.status, Delivery.due_at,
                                        Delivery.created_at, Delivery.updated_at).tuples())
            assert len(rows) == n, (len(rows), n)
            database.execute_sql("CREATE TABLE bench_raw AS SELECT * FROM core_notify_delivery WHERE 1 = 0")
            ph = ", ".join(["?" if not postgres else "%s"] * 9)
            sql = ("INSERT INTO bench_raw (notification_id, user_id, channel, address, idempotency_key, status, "
                   f"due_at, created_at, updated_at) VALUES ({ph})")
            t = time.perf_counter()
            with database.atomic():
                cur = database.cursor()
                cur.executemany(sql, [(r[0], r[1], r[2], r[3], r[4] + "r", r[5], r[6], r[7], r[8]) for r in rows])
            out["fanout_raw_s"] = time.perf_counter() - t
            database.execute_sql("DROP TABLE bench_raw")
            # --- delivery: the worker into aiosmtpd vs smtplib sending the same messages
            t = time.perf_counter()
            stats = deliver_due()
            out["deliver_s"] = time.perf_counter() - t
            assert stats["sent"] == n and len(server.messages) == n, (stats, len(server.messages))
            from zhurnal.core.notify.worker import _message
            import json
            from zhurnal.core.notify import channels
            sample = Delivery.select().first()
            note = Notification.get_by_id(sample.notification_id)
            from zhurnal.core.identity.models import User
            m = _message(sample, note, json.loads(note.data), channels()["email"], User.get_by_id(sample.user_id))
        first = build(m, "journal@school.example")
        raw = [build(m, "journal@school.example").as_bytes(policy=first.policy.clone(linesep="\r\n"))
               for _ in range(n)]
        addresses = [r[3] for r in rows]
        server.messages.clear()
        t = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", server.port, timeout=30) as s:
            for addr, data in zip(addresses, raw):
                s.sendmail("journal@school.example", [addr], data)
        out["smtplib_s"] = time.perf_counter() - t
        assert len(server.messages) == n
        return out
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def _reset_pg(url: str) -> None:
    import psycopg2
    base, name = url.rsplit("/", 1)
    conn = psycopg2.connect(base + "/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def report_lines(r: dict, postgres: bool) -> list[str]:
    """The figures of :func:`run` as printed (alone, and as the ``notify_fanout`` scenario of ``bench.run``)."""
    n = r["guardians"]
    return [
        f"notify fan-out: one class announcement to {n} guardians ({'PostgreSQL' if postgres else 'SQLite'})",
        f"  the announcement (thread, {n} members, outbox row)  {r['announce_s'] * 1000:8.1f} ms",
        f"  in the request: outbox row {r['notify_s'] * 1000:7.2f} ms  raw INSERT {r['notify_raw_s'] * 1000:7.2f} ms"
        f"  ratio {r['notify_s'] / r['notify_raw_s']:5.1f}x",
        f"  enqueue: fan-out {r['fanout_s'] * 1000:8.1f} ms  raw INSERT of the rows {r['fanout_raw_s'] * 1000:8.1f} ms"
        f"  ratio {r['fanout_s'] / r['fanout_raw_s']:5.1f}x",
        f"  delivery: worker {n / r['deliver_s']:7.0f} msg/s  smtplib {n / r['smtplib_s']:7.0f} msg/s"
        f"  ratio {r['deliver_s'] / r['smtplib_s']:5.2f}x the time",
    ]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--guardians", type=int, default=2000)
    ap.add_argument("--postgres", default=None, help="a PostgreSQL URL (its database is dropped and re-created)")
    args = ap.parse_args(argv)
    r = run(args.guardians, args.postgres)
    print("\n".join(report_lines(r, bool(args.postgres))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
