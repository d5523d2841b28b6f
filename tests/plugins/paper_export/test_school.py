"""Extracts for a whole school: one PDF made in the background, class by class (a small school)."""
from __future__ import annotations

import datetime as dt
import re

from tests.conftest import DEMO_PASSWORD, login

from .conftest import pdf_text


def small_school(app) -> dict:
    from zhurnal.core import access
    from zhurnal.core.identity.models import School, User
    from zhurnal.plugins.journal import service as journal
    from zhurnal.plugins.roster import service as roster
    d = dt.date
    with app.app_context():
        pw_hash = app.extensions["zhurnal"].passwords.hash(DEMO_PASSWORD)
        school = School.create(name="МБОУ «Лицей № 2»", short_name="Лицей № 2")
        admin = User.create(login="admin", display_name="Администратор", password_hash=pw_hash, school=school)
        access.grant(admin, "admin", scope_type="deployment")
        teacher = User.create(login="teacher", display_name="Смирнова Анна Павловна", password_hash=pw_hash,
                              school=school)
        access.grant(teacher, "teacher", school=school)
        year = roster.create_year(school, "2026/2027", d(2026, 9, 1), d(2027, 5, 31), "quarters",
                                  [(d(2026, 9, 1), d(2026, 10, 24)), (d(2026, 11, 5), d(2026, 12, 28)),
                                   (d(2027, 1, 12), d(2027, 3, 20)), (d(2027, 3, 30), d(2027, 5, 26))])
        journal.ensure_defaults(school)
        math = roster.add_subject(school, "Алгебра", "Алг.")
        names = {}
        for parallel, people in ((7, [("Кузнецова", "Дарья"), ("Орлов", "Максим")]),
                                 (8, [("Павлова", "Ульяна"), ("Фролов", "Тимофей")])):
            cls = roster.create_class(school, year, parallel, "Б", class_teacher=teacher)
            roster.assign_teaching(teacher, math, school_class=cls)
            lesson = journal.create_lesson(school.id, date=d(2026, 11, 10), subject=math, teacher=teacher,
                                           school_class=cls, number=2, topic="Линейные уравнения")
            for i, (last, first) in enumerate(people):
                st = roster.create_student(school, cls, {"last_name": last, "first_name": first})
                journal.add_mark(lesson, st, "5" if i == 0 else "4", by=teacher)
                names[st.id] = (st.full_name, "5" if i == 0 else "4")
        return {"school": school.id, "names": names}


def test_admin_prints_the_whole_school_as_one_pdf(make_app, tmp_path):
    app = make_app(plugins=["roster", "journal", "paper_export"])
    app.config["WTF_CSRF_ENABLED"] = False
    s = small_school(app)
    a = login(app, "admin")
    page = a.get("/paper_export/school").get_data(as_text=True)
    assert "Лицей № 2" in page
    assert a.post("/paper_export/school", data={"from": "2026-11-30", "to": "2026-11-01"}).status_code == 422
    r = a.post("/paper_export/school", data={"from": "2026-11-02", "to": "2026-11-15"})
    assert r.status_code == 302
    bid = int(re.search(r"batch=(\d+)", r.headers["Location"]).group(1))
    status = a.get(f"/paper_export/batches/{bid}.json").get_json()
    assert (status["status"], status["total"], status["percent"]) == ("done", 4, 100)
    text = pdf_text(a.get(f"/paper_export/batches/{bid}.pdf").data, tmp_path)
    assert text.count("ВЫПИСКА") == 4
    squeezed = text.replace(" ", "")
    for full_name, mark in s["names"].values():
        assert full_name in text
        assert f"10.11{mark}" in squeezed
    assert text.index("Кузнецова") < text.index("Павлова")  # class by class
    # the class teacher has no school page
    assert login(app, "teacher").get("/paper_export/school").status_code == 404


def test_metrics_count_waiting_batches_and_extracts_not_handed(make_app):
    app = make_app(plugins=["roster", "journal", "paper_export"], metrics_token="t" * 32)
    app.config["WTF_CSRF_ENABLED"] = False
    small_school(app)
    a = login(app, "admin")
    assert a.post("/paper_export/school", data={"from": "2026-11-02", "to": "2026-11-15"}).status_code == 302
    text = app.test_client().get("/metrics", headers={"Authorization": "Bearer " + "t" * 32}).get_data(as_text=True)
    assert "zhurnal_paper_export_extracts_not_handed 4.0" in text
    assert "zhurnal_paper_export_batches_waiting 0.0" in text
