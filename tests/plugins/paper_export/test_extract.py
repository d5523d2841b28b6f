"""A student's extract as a real PDF: read back, rendered to an image, guarded and audited."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from .conftest import audit_since, last_audit_id, pdf_pages, pdf_text

Q1 = "from=2026-09-01&to=2026-10-24"


def _student_facts(app, student_id):
    from zhurnal.plugins.journal import service as journal
    from zhurnal.plugins.roster.models import Student
    import datetime as dt
    with app.app_context():
        st = Student.get_by_id(student_id)
        marks = journal.marks_for([student_id], date_from=dt.date(2026, 9, 1), date_to=dt.date(2026, 10, 24))
        return st.full_name, marks


def test_parent_downloads_own_childs_extract_with_names_marks_and_cyrillic(demo_app, as_user, ids, tmp_path):
    r = as_user("parent1").get(f"/api/v1/students/{ids['student1']}/extract.pdf?{Q1}")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert r.headers["Cache-Control"] == "no-store"
    body = r.data
    assert body.startswith(b"%PDF")
    text = pdf_text(body, tmp_path)
    name, marks = _student_facts(demo_app, ids["student1"])
    assert name in text
    assert "ВЫПИСКА" in text and "из электронного классного журнала" in text and "5А" in text
    assert "МБОУ" in text and "М.П." in text  # the school's name, the place for the stamp
    assert marks, "the demo student has marks in the first quarter"
    # each mark appears with its date and kind (table cells: compare without spaces)
    squeezed = text.replace(" ", "")
    for m in marks[:10]:
        assert f"{m.lesson.date:%d.%m}{m.value}{m.kind.name.replace(' ', '')}" in squeezed
    assert "Математика" in text and "Пропущено уроков" in text


def test_extract_page_is_not_blank(as_user, ids, tmp_path):
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm is missing: install poppler-utils")
    body = as_user("klass5a").get(f"/api/v1/students/{ids['student1']}/extract.pdf?{Q1}").data
    (tmp_path / "e.pdf").write_bytes(body)
    subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "40", "-gray", str(tmp_path / "e.pdf"),
                    str(tmp_path / "page")], check=True)
    pgm = next(tmp_path.glob("page*.pgm")).read_bytes()
    # binary PGM: "P5\n<w> <h>\n255\n" then one byte a pixel
    header_end = 0
    for _ in range(3):
        header_end = pgm.index(b"\n", header_end) + 1
    pixels = pgm[header_end:]
    dark = sum(1 for p in pixels if p < 200) / len(pixels)
    assert 0.01 < dark < 0.5, dark  # ink on the page, but not a black page
    assert pdf_pages(body) >= 1


def test_parent_cannot_download_another_familys_extract_and_the_attempt_is_audited(demo_app, as_user, ids):
    since = last_audit_id(demo_app)
    p2 = as_user("parent2")
    r = p2.get(f"/api/v1/students/{ids['student1']}/extract.pdf?{Q1}")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"
    refused = audit_since(demo_app, since, "paper_export.extract.refused")
    assert [e.object_id for e in refused] == [str(ids["student1"])] or [int(e.object_id) for e in refused] == [ids["student1"]]
    assert not audit_since(demo_app, since, "paper_export.extract.print")
    # the same for an id that does not exist: nobody learns which ids are real
    assert p2.get(f"/api/v1/students/999999/extract.pdf?{Q1}").status_code == 404
    assert p2.get(f"/api/v1/students/{2**70}/extract.pdf?{Q1}").status_code == 404


def test_every_printed_extract_is_registered_and_audited(demo_app, as_user, ids):
    from zhurnal.plugins.paper_export.models import Handover
    since = last_audit_id(demo_app)
    assert as_user("parent1").get(f"/api/v1/students/{ids['student1']}/extract.pdf?{Q1}").status_code == 200
    assert as_user("klass5a").get(f"/api/v1/students/{ids['other_5a']}/extract.pdf?{Q1}").status_code == 200
    printed = audit_since(demo_app, since, "paper_export.extract.print")
    assert [(int(e.object_id), e.user_id) for e in printed] == [
        (ids["student1"], printed[0].user_id), (ids["other_5a"], printed[1].user_id)] and len(printed) == 2
    with demo_app.app_context():
        own = Handover.get(Handover.student == ids["student1"])
        staff = Handover.get(Handover.student == ids["other_5a"])
        assert (own.date_from.isoformat(), own.date_to.isoformat(), own.via) == ("2026-09-01", "2026-10-24", "family")
        assert staff.via == "api" and staff.handed_on is None
    # the class teacher's handover register lists the paper copy they printed, not the family's own download
    page = as_user("klass5a").get(f"/paper_export/classes/{ids['class_5a']}").get_data(as_text=True)
    assert f'data-handover="{staff.id}"' in page and f'data-handover="{own.id}"' not in page


@pytest.mark.parametrize("query,field", [
    ("from=2026-13-01&to=2026-10-24", "from"),
    ("from=2026-09-01", "to"),
    ("from=2026-10-24&to=2026-09-01", "to"),
    ("from=0001-01-01&to=9999-12-31", "to"),
    ("from=99999999999999999999-01-01&to=2026-10-24", "from"),
])
def test_bad_dates_are_422(as_user, ids, query, field):
    r = as_user("klass5a").get(f"/api/v1/students/{ids['student1']}/extract.pdf?{query}")
    assert r.status_code == 422, r.data[:300]
    assert field in r.get_json()["error"]["fields"]


def test_printed_extracts_are_part_of_the_students_personal_data(demo_app, as_user, ids):
    assert as_user("klass5a").get(f"/api/v1/students/{ids['student1']}/extract.pdf?{Q1}").status_code == 200
    with demo_app.app_context():
        out = demo_app.extensions["zhurnal"].plugins.per_plugin(
            "zhurnal_personal_data", user_id=None, person={"kind": "student", "id": ids["student1"]}, viewer=None)
    rows = out["paper_export"]["printed_extracts"]
    assert [(r["from"], r["to"], r["handed_on"]) for r in rows] == [("2026-09-01", "2026-10-24", None)]


def test_the_audit_page_says_in_words_who_printed_what_and_who_was_refused(as_user, ids):
    as_user("klass5a").get(f"/api/v1/students/{ids['student1']}/extract.pdf?{Q1}")
    as_user("parent2").get(f"/api/v1/students/{ids['student1']}/extract.pdf?{Q1}")
    d = as_user("director")
    html = d.get("/admin/audit?kind=Бумажные документы").get_data(as_text=True)
    assert "напечатал(а) выписку из журнала" in html and "получил(а) отказ в выписке из журнала" in html
    assert "paper_export.extract" not in html
    of_5a = d.get(f"/admin/audit?class_id={ids['class_5a']}&kind=Бумажные документы").get_data(as_text=True)
    assert "напечатал(а) выписку из журнала" in of_5a
