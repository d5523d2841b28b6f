"""Medical certificates: add, list, remove (kept), the signal, and what the journal does with it."""
from __future__ import annotations

import datetime as dt

import pytest

from zhurnal.plugins.health_sheet import signals
from tests.conftest import TODAY, login

from .conftest import audit_since, last_audit_id, small_school


class Captured(list):
    """Collects medical_certificate_changed signals sent while it is connected."""

    def __call__(self, sender, **kw):
        self.append(kw)


@pytest.fixture
def captured():
    c = Captured()
    signals.medical_certificate_changed.connect(c, weak=False)
    yield c
    signals.medical_certificate_changed.disconnect(c)


CERT = {"date_from": "2026-11-23", "date_to": "2026-11-25", "issued_by": "ДГП № 2", "number": "1452",
        "reason": "illness"}


def test_certificate_lifecycle_without_journal(make_app, captured):
    """Journal not enabled: certificates work, the signal is sent, and nothing else happens."""
    app = make_app(plugins=["roster", "health_sheet"])
    s = small_school(app)
    sid = s["students"][0]
    since = last_audit_id(app)
    klass = login(app, "klass")
    r = klass.post(f"/api/v1/students/{sid}/medical-certificates", json=CERT)
    assert r.status_code == 201, r.get_json()
    cert = r.get_json()
    assert (cert["date_from"], cert["date_to"], cert["reason"], cert["source"]) == \
        ("2026-11-23", "2026-11-25", "illness", "nurse_data")
    assert cert["created_by"]["id"] == s["users"]["klass"] and cert["removed_at"] is None
    assert "diagnosis" not in cert
    assert captured == [{"certificate_id": cert["id"], "student_id": sid, "date_from": dt.date(2026, 11, 23),
                         "date_to": dt.date(2026, 11, 25), "action": "added", "by": captured[0]["by"],
                         "school_id": s["school"]}]
    assert captured[0]["by"].id == s["users"]["klass"]
    # recorded twice by mistake: refused
    assert klass.post(f"/api/v1/students/{sid}/medical-certificates", json=CERT).status_code == 409

    nurse = login(app, "nurse")
    listed = nurse.get(f"/api/v1/students/{sid}/medical-certificates").get_json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == cert["id"]
    assert nurse.get(f"/api/v1/students/{sid}/health").get_json()["certificate_today"] is None  # today is 26.11

    r = nurse.delete(f"/api/v1/medical-certificates/{cert['id']}")
    assert r.status_code == 200
    assert r.get_json()["removed_by"]["id"] == s["users"]["nurse"] and r.get_json()["removed_at"]
    assert captured[1]["action"] == "removed" and captured[1]["certificate_id"] == cert["id"]
    assert nurse.delete(f"/api/v1/medical-certificates/{cert['id']}").status_code == 409
    assert len(captured) == 2
    # soft-deleted: gone from the list, still there with include_removed
    assert nurse.get(f"/api/v1/students/{sid}/medical-certificates").get_json()["total"] == 0
    kept = nurse.get(f"/api/v1/students/{sid}/medical-certificates?include_removed=1").get_json()
    assert kept["total"] == 1 and kept["items"][0]["removed_at"]

    actions = [e.action for e in audit_since(app, since) if not e.action.endswith(".read") and e.action != "core.login"]
    assert actions == ["health_sheet.certificate.add", "health_sheet.certificate.remove"]


def test_certificate_validation(make_app):
    app = make_app(plugins=["roster", "health_sheet"])
    s = small_school(app)
    url = f"/api/v1/students/{s['students'][0]}/medical-certificates"
    nurse = login(app, "nurse")
    for body, field in [({**CERT, "date_to": "2026-11-01"}, "date_to"),
                        ({**CERT, "reason": "грипп"}, "reason"),
                        ({**CERT, "issued_by": " "}, "issued_by"),
                        ({k: v for k, v in CERT.items() if k != "date_from"}, "date_from"),
                        ({**CERT, "date_from": "2025-01-01", "date_to": "2026-11-01"}, "date_to"),
                        ({**CERT, "diagnosis": "ОРВИ"}, "diagnosis")]:
        r = nurse.post(url, json=body)
        assert r.status_code == 422 and field in r.get_json()["error"]["fields"], (body, r.get_json())
    assert nurse.delete("/api/v1/medical-certificates/999999").status_code == 404
    assert nurse.get(url).get_json()["total"] == 0


def test_demo_certificate_covers_three_school_days(demo_app, hs):
    assert (hs["ill_from"], hs["ill_to"]) == (dt.date(2026, 11, 23), dt.date(2026, 11, 25))
    body = login(demo_app, "klass5a").get(f"/api/v1/students/{hs['ill_student']}/medical-certificates").get_json()
    assert body["items"][0]["issued_by"].startswith("ГБУЗ")


def _lessons_with_absences(app, s) -> dict:
    """Four maths lessons of 5А (23-26 Nov) with the first student absent from each."""
    from zhurnal.core.identity.models import User
    from zhurnal.plugins.journal.models import Attendance, Lesson
    from zhurnal.plugins.roster import service as roster
    from zhurnal.plugins.roster.models import SchoolClass
    with app.app_context():
        cls = SchoolClass.get_by_id(s["class"])
        period = roster.period_for(cls.school_id, dt.date(2026, 11, 23))
        teacher = User.get_by_id(s["users"]["teacher"])
        sid = s["students"][0]
        out = {}
        for day in (23, 24, 25, 26):
            lesson = Lesson.create(school=cls.school_id, period=period, date=dt.date(2026, 11, day), number=2,
                                   subject=s["subject_math"], teacher=teacher, school_class=cls)
            out[day] = Attendance.create(lesson=lesson, student=sid, status="absent", updated_by=teacher).id
        return out


def _statuses(app, att_ids: dict) -> dict:
    from zhurnal.plugins.journal.models import Attendance
    with app.app_context():
        return {day: Attendance.get_by_id(i).status for day, i in att_ids.items()}


def test_certificate_justifies_absences_in_the_journal(make_app):
    """Must show: a certificate covering three days turns the absences of those days into
    valid-reason absences in the journal; removing it turns them back; both ways audited."""
    app = make_app(plugins=["roster", "journal", "health_sheet"])
    s = small_school(app)
    sid = s["students"][0]
    att = _lessons_with_absences(app, s)
    three = sorted(att[d] for d in (23, 24, 25))
    since = last_audit_id(app)
    klass = login(app, "klass")  # the class teacher, from the nurse's data
    r = klass.post(f"/api/v1/students/{sid}/medical-certificates", json=CERT)
    assert r.status_code == 201, r.get_json()
    cert = r.get_json()
    assert _statuses(app, att) == {23: "valid", 24: "valid", 25: "valid", 26: "absent"}
    from zhurnal.plugins.journal.models import Attendance
    tag = f"health_sheet:certificate:{cert['id']}"
    with app.app_context():
        for day in (23, 24, 25):
            row = Attendance.get_by_id(att[day])
            assert (row.justified_by, row.status_before) == (tag, "absent"), day
        assert Attendance.get_by_id(att[26]).justified_by is None
    # audited: the certificate, then the journal's justification, both by the class teacher
    entries = [e for e in audit_since(app, since) if not e.action.endswith(".read") and e.action != "core.login"]
    assert [(e.action, e.login) for e in entries] == [("health_sheet.certificate.add", "klass"),
                                                      ("journal.attendance.justify", "klass")]
    assert entries[0].payload["source"] == "nurse_data" and entries[0].object_id == str(cert["id"])
    assert entries[1].payload["justified_by"] == tag and sorted(entries[1].payload["attendance"]) == three
    assert entries[1].object_type == "roster_student" and entries[1].object_id == str(sid)

    since = last_audit_id(app)
    assert login(app, "nurse").delete(f"/api/v1/medical-certificates/{cert['id']}").status_code == 200
    assert _statuses(app, att) == {23: "absent", 24: "absent", 25: "absent", 26: "absent"}
    with app.app_context():
        assert not Attendance.select().where(Attendance.justified_by == tag).exists()
    entries = [e for e in audit_since(app, since) if not e.action.endswith(".read") and e.action != "core.login"]
    assert [(e.action, e.login) for e in entries] == [("health_sheet.certificate.remove", "nurse"),
                                                      ("journal.attendance.unjustify", "nurse")]
    assert entries[1].payload["justified_by"] == tag and sorted(entries[1].payload["attendance"]) == three
    from zhurnal.core import audit
    with app.app_context():
        assert audit.verify() == []


def test_journal_switched_off_for_the_school_ignores_certificates(make_app):
    """The journal loaded but off for this school: its receiver is skipped; the certificate still works."""
    from zhurnal.core.identity.models import School
    app = make_app(plugins=["roster", "journal", "health_sheet"])
    s = small_school(app)
    att = _lessons_with_absences(app, s)
    with app.app_context():
        School.update(disabled_plugins="journal").where(School.id == s["school"]).execute()
    since = last_audit_id(app)
    r = login(app, "nurse").post(f"/api/v1/students/{s['students'][0]}/medical-certificates", json=CERT)
    assert r.status_code == 201
    assert set(_statuses(app, att).values()) == {"absent"}
    assert [e.action for e in audit_since(app, since) if e.action.startswith("journal.")] == []


def test_absence_entered_after_the_certificate_is_excused_at_once(demo_app):
    """The nurse's certificate came first; the teacher marks the absence later: the journal asks
    the plugins (``zhurnal_absence_justification``) and records a valid-reason absence at once."""
    from zhurnal.plugins.journal.models import Attendance, Lesson
    from zhurnal.plugins.roster.models import SchoolClass, Subject
    from tests.access import demo_ids
    from tests.conftest import login as api_login
    ids = demo_ids(demo_app)
    sid = ids["other_5a"]
    with demo_app.app_context():
        lesson = (Lesson.select().where((Lesson.school_class == ids["class_5a"]) &
                                        (Lesson.subject == ids["subject_math"]) &
                                        (Lesson.date <= TODAY) & (Lesson.cancelled == False))  # noqa: E712
                  .order_by(Lesson.date.desc()).first())
        Attendance.delete().where((Attendance.lesson == lesson.id) & (Attendance.student == sid)).execute()
    day = lesson.date.isoformat()
    r = api_login(demo_app, "nurse").post(f"/api/v1/students/{sid}/medical-certificates", json=dict(
        CERT, date_from=day, date_to=day))
    assert r.status_code == 201, r.get_json()
    cert = r.get_json()["id"]
    teacher = api_login(demo_app, "teacher")
    r = teacher.put("/api/v1/attendance", json={"student_id": sid, "lesson_id": lesson.id, "status": "ill"})
    assert r.status_code in (200, 201), r.get_json()
    with demo_app.app_context():
        row = Attendance.get((Attendance.lesson == lesson.id) & (Attendance.student == sid))
        assert (row.status, row.status_before, row.justified_by) == ("valid", "ill", f"health_sheet:certificate:{cert}")
    # withdrawing the certificate restores what the teacher recorded
    assert api_login(demo_app, "nurse").delete(f"/api/v1/medical-certificates/{cert}").status_code == 200
    with demo_app.app_context():
        row = Attendance.get((Attendance.lesson == lesson.id) & (Attendance.student == sid))
        assert (row.status, row.justified_by) == ("ill", None)
