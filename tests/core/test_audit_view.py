"""The audit page in words: who did what to whom with links, filters by person, kind and class, and the
export for an inspection; only those who may read the audit get it."""
from __future__ import annotations

import io

import openpyxl

from tests.plugins.journal.helpers import journal_ids


def test_the_director_reads_the_audit_in_russian_with_links(demo_app, as_user):
    ids = journal_ids(demo_app)
    r = as_user("teacher").post("/api/v1/marks", json={"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a"],
                                                      "value": "4", "kind": "answer"})
    assert r.status_code == 201
    as_user("klass5a").get(f"/roster/students/{ids['other_5a']}")  # reading a card is audited
    html = as_user("director").get("/admin/audit").get_data(as_text=True)
    assert "поставил(а) отметку" in html or "поставил" in html
    assert "открыл" in html and f"/roster/students/{ids['other_5a']}" in html
    assert f"/journal/lessons/{ids['lesson_math_5a']}" in html
    assert "journal_mark" not in html  # objects are named, not coded


def test_filters_by_person_kind_and_class(demo_app, as_user):
    ids = journal_ids(demo_app)
    as_user("teacher").post("/api/v1/marks", json={"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a"],
                                                   "value": "3", "kind": "answer"})
    d = as_user("director")
    by_person = d.get("/admin/audit?person=teacher").get_data(as_text=True)
    assert ">teacher<" in by_person and ">klass5a<" not in by_person
    marks = d.get("/admin/audit?kind=Оценки").get_data(as_text=True)
    assert "отметк" in marks and "вош" not in marks
    of_5a = d.get(f"/admin/audit?class_id={ids['class_5a']}&kind=Оценки").get_data(as_text=True)
    assert "отметк" in of_5a
    of_5b = d.get(f"/admin/audit?class_id={ids['class_5b']}&kind=Оценки&person=teacher").get_data(as_text=True)
    assert f"/journal/lessons/{ids['lesson_math_5a']}" not in of_5b
    assert d.get("/admin/audit?class_id=99999999999999999999").status_code in (400, 422)


def test_export_for_an_inspection_is_readable_and_itself_audited(demo_app, as_user):
    ids = journal_ids(demo_app)
    as_user("teacher").post("/api/v1/marks", json={"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a"],
                                                   "value": "5", "kind": "answer"})
    d = as_user("director")
    r = d.get("/admin/audit/export.xlsx?kind=Оценки")
    assert r.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(r.data)).active
    rows = list(ws.values)
    assert rows[0][4] == "Что сделано" and len(rows) == 2
    assert rows[1][2] == "teacher" and rows[1][4] == "поставил(а) отметку" and rows[1][5].startswith("5 — ")
    csv = d.get("/admin/audit/export.csv").get_data()
    assert csv.startswith(b"\xef\xbb\xbf")
    assert "выгрузил(а) журнал аудита" in d.get("/admin/audit").get_data(as_text=True)
    assert d.get("/admin/audit/export.pdf").status_code == 404


def test_only_audit_readers_get_it(as_user):
    for who in ("teacher", "klass5a", "parent1", "nurse"):
        assert as_user(who).get("/admin/audit").status_code == 403, who
        assert as_user(who).get("/admin/audit/export.csv").status_code == 403, who
