"""Fixtures of the roster tests.

* ``ids`` — :func:`tests.access.demo_ids` of ``demo_app`` (student1, class_5a, ...).
* ``pages`` — ``demo_app`` with CSRF off, for posting forms.
* ``audit_since(app, since, action)`` / ``last_audit_id(app)`` — audit entries written by a test.
* ``csv_bytes(rows, encoding, delimiter)`` / ``xlsx_bytes(rows)`` — class list files.
"""
from __future__ import annotations

import csv
import io

import pytest

from tests.access import demo_ids

HEADER = ["Класс", "Фамилия", "Имя", "Отчество", "Дата рождения", "Пол", "Адрес", "Фамилия родителя",
          "Имя родителя", "Отчество родителя", "Телефон родителя", "Эл. почта родителя", "Кем приходится"]


@pytest.fixture
def ids(demo_app):
    return demo_ids(demo_app)


@pytest.fixture
def pages(demo_app):
    demo_app.config["WTF_CSRF_ENABLED"] = False
    return demo_app


def last_audit_id(app) -> int:
    from zhurnal.core.audit import AuditEntry
    with app.app_context():
        e = AuditEntry.select(AuditEntry.id).order_by(AuditEntry.id.desc()).first()
        return e.id if e else 0


def audit_since(app, since: int, action: str | None = None) -> list:
    from zhurnal.core.audit import AuditEntry
    with app.app_context():
        q = AuditEntry.select().where(AuditEntry.id > since).order_by(AuditEntry.id)
        if action:
            q = q.where(AuditEntry.action == action)
        return list(q)


def csv_bytes(rows: list[list], *, encoding: str = "utf-8", delimiter: str = ";", header=HEADER) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    if header:
        w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list], header=HEADER, title_rows: list[list] = ()) -> bytes:
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    for r in title_rows:
        ws.append(r)
    if header:
        ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def count(app, model, *where) -> int:
    with app.app_context():
        q = model.select()
        for w in where:
            q = q.where(w)
        return q.count()
