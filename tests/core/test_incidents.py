"""The compromise procedure after the report: deadline (one working day, weekends and holidays
excluded), who was told when, overdue flagged to the director, the suspect window's writes listed
and reverted in one audited action, queued jobs re-checking the account."""
from __future__ import annotations

import datetime as dt

from zhurnal.core import audit, incidents
from zhurnal.core.db import utcnow
from zhurnal.core.identity.models import CompromiseReport, User
from zhurnal.plugins.journal.models import Lesson, Mark
from zhurnal.plugins.roster.models import Student
from tests.conftest import login


def _utc(y, m, d, hh, mm=0):
    """A Moscow wall-clock time as naive UTC."""
    return dt.datetime(y, m, d, hh, mm) - dt.timedelta(hours=3)


def test_deadline_is_the_end_of_the_next_working_day(demo_app):
    from zhurnal.plugins.roster.models import AcademicYear, Holiday
    with demo_app.test_request_context():
        school_id = User.get(User.login == "teacher").school_id
        # Thursday 26 Nov, 15:00 -> end of Friday 27 Nov (Moscow) = 21:00 UTC
        assert incidents.deadline_for(_utc(2026, 11, 26, 15), school_id) == dt.datetime(2026, 11, 27, 21, 0)
        # Friday evening -> end of Monday; Saturday -> end of Monday
        assert incidents.deadline_for(_utc(2026, 11, 27, 22), school_id) == dt.datetime(2026, 11, 30, 21, 0)
        assert incidents.deadline_for(_utc(2026, 11, 28, 10), school_id) == dt.datetime(2026, 11, 30, 21, 0)
        # a school holiday on Monday and Tuesday moves it to Wednesday (asked through the roster's hook)
        year = AcademicYear.select().where(AcademicYear.school == school_id).first()
        Holiday.create(year=year, name="Карантин", start=dt.date(2026, 11, 30), end=dt.date(2026, 12, 1))
        assert incidents.deadline_for(_utc(2026, 11, 27, 22), school_id) == dt.datetime(2026, 12, 2, 21, 0)
        # late evening in Moscow is already the next day in the school's calendar
        assert incidents.deadline_for(dt.datetime(2026, 11, 25, 21, 30), school_id) == dt.datetime(2026, 11, 27, 21, 0)


def test_director_and_support_see_the_incident_with_deadline_and_notifications(demo_app):
    parent = login(demo_app, "parent1")
    r = parent.post("/api/v1/me/compromised", json={"note": "Телефон украли"})
    rid = r.get_json()["report_id"]
    for who in ("director", "support", "admin"):
        c = login(demo_app, who)
        items = c.get("/api/v1/incidents").get_json()
        one = next(i for i in items if i["id"] == rid)
        assert one["account"]["login"] == "parent1" and one["state"] == "open" and one["deadline_at"]
        got = c.get(f"/api/v1/incidents/{rid}").get_json()
        assert got["deadline_at"] == one["deadline_at"] and got["note"] == "Телефон украли"
        told = got["notifications"]
        assert told and told[0]["kind"] == "reported" and told[0]["at"]
        assert told[0]["recipients"] == ["director", "support"] and "in-app" in told[0]["channels"]
    with demo_app.test_request_context():
        report = CompromiseReport.get_by_id(rid)
        assert report.deadline_at == incidents.deadline_for(report.reported_at, report.user.school_id)
    for who in ("teacher", "deputy", "parent2"):
        assert login(demo_app, who).get(f"/api/v1/incidents/{rid}").status_code == 403


def test_an_overdue_incident_is_flagged_to_the_director_once(demo_app):
    login(demo_app, "parent1").post("/api/v1/me/compromised", json={})
    with demo_app.test_request_context():
        report = CompromiseReport.select().order_by(CompromiseReport.id.desc()).get()
        CompromiseReport.update(deadline_at=utcnow() - dt.timedelta(minutes=1)).where(
            CompromiseReport.id == report.id).execute()
        assert incidents.flag_overdue_incidents_job.call_local() == [report.id]
        assert incidents.flag_overdue_incidents_job.call_local() == []
        e = audit.AuditEntry.get(audit.AuditEntry.action == "core.incident.overdue")
        assert e.payload["recipients"] == ["director"]
    got = login(demo_app, "director").get(f"/api/v1/incidents/{report.id}").get_json()
    assert got["state"] == "overdue" and got["overdue"] and got["overdue_flagged_at"]
    assert [n["kind"] for n in got["notifications"]] == ["reported", "overdue"]
    home = login(demo_app, "director").get("/").get_data(as_text=True)
    assert "просрочен" in home.lower() or "overdue" in home.lower()
    admin = login(demo_app, "admin")
    assert admin.post(f"/api/v1/incidents/{report.id}/resolve", json={"note": "ok"}).get_json()["state"] == "resolved"
    assert admin.post(f"/api/v1/incidents/{report.id}/resolve", json={}).status_code == 409


def _teacher_lesson_and_students(app):
    with app.app_context():
        teacher = User.get(User.login == "teacher")
        lesson = (Lesson.select().where((Lesson.teacher == teacher.id) & (Lesson.date <= dt.date(2026, 11, 26))
                                        & Lesson.group.is_null() & (Lesson.cancelled == False))  # noqa: E712
                  .order_by(Lesson.date.desc()).first())
        students = [s.id for s in Student.select().where(Student.school_class == lesson.school_class_id)
                    .order_by(Student.id).limit(2)]
        marked = Mark.select().where(Mark.lesson == lesson.id).first()
        return teacher.id, lesson.id, students, marked


def test_suspect_window_writes_are_listed_and_reverted_in_one_audited_action(demo_app):
    teacher_id, lesson_id, (s1, s2), _ = _teacher_lesson_and_students(demo_app)
    before = utcnow() - dt.timedelta(seconds=1)
    thief = login(demo_app, "teacher")
    given = thief.post("/api/v1/marks", json={"student_id": s1, "lesson_id": lesson_id, "value": "2"})
    assert given.status_code == 201, given.get_json()
    changed = thief.post("/api/v1/marks", json={"student_id": s1, "lesson_id": lesson_id, "value": "5"}).get_json()
    r = thief.patch(f"/api/v1/marks/{changed['id']}", json={"version": changed["version"], "value": "3"})
    assert r.status_code == 200
    r = thief.put("/api/v1/attendance", json={"student_id": s2, "lesson_id": lesson_id, "status": "absent"})
    assert r.status_code == 200, r.get_json()
    # the owner calls support, who reports the account; the admin marks the suspect window
    support = login(demo_app, "support")
    rid = support.post(f"/api/v1/users/{teacher_id}/compromised", json={"note": "чужой вход"}).get_json()["report_id"]
    admin = login(demo_app, "admin")
    assert admin.post(f"/api/v1/incidents/{rid}/window", json={"since": "2099-01-01T00:00:00"}).status_code == 409
    r = admin.post(f"/api/v1/incidents/{rid}/window", json={"since": before.isoformat()})
    assert r.status_code == 200 and r.get_json()["compromised_since"]
    writes = admin.get(f"/api/v1/incidents/{rid}/writes").get_json()
    journal = [w for w in writes if w["action"].startswith("journal.")]
    assert [w["action"] for w in journal] == ["journal.mark.create", "journal.mark.create", "journal.mark.update",
                                              "journal.attendance.set"]
    assert all(w["entry_id"] for w in writes)
    r = admin.post(f"/api/v1/incidents/{rid}/revert")
    assert r.status_code == 200
    results = r.get_json()["results"]
    assert [x["status"] for x in results if x["action"].startswith("journal.")] == ["reverted"] * 4
    assert {x["status"] for x in results if not x["action"].startswith("journal.")} <= {"not_revertable"}
    with demo_app.app_context():
        assert Mark.get_or_none(Mark.id == given.get_json()["id"]) is None
        assert Mark.get_or_none(Mark.id == changed["id"]) is None      # given and changed in the window: gone
        from zhurnal.plugins.journal.models import Attendance
        assert Attendance.get_or_none((Attendance.lesson == lesson_id) & (Attendance.student == s2)) is None
        acts = [(e.action, e.login) for e in audit.AuditEntry.select().order_by(audit.AuditEntry.id)]
        void = {i.entry_id for i in audit.AuditInvalid.select()}
    assert ("journal.mark.update", "teacher") in acts and ("journal.mark.update", "admin") in acts
    assert acts.count(("journal.mark.delete", "admin")) == 2 and ("core.incident.revert", "admin") in acts
    assert {w["entry_id"] for w in writes} <= void
    assert admin.post(f"/api/v1/incidents/{rid}/revert").status_code == 409     # once


def test_a_revert_skips_what_someone_else_changed_since(demo_app):
    teacher_id, lesson_id, (s1, _), _ = _teacher_lesson_and_students(demo_app)
    before = utcnow() - dt.timedelta(seconds=1)
    mark = login(demo_app, "teacher").post("/api/v1/marks", json={"student_id": s1, "lesson_id": lesson_id,
                                                                   "value": "2"}).get_json()
    rid = login(demo_app, "support").post(f"/api/v1/users/{teacher_id}/compromised",
                                          json={"since": before.isoformat()}).get_json()["report_id"]
    with demo_app.test_request_context():
        from zhurnal.plugins.journal import service
        service.update_mark(Mark.get_by_id(mark["id"]), {"value": "4"}, version=mark["version"],
                            by=User.get(User.login == "deputy"), allow_closed=True)
    results = login(demo_app, "admin").post(f"/api/v1/incidents/{rid}/revert").get_json()["results"]
    assert [x["status"] for x in results if x["action"].startswith("journal.")] == ["skipped"]
    with demo_app.app_context():
        assert Mark.get_by_id(mark["id"]).value == "4"


def test_a_queued_job_rechecks_the_account_when_it_runs(make_app, tmp_path):
    from zhurnal.core import queue
    from zhurnal.core.identity import service
    from tests.core.test_queue import add_and_record
    app = make_app(queue_url=f"sqlite:///{tmp_path}/q.db")
    with app.app_context():
        user, _ = service.create_user("victim", "Жертва", password="Sirenj-u-okna-7")
        uid = user.id
    q = queue.get_queue(app)
    with app.test_request_context():
        from flask import g
        g.user = User.get_by_id(uid)
        add_and_record(2, 3)                                      # queued by the account's request
        add_and_record.schedule((4, 5), delay=0)
    with app.test_request_context():
        service.report_compromised(User.get_by_id(uid))
    ran = {}
    while (task := q.dequeue()) is not None:
        ran[task.name] = ran.get(task.name, []) + [q.execute(task)]
    assert ran["add_and_record"] == [None, None]                # not run: the account is stopped
    assert "notify_compromise_job" in ran                        # the kernel's own notice acts for nobody
    with app.app_context():
        assert audit.AuditEntry.select().where(audit.AuditEntry.action == "test.job").count() == 0
        assert audit.AuditEntry.select().where(audit.AuditEntry.action == "core.job.refused").count() == 2


def test_the_incident_page_marks_the_window_and_reverts(demo_app):
    import re
    teacher_id, lesson_id, (s1, _), _ = _teacher_lesson_and_students(demo_app)
    before = utcnow() - dt.timedelta(seconds=2)
    mark = login(demo_app, "teacher").post("/api/v1/marks", json={"student_id": s1, "lesson_id": lesson_id,
                                                                   "value": "2"}).get_json()
    rid = login(demo_app, "support").post(f"/api/v1/users/{teacher_id}/compromised", json={}).get_json()["report_id"]
    admin = login(demo_app, "admin")
    page = admin.get(f"/admin/incidents/{rid}").get_data(as_text=True)
    assert "Срок" in page and 'class="write-row"' not in page           # the window is empty so far
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = admin.post(f"/admin/incidents/{rid}/window", data={"csrf_token": token,
                                                           "since": before.isoformat(timespec="seconds")})
    assert r.status_code == 302
    page = admin.get(f"/admin/incidents/{rid}").get_data(as_text=True)
    assert "journal.mark.create" in page
    assert admin.post(f"/admin/incidents/{rid}/revert", data={"csrf_token": token}).status_code == 302
    with demo_app.app_context():
        assert Mark.get_or_none(Mark.id == mark["id"]) is None
    director = login(demo_app, "director")
    assert director.get(f"/admin/incidents/{rid}").status_code == 200
    assert director.post(f"/admin/incidents/{rid}/resolve", data={"csrf_token": token}).status_code in (400, 403)
    assert login(demo_app, "deputy").get(f"/admin/incidents/{rid}").status_code == 403
