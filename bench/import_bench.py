"""Import of a class list of 2,000 pupils with their guardians, against a raw insert of the same rows.

    python -m bench.import_bench                  # SQLite in a temporary directory
    python -m bench.import_bench --pupils 500 --repeat 3
    python -m bench.import_bench --postgres postgresql://postgres@127.0.0.1:5432/zhurnal_bench_import

The file is what a school brings: one XLSX-free CSV (cp1251, ``;``) of 70 classes, one row per pupil
with «ФИО», «Дата рождения», «СНИЛС», a mother and, for 60 %, a father in column groups, phones spelt
in several ways; every tenth family has two children (the mother and father written twice, to be
merged). The importer reads, recognises, checks, plans and writes it all in one transaction with an
audit entry per pupil and guardian. The baseline, in the same run and on an identical empty
database, inserts the very rows that the import wrote (pupils, guardians, links) with one
``executemany`` per table in one transaction: nothing read, checked or audited. The figure is the
ratio import / baseline.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import random
import sys
import tempfile
import time
from pathlib import Path

LAST = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков", "Фёдоров",
        "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов", "Степанов", "Николаев",
        "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев"]
BOYS = ["Александр", "Максим", "Иван", "Артём", "Дмитрий", "Никита", "Михаил", "Даниил", "Егор", "Андрей", "Лев"]
GIRLS = ["Анастасия", "Мария", "Анна", "Виктория", "Екатерина", "Наталья", "Марина", "Полина", "Дарья", "Алиса"]
MEN = ["Сергей", "Андрей", "Алексей", "Дмитрий", "Игорь", "Олег", "Павел", "Роман", "Юрий", "Виктор"]
WOMEN = ["Елена", "Ольга", "Татьяна", "Ирина", "Светлана", "Юлия", "Наталья", "Анна", "Мария", "Инна"]
CLASSES = [(p, letter) for p in range(1, 12) for letter in "АБВГДЕЖ"[:7 if p <= 4 else 6]]
HEADER = ["№", "Класс", "ФИО обучающегося", "Дата рождения", "Пол", "СНИЛС", "ФИО матери", "Телефон матери",
          "ФИО отца", "Телефон отца"]


def _snils(rng: random.Random) -> str:
    from zhurnal.plugins.roster.import_values import snils_check
    nine = f"{rng.randint(2_000_000, 999_999_999):09d}"
    return f"{nine[:3]}-{nine[3:6]}-{nine[6:]} {snils_check(nine):02d}"


def _phone(rng: random.Random, n: int) -> tuple[str, str]:
    """The same number spelt two ways (for the second child of a family)."""
    d = f"9{n:09d}"[-10:]
    return f"8 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}", f"+7 {d[:3]} {d[3:6]} {d[6:8]} {d[8:]}"


def class_list(pupils: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(["Списки обучающихся МБОУ СОШ № 1 на 2026/2027 учебный год"])
    w.writerow(HEADER)
    no, family = 0, 0
    while no < pupils:
        family += 1
        last = rng.choice(LAST)
        father = f"{last} {rng.choice(MEN)} {rng.choice(MEN)}ович" if rng.random() < 0.6 else ""
        mother = f"{last}а {rng.choice(WOMEN)} {rng.choice(MEN)}овна"
        m_phone, f_phone = _phone(rng, family * 2), _phone(rng, family * 2 + 1)
        for child in range(2 if family % 10 == 0 else 1):
            if no >= pupils:
                break
            no += 1
            boy = rng.random() < 0.5
            par, letter = CLASSES[(no - 1) % len(CLASSES)]
            born = dt.date(2026 - 7 - par, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
            first = rng.choice(BOYS if boy else GIRLS)
            name = f"{last}{'' if boy else 'а'} {first} {father.split()[1] + ('ович' if boy else 'овна') if father else ''}"
            w.writerow([no, f"{par} «{letter}»" if no % 3 else f"{par}{letter.lower()}", name.strip(),
                        born.strftime("%d.%m.%Y"), "м" if boy else "ж", _snils(rng), mother, m_phone[child % 2],
                        father, f_phone[child % 2] if father else ""])
    w.writerow([f"Итого: {pupils}"])
    return buf.getvalue().encode("cp1251")


def _app(url: str):
    from zhurnal.core.app import create_app
    from zhurnal.core.cli import migrate_all
    from zhurnal.core.config import load_settings
    settings = load_settings({"database_url": url, "plugins": {"enabled": ["roster"]}, "queue_url": "memory",
                              "secret_key": "bench-secret-key-0123456789abcdef", "today": "2026-11-26",
                              "testing": True}, env={})
    app = create_app(settings=settings)
    with app.app_context():
        migrate_all(app, echo=lambda *a: None)
    return app


def _school(app):
    from zhurnal.core.identity.models import School
    from zhurnal.plugins.roster import service
    with app.app_context():
        school = School.create(name="МБОУ СОШ № 1", short_name="МБОУ СОШ № 1")
        year = service.create_year(school, "2026/2027", dt.date(2026, 9, 1), dt.date(2027, 5, 31), "halves",
                                   [(dt.date(2026, 9, 1), dt.date(2026, 12, 28)),
                                    (dt.date(2027, 1, 11), dt.date(2027, 5, 31))])
        for par, letter in CLASSES:
            service.create_class(school, year, par, letter)
        return school.id


def _rows_written(app) -> dict:
    """Every row of pupils, guardians and links as the import wrote it (columns without ids)."""
    from zhurnal.plugins.roster.models import Guardian, Student, StudentGuardian
    with app.app_context():
        students = list(Student.select(Student.id, Student.school, Student.school_class, Student.last_name,
                                       Student.first_name, Student.middle_name, Student.birth_date, Student.gender,
                                       Student.snils).tuples())
        guardians = list(Guardian.select(Guardian.id, Guardian.school, Guardian.last_name, Guardian.first_name,
                                         Guardian.middle_name, Guardian.phone).tuples())
        links = list(StudentGuardian.select(StudentGuardian.student, StudentGuardian.guardian,
                                            StudentGuardian.relation).tuples())
    return {"students": students, "guardians": guardians, "links": links}


def _raw_insert(app, rows: dict) -> float:
    """Insert the same rows with one executemany per table, in one transaction; seconds."""
    from zhurnal.core.db import database
    from zhurnal.plugins.roster.models import Guardian, Student, StudentGuardian
    with app.app_context():
        t0 = time.perf_counter()
        with database.atomic():
            Student.insert_many(rows["students"], fields=[Student.id, Student.school, Student.school_class,
                                                          Student.last_name, Student.first_name, Student.middle_name,
                                                          Student.birth_date, Student.gender, Student.snils]).execute()
            Guardian.insert_many(rows["guardians"], fields=[Guardian.id, Guardian.school, Guardian.last_name,
                                                            Guardian.first_name, Guardian.middle_name,
                                                            Guardian.phone]).execute()
            StudentGuardian.insert_many(rows["links"], fields=[StudentGuardian.student, StudentGuardian.guardian,
                                                               StudentGuardian.relation]).execute()
        return time.perf_counter() - t0


def _fresh_url(base: str, tmp: Path, name: str) -> str:
    if not base:
        return f"sqlite:///{tmp / (name + '.db')}"
    import psycopg2
    admin, db = base.rsplit("/", 1)
    conn = psycopg2.connect(admin + "/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{db}_{name}"')
        cur.execute(f'CREATE DATABASE "{db}_{name}"')
    conn.close()
    return f"{base}_{name}"


def _drop(base: str, names: list[str]) -> None:
    import psycopg2
    admin, db = base.rsplit("/", 1)
    conn = psycopg2.connect(admin + "/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        for name in names:
            cur.execute(f'DROP DATABASE IF EXISTS "{db}_{name}" WITH (FORCE)')
    conn.close()


def run_once(pupils: int, postgres: str, tmp: Path, n: int) -> dict:
    from zhurnal.core.identity.models import School
    from zhurnal.plugins.roster.importer import import_students
    data = class_list(pupils)
    imp_app = _app(_fresh_url(postgres, tmp, f"import{n}"))
    _school(imp_app)
    with imp_app.app_context():
        school = School.get()
        t0 = time.perf_counter()
        report = import_students(io.BytesIO(data), "lists.csv", school, None, False)
        t_import = time.perf_counter() - t0
    if not report.ok:
        sys.exit("the import was refused: " + "; ".join(report.lines()[:5]))
    rows = _rows_written(imp_app)
    raw_app = _app(_fresh_url(postgres, tmp, f"raw{n}"))
    _school(raw_app)
    t_raw = _raw_insert(raw_app, rows)
    for app in (imp_app, raw_app):
        from zhurnal.core import db
        with app.app_context():
            db.database.close()
    if postgres:  # the databases made for this run go again
        _drop(postgres, [f"import{n}", f"raw{n}"])
    return {"pupils": report.created, "guardians": len(rows["guardians"]), "links": len(rows["links"]),
            "import_s": t_import, "raw_s": t_raw, "ratio": t_import / t_raw}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pupils", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--postgres", default="", help="a PostgreSQL URL; databases <name>_import1, _raw1... are made")
    args = ap.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="zhurnal-import-bench-") as tmp:
        for n in range(1, args.repeat + 1):
            r = run_once(args.pupils, args.postgres, Path(tmp), n)
            results.append(r)
            print(f"run {n}: {r['pupils']} pupils, {r['guardians']} guardians, {r['links']} links: "
                  f"import {r['import_s']:.2f} s, raw insert of the same rows {r['raw_s'] * 1000:.0f} ms, "
                  f"ratio {r['ratio']:.0f}x")
    best = min(results, key=lambda r: r["ratio"])
    print(f"import / raw insert: {best['ratio']:.0f}x (best of {len(results)}; "
          f"{best['import_s'] / max(best['pupils'], 1) * 1000:.2f} ms per pupil)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
