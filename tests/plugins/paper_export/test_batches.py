"""Batches for a class (one PDF, a page break per student), the paper-delivery list, the
handover register that counts as acknowledging the diary, schedules."""
from __future__ import annotations

import datetime as dt
import re

from .conftest import audit_since, last_audit_id, pdf_pages, pdf_text


def _start(client, ids, **form):
    data = {"from": "2026-11-02", "to": "2026-11-15", "selection": "class", **form}
    return client.post(f"/paper_export/classes/{ids['class_5a']}/batches", data=data)


def _batch_id(r) -> int:
    return int(re.search(r"batch=(\d+)", r.headers["Location"]).group(1))


def test_class_batch_is_one_pdf_with_a_page_break_per_student(demo_app, as_user, ids, tmp_path):
    from zhurnal.plugins.paper_export.models import Batch, Handover
    from zhurnal.plugins.roster import service as roster
    demo_app.config["WTF_CSRF_ENABLED"] = False
    k = as_user("klass5a")
    since = last_audit_id(demo_app)
    r = _start(k, ids, tear_off="1")
    assert r.status_code == 302
    bid = _batch_id(r)
    status = k.get(f"/paper_export/batches/{bid}.json").get_json()
    assert status["status"] == "done" and status["percent"] == 100 and status["done"] == status["total"] == 25
    body = k.get(f"/paper_export/batches/{bid}.pdf").data
    with demo_app.app_context():
        students = roster.class_students(ids["class_5a"])
        batch = Batch.get_by_id(bid)
        assert batch.pages == pdf_pages(body) >= len(students)
        assert Handover.select().where(Handover.batch == bid).count() == len(students)
    text = pdf_text(body, tmp_path)
    assert all(s.full_name in text for s in students)
    assert text.count("ВЫПИСКА") == len(students)
    assert text.count("отрезать и вернуть классному руководителю") == len(students)
    # each student's extract starts on its own page
    from io import BytesIO
    from pypdf import PdfReader
    firsts = [p.extract_text() for p in PdfReader(BytesIO(body)).pages if "ВЫПИСКА" in p.extract_text()]
    assert len(firsts) == len(students)
    assert len(audit_since(demo_app, since, "paper_export.extract.print")) == len(students)
    # the page shows the batch as ready
    page = k.get(f"/paper_export/classes/{ids['class_5a']}").get_data(as_text=True)
    assert f'data-batch="{bid}" data-batch-status="done"' in page


def test_other_class_teacher_and_parents_get_nothing(demo_app, as_user, ids):
    demo_app.config["WTF_CSRF_ENABLED"] = False
    bid = _batch_id(_start(as_user("klass5a"), ids))
    for name in ("parent1", "teacher", "fizruk"):
        c = as_user(name)
        assert c.get(f"/paper_export/batches/{bid}.pdf").status_code == 404
        assert c.get(f"/paper_export/batches/{bid}.json").status_code == 404
        assert _start(c, ids).status_code in (403, 404)


def test_paper_list_from_the_consent_plugin_and_the_hand_choice_without_it(demo_app, as_user, ids, tmp_path):
    """The consent plugin answers ``zhurnal_paper_delivery_guardians``; switched off for the school,
    nobody answers and the class teacher picks the students by hand."""
    from zhurnal.plugins.consent.service import paper_delivery_guardians
    from zhurnal.plugins.paper_export.models import Batch
    from zhurnal.plugins.roster import service as roster
    from zhurnal.plugins.roster.models import StudentGuardian
    demo_app.config["WTF_CSRF_ENABLED"] = False
    k = as_user("klass5a")
    with demo_app.app_context():
        guardians = paper_delivery_guardians(ids["class_5a"])
        students = roster.class_students(ids["class_5a"])
        on_paper = [s for s in students if StudentGuardian.select().where(
            (StudentGuardian.student == s.id) & StudentGuardian.guardian.in_(guardians or [0])).exists()]
    assert 0 < len(on_paper) <= len(students)
    page = k.get(f"/paper_export/classes/{ids['class_5a']}").get_data(as_text=True)
    assert f"Список получающих на бумаге (учеников: {len(on_paper)})" in page
    r = _start(k, ids, selection="paper", **{"from": "2026-11-23", "to": "2026-11-24"})
    with demo_app.app_context():
        b = Batch.get_by_id(_batch_id(r))
        assert (b.total, b.selection, b.status) == (len(on_paper), "paper", "done")
        assert sorted(int(x) for x in b.student_ids.split(",")) == sorted(s.id for s in on_paper)
    text = pdf_text(k.get(f"/paper_export/batches/{b.id}.pdf").data, tmp_path)
    assert text.count("ВЫПИСКА") == len(on_paper) and on_paper[0].full_name in text
    # the consent plugin switched off for the school: nobody keeps the list
    assert as_user("admin").put(f"/api/v1/schools/{ids['school']}/plugins/consent",
                                json={"enabled": False}).status_code == 200
    page = k.get(f"/paper_export/classes/{ids['class_5a']}").get_data(as_text=True)
    assert "выберите учеников вручную" in page
    r = _start(k, ids, selection="paper")
    assert r.status_code == 422 and "выберите учеников вручную" in r.get_data(as_text=True)
    r = _start(k, ids, selection="chosen", student=[str(ids["other_5a"]), str(ids["student1"])])
    with demo_app.app_context():
        b = Batch.get_by_id(_batch_id(r))
        assert b.total == 2 and b.status == "done"


def test_handed_over_extract_counts_as_acknowledgement_on_the_diary_page(demo_app, as_user, ids):
    from zhurnal.plugins.paper_export.models import Handover
    from zhurnal.plugins.roster.models import Guardian, StudentGuardian
    demo_app.config["WTF_CSRF_ENABLED"] = False
    k = as_user("klass5a")
    week = "2026-11-09"
    control = k.get(f"/diary/classes/{ids['class_5a']}/acknowledgements?week={week}").get_data(as_text=True)
    with demo_app.app_context():
        g = Guardian.select().join(StudentGuardian).where(StudentGuardian.student == ids["other_5a"]).get()
    row = re.search(rf'data-student="{ids["other_5a"]}" data-guardian="{g.id}" data-status="(\w+)"', control)
    assert row and row.group(1) != "paper"
    assert k.get(f"/api/v1/students/{ids['other_5a']}/extract.pdf?from=2026-11-02&to=2026-11-15").status_code == 200
    with demo_app.app_context():
        h = Handover.select().where(Handover.student == ids["other_5a"]).order_by(Handover.id.desc()).get()
    since = last_audit_id(demo_app)
    r = k.post(f"/paper_export/handovers/{h.id}", data={"handed": "1", "guardian": str(g.id), "signed_slip": "1",
                                                        "on": "2026-11-16"})
    assert r.status_code == 302
    assert [e.action for e in audit_since(demo_app, since)] == ["paper_export.extract.handed"]
    with demo_app.app_context():
        h = Handover.get_by_id(h.id)
        assert (h.handed_on, h.guardian_id, h.signed_slip) == (dt.date(2026, 11, 16), g.id, True)
    control = k.get(f"/diary/classes/{ids['class_5a']}/acknowledgements?week={week}").get_data(as_text=True)
    assert f'data-student="{ids["other_5a"]}" data-guardian="{g.id}" data-status="paper"' in control
    assert "Выдано на бумаге" in control
    api = k.get(f"/api/v1/classes/{ids['class_5a']}/acknowledgements?week={week}").get_json()
    row = next(r for r in api["rows"] if r["student_id"] == ids["other_5a"] and r["guardian_id"] == g.id)
    assert (row["status"], row["paper_handed_on"]) == ("paper", "2026-11-16") and api["summary"]["paper"] >= 1
    # a week outside the extract's period is not covered
    later = k.get(f"/diary/classes/{ids['class_5a']}/acknowledgements?week=2026-11-23").get_data(as_text=True)
    assert f'data-guardian="{g.id}" data-status="paper"' not in later
    # a date in the future or before the period is refused
    for bad in ("2026-11-27", "2026-10-01", "99999-01-01"):
        assert k.post(f"/paper_export/handovers/{h.id}", data={"handed": "1", "on": bad}).status_code == 422
    # a guardian of another student cannot be named as the receiver
    other = Guardian.select().join(StudentGuardian).where(StudentGuardian.student == ids["student1"])
    with demo_app.app_context():
        other_g = other.first()
    r = k.post(f"/paper_export/handovers/{h.id}", data={"handed": "1", "guardian": str(other_g.id)})
    assert r.status_code == 422


def test_schedule_makes_the_batch_and_a_notice(demo_app, as_user, ids):
    from zhurnal.plugins.paper_export import service
    from zhurnal.plugins.paper_export.jobs import scheduled_batches_job
    from zhurnal.plugins.paper_export.models import Batch, Schedule
    demo_app.config["WTF_CSRF_ENABLED"] = False
    k = as_user("klass5a")
    from zhurnal.plugins.consent.service import paper_delivery_guardians
    from zhurnal.plugins.roster.models import StudentGuardian
    for bad in ("99999999999999999999", "0", "-3", "121", "две"):
        assert k.post(f"/paper_export/classes/{ids['class_5a']}/schedule",
                      data={"every_days": bad, "selection": "class"}).status_code == 422, bad
    # "every two weeks for the paper list" (the consent plugin keeps the list)
    r = k.post(f"/paper_export/classes/{ids['class_5a']}/schedule", data={"every_days": "14", "selection": "paper"})
    assert r.status_code == 302
    with demo_app.app_context():
        on_paper = {sid for (sid,) in StudentGuardian.select(StudentGuardian.student).where(
            StudentGuardian.guardian.in_(paper_delivery_guardians(ids["class_5a"]) or [0])).tuples()}
        made = scheduled_batches_job.call_local()
        assert len(made) == 1
        b = Batch.get_by_id(made[0])
        assert (b.status, b.date_to, b.date_from, b.selection) == ("done", dt.date(2026, 11, 26),
                                                                   dt.date(2026, 11, 13), "paper")
        from zhurnal.plugins.roster import service as roster
        in_class = {s.id for s in roster.class_students(ids["class_5a"])}
        assert {int(x) for x in b.student_ids.split(",")} == on_paper & in_class
        assert b.total == len(b.student_ids.split(",")) > 0
        assert Schedule.get(Schedule.school_class == ids["class_5a"]).next_on == dt.date(2026, 12, 10)
        assert scheduled_batches_job.call_local() == []  # not due again today
        assert [x.id for x in service.pending_notices(b.school_class)] == [b.id]
    page = k.get(f"/paper_export/classes/{ids['class_5a']}").get_data(as_text=True)
    assert f'data-notice="{b.id}"' in page
    dash = k.get("/").get_data(as_text=True)
    assert "Выписки на бумаге готовы" in dash
    k.get(f"/paper_export/batches/{b.id}.pdf")
    assert f'data-notice="{b.id}"' not in k.get(f"/paper_export/classes/{ids['class_5a']}").get_data(as_text=True)


def test_a_stopped_schedule_makes_nothing(demo_app, as_user, ids):
    from zhurnal.plugins.paper_export.jobs import scheduled_batches_job
    from zhurnal.plugins.paper_export.models import Schedule
    demo_app.config["WTF_CSRF_ENABLED"] = False
    k = as_user("klass5a")
    assert k.post(f"/paper_export/classes/{ids['class_5a']}/schedule",
                  data={"every_days": "7", "selection": "class"}).status_code == 302
    assert k.post(f"/paper_export/classes/{ids['class_5a']}/schedule",
                  data={"every_days": "", "selection": "class"}).status_code == 302
    with demo_app.app_context():
        assert Schedule.get(Schedule.school_class == ids["class_5a"]).active is False
        assert scheduled_batches_job.call_local() == []


def test_the_register_is_paged(demo_app, as_user, ids):
    import datetime as dt
    from zhurnal.plugins.paper_export.models import Handover
    from zhurnal.plugins.roster.models import Student
    with demo_app.app_context():
        st = Student.get_by_id(ids["other_5a"])
        for i in range(55):
            Handover.create(school=st.school_id, student=st.id, school_class=st.school_class_id,
                            date_from=dt.date(2026, 9, 1) + dt.timedelta(days=i), date_to=dt.date(2026, 11, 1))
    k = as_user("klass5a")
    first = k.get(f"/paper_export/classes/{ids['class_5a']}").get_data(as_text=True)
    second = k.get(f"/paper_export/classes/{ids['class_5a']}?page=2").get_data(as_text=True)
    assert first.count("data-handover=") == 50 and second.count("data-handover=") == 5
    assert "Страница 1 из 2" in first
    assert k.get(f"/paper_export/classes/{ids['class_5a']}?page=0").status_code == 422
    assert k.get(f"/paper_export/classes/{ids['class_5a']}?page=99999999999999999999").status_code in (404, 422)
