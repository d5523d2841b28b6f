"""The medical certificate receiver: absences become valid, and back when the certificate goes."""
from __future__ import annotations

from zhurnal.plugins.health_sheet import signals as health_signals
from zhurnal.plugins.journal import signals
from zhurnal.core.audit import AuditEntry
from zhurnal.core.identity.models import User
from zhurnal.plugins.journal.models import Attendance, History, Lesson
from tests.plugins.journal.test_marks import caught


def _rows(student_id):
    return {a.lesson_id: a for a in Attendance.select().where(Attendance.student == student_id)}


def _setup(app, ids):
    """Absent on two days, ill on one, late on one (lessons of 5А in the 2nd quarter)."""
    with app.app_context():
        Attendance.delete().where(Attendance.student == ids["other_5a"]).execute()
        lessons = list(Lesson.select().where((Lesson.school_class == ids["class_5a"]) & Lesson.group.is_null() &
                                             (Lesson.period == ids["period_q2"]) & (Lesson.date <= "2026-11-20"))
                       .order_by(Lesson.date))
        days = sorted({x.date for x in lessons})[:4]
        statuses = dict(zip(days, ["absent", "ill", "late", "absent"]))
        for x in lessons:
            if x.date in statuses:
                Attendance.create(lesson=x.id, student=ids["other_5a"], status=statuses[x.date])
        q1_lesson = Lesson.get_by_id(ids["lesson_math_5a_q1"])
        Attendance.create(lesson=q1_lesson.id, student=ids["other_5a"], status="absent")
    return days, q1_lesson


def test_certificate_added_justifies_absences_and_removed_restores_them(demo_app, ids):
    days, q1_lesson = _setup(demo_app, ids)
    with demo_app.app_context():
        nurse = User.get(User.login == "nurse")
        with caught(signals.attendance_saved) as sent:
            health_signals.send(health_signals.medical_certificate_changed, certificate_id=77, student_id=ids["other_5a"],
                         date_from=days[0], date_to=days[2], action="added", by=nurse, school_id=ids["school"])
        rows = _rows(ids["other_5a"])
        by_day = {}
        for a in rows.values():
            by_day.setdefault(Lesson.get_by_id(a.lesson_id).date, set()).add((a.status, a.status_before, a.justified_by))
        tag = "health_sheet:certificate:77"
        assert by_day[days[0]] == {("valid", "absent", tag)}
        assert by_day[days[1]] == {("valid", "ill", tag)}
        assert by_day[days[2]] == {("late", None, None)}          # late is not an absence
        assert by_day[days[3]] == {("absent", None, None)}        # after the certificate
        assert rows[q1_lesson.id].status == "absent"               # a closed period is left alone
        assert sent and all(s["status"] == "valid" and s["by"] == nurse for s in sent)
        e = AuditEntry.select().where(AuditEntry.action == "journal.attendance.justify").get()
        assert e.payload["justified_by"] == tag and len(e.payload["attendance"]) == len(sent)
        assert History.select().where(History.action == "justified").count() == len(sent)

        # a teacher's own later change is kept when the certificate is withdrawn
        first = next(a for a in rows.values() if a.justified_by and a.status_before == "absent")
        Attendance.update(status="late", justified_by=None).where(Attendance.id == first.id).execute()
        health_signals.send(health_signals.medical_certificate_changed, certificate_id=77, student_id=ids["other_5a"],
                     date_from=days[0].isoformat(), date_to=days[2].isoformat(), action="removed", by=nurse.id,
                     school_id=ids["school"])
        after = _rows(ids["other_5a"])
        assert after[first.lesson_id].status == "late"
        for lid, a in rows.items():
            if a.justified_by == tag and a.id != first.id:
                assert (after[lid].status, after[lid].justified_by) == (a.status_before, None)
        assert AuditEntry.select().where(AuditEntry.action == "journal.attendance.unjustify").count() == 1
        assert History.select().where(History.action == "unjustified").count() == len(sent) - 1


def test_receiver_skipped_when_journal_is_off_for_the_school(demo_app, ids):
    days, _ = _setup(demo_app, ids)
    with demo_app.app_context():
        from zhurnal.core.identity.models import School
        School.update(disabled_plugins="journal").where(School.id == ids["school"]).execute()
        health_signals.send(health_signals.medical_certificate_changed, certificate_id=5, student_id=ids["other_5a"],
                     date_from=days[0], date_to=days[1], action="added", by=None, school_id=ids["school"])
        assert not [a for a in _rows(ids["other_5a"]).values() if a.status == "valid"]
