"""Hooks that one built-in plugin calls and any plugin may answer, each proved with a probe plugin in
the demo school: ``zhurnal_student_card_sections`` (roster), ``zhurnal_absence_justification``
(journal), ``zhurnal_paper_acknowledgements`` (diary), ``zhurnal_revert_write`` (the kernel's incident
revert). Each is asked only while the probe is on for the school.

Covered with the built-in answering plugins elsewhere: ``zhurnal_render_pdf``
(tests/plugins/analytics/test_pdf.py), ``zhurnal_paper_delivery_guardians``
(tests/plugins/paper_export/test_batches.py, tests/plugins/consent/test_service.py),
``zhurnal_consent_granted`` (tests/plugins/consent/test_diary.py), ``zhurnal_security_alert``
(tests/core/test_queue.py: a raising channel rolls the notice back and the job is retried),
``zhurnal_personal_data`` (tests/plugins/paper_export/test_extract.py)."""
from __future__ import annotations

import datetime as dt

import pytest

from zhurnal.core.identity.models import School, User
from zhurnal.core.ui import Widget
from tests.conftest import BUILTIN_PLUGINS, _close_app, build_app, login
from tests.hooks.probe import calls_of, make_probe
from tests.plugins.journal.helpers import journal_ids


@pytest.fixture
def demo_with(databases, demo_template):
    """``demo_with(probe)``: a fresh copy of the demo school with ``probe`` loaded besides the built-ins."""
    made = []

    def factory(*probes):
        template, _info = demo_template
        url = databases.new_url(template=template)
        app = build_app(url, BUILTIN_PLUGINS + [p.name for p in probes], list(probes), migrate=False)
        made.append((app, url))
        return app
    yield factory
    for app, url in made:
        _close_app(app)
        databases.drop(url)


def _switch_off(app, school_id, plugin="probe"):
    with app.app_context():
        School.update(disabled_plugins=plugin).where(School.id == school_id).execute()


def test_zhurnal_student_card_sections_are_shown_sorted_and_only_while_on(demo_with):
    probe = make_probe(zhurnal_student_card_sections=lambda student, user: [
        Widget("Психолог", html="<p>probe-section-late</p>", priority=990),
        Widget("Поездки", html="<p>probe-section-first</p>", priority=-5)])
    app = demo_with(probe)
    ids = journal_ids(app)
    k = login(app, "klass5a")
    html = k.get(f"/roster/students/{ids['student1']}").get_data(as_text=True)
    assert html.index("probe-section-first") < html.index("probe-section-late")
    [call] = calls_of(probe, "zhurnal_student_card_sections")
    assert call["student"].id == ids["student1"] and call["user"].login == "klass5a"
    _switch_off(app, ids["school"])
    assert "probe-section" not in k.get(f"/roster/students/{ids['student1']}").get_data(as_text=True)
    assert len(calls_of(probe, "zhurnal_student_card_sections")) == 1


def test_zhurnal_absence_justification_tag_excuses_the_absence(demo_with):
    app_ids = {}
    probe = make_probe(zhurnal_absence_justification=lambda student_id, day: (
        "probe:trip:7" if student_id == app_ids["student"] else None))
    app = demo_with(probe)
    ids = journal_ids(app)
    app_ids["student"] = ids["other_5a"]
    r = login(app, "teacher").put("/api/v1/attendance", json={"student_id": ids["other_5a"],
                                                              "lesson_id": ids["lesson_math_5a"], "status": "absent"})
    assert r.status_code == 200, r.get_json()
    from zhurnal.plugins.journal.models import Attendance, Lesson
    with app.app_context():
        row = Attendance.get((Attendance.lesson == ids["lesson_math_5a"]) & (Attendance.student == ids["other_5a"]))
        day = Lesson.get_by_id(ids["lesson_math_5a"]).date
    assert (row.status, row.status_before, row.justified_by) == ("valid", "absent", "probe:trip:7")
    assert {"student_id": ids["other_5a"], "day": day} in calls_of(probe, "zhurnal_absence_justification")


def test_zhurnal_paper_acknowledgements_mark_guardians_on_paper(demo_with):
    from tests.conftest import TODAY
    monday = TODAY - dt.timedelta(days=TODAY.weekday())
    handed = {}
    probe = make_probe(zhurnal_paper_acknowledgements=lambda student_ids, date_from, date_to: [
        {"student_id": handed["student"], "guardian_id": None, "date_from": date_from, "date_to": date_to,
         "handed_on": date_from}])
    app = demo_with(probe)
    ids = journal_ids(app)
    from zhurnal.plugins.diary.models import Acknowledgement
    with app.app_context():
        Acknowledgement.delete().where(Acknowledgement.student == ids["student1"]).execute()
    handed["student"] = ids["student1"]
    k = login(app, "klass5a")
    rows = k.get(f"/api/v1/classes/{ids['class_5a']}/acknowledgements?week={monday.isoformat()}").get_json()["rows"]
    mine = [r for r in rows if r["student_id"] == ids["student1"] and r["has_account"]]
    assert mine and all(r["status"] == "paper" and r["paper_handed_on"] == monday.isoformat() for r in mine)
    [call] = calls_of(probe, "zhurnal_paper_acknowledgements")
    assert ids["student1"] in call["student_ids"] and call["date_from"] == monday
    assert call["date_to"] == monday + dt.timedelta(days=6)


def test_zhurnal_revert_write_undoes_the_probes_writes_newest_first(demo_with):
    reverted = []

    def revert(entry, by):
        if not entry.action.startswith("probe."):
            return None
        reverted.append((entry.object_id, by.login))
        return {"status": "reverted", "note": f"note {entry.object_id}"}
    probe = make_probe(zhurnal_revert_write=revert)
    app = demo_with(probe)
    ids = journal_ids(app)
    from zhurnal.core import audit
    from zhurnal.core.db import database, utcnow
    from zhurnal.core.identity.models import User
    since = utcnow() - dt.timedelta(seconds=1)
    with app.test_request_context("/"):
        teacher = User.get(User.login == "teacher")
        for i in (1, 2):
            with database.atomic():
                audit.record("probe.note.write", object_type="probe_note", object_id=i, user=teacher,
                             school_id=ids["school"])
    rid = login(app, "support").post(f"/api/v1/users/{ids['user_teacher']}/compromised",
                                     json={"note": "чужой вход"}).get_json()["report_id"]
    admin = login(app, "admin")
    assert admin.post(f"/api/v1/incidents/{rid}/window", json={"since": since.isoformat()}).status_code == 200
    r = admin.post(f"/api/v1/incidents/{rid}/revert")
    assert r.status_code == 200
    mine = [x for x in r.get_json()["results"] if x["action"] == "probe.note.write"]
    assert [(x["object_id"], x["status"], x["note"]) for x in mine] == [("2", "reverted", "note 2"),
                                                                        ("1", "reverted", "note 1")]
    assert reverted == [("2", "admin"), ("1", "admin")]


def test_zhurnal_personal_data_subjects_name_the_records_the_export_asks_about(demo_with):
    """The access request asks every enabled plugin which records an account is; each named record is
    then handed to ``zhurnal_personal_data``; a plugin switched off for the school is asked nothing."""
    probe = make_probe(
        zhurnal_personal_data_subjects=lambda user_id: [{"kind": "guardian", "id": 424242, "relation": "self",
                                                         "object_type": "probe_member"}],
        zhurnal_personal_data=lambda user_id, person, viewer: (
            {"membership": {"record": person["id"]}} if person == {"kind": "guardian", "id": 424242} else None))
    app = demo_with(probe)
    ids = journal_ids(app)
    p = login(app, "parent1")
    body = p.get("/api/v1/me/personal-data").get_json()
    assert "424242" in str(body) and "membership" in str(body)
    [asked] = calls_of(probe, "zhurnal_personal_data_subjects")
    with app.app_context():
        assert asked["user_id"] == User.get(User.login == "parent1").id
    persons = [c["person"] for c in calls_of(probe, "zhurnal_personal_data")]
    assert {"kind": "guardian", "id": 424242} in persons
    _switch_off(app, ids["school"])
    body = p.get("/api/v1/me/personal-data").get_json()
    assert "424242" not in str(body)
    assert len(calls_of(probe, "zhurnal_personal_data_subjects")) == 1
