"""The notification pipeline end to end: event -> outbox (same transaction) -> worker -> a real SMTP server."""
from __future__ import annotations

import datetime as dt

import pytest

from zhurnal.core.db import database, utcnow
from zhurnal.core.identity.models import User
from zhurnal.core.notify.models import CANCELLED, FAILED, QUEUED, Delivery, Notification
from zhurnal.core.notify.worker import deliver_due, retry
from zhurnal.plugins.journal import service
from zhurnal.plugins.journal.models import Lesson
from zhurnal.plugins.roster.models import Guardian, Student, StudentGuardian
from tests.notify_support import SmtpServer, notify_app, smtp  # noqa: F401  (fixtures)
from tests.plugins.journal.helpers import journal_ids


def _people(app):
    ids = journal_ids(app)
    with app.app_context():
        p1 = User.get(User.login == "parent1")
        p1_email = Guardian.get(Guardian.user == p1.id).email
    return ids, p1, p1_email


def _mark(app, ids, value="5", student="student1", comment=""):
    with app.app_context():
        lesson = Lesson.get_by_id(ids["lesson_math_5a"])
        return service.add_mark(lesson, Student.get_by_id(ids[student]), value, "answer", comment=comment,
                                by=User.get(User.login == "teacher"))


def test_a_consenting_guardian_gets_a_new_mark_by_email_with_cyrillic_intact(notify_app, smtp):
    consent = {"all": True}
    app = notify_app(email=smtp.settings(), consent=consent)
    ids, p1, p1_email = _people(app)
    _mark(app, ids, "5", comment="Отличный ответ у доски")
    with app.app_context():
        stats = deliver_due()
        assert stats["sent"] >= 1
        student = Student.get_by_id(ids["student1"])
    got = smtp.to(p1_email)
    assert len(got) == 1
    msg = got[0]
    assert msg["Subject"] == f"Новая оценка: {student.first_name} {student.last_name}, Математика"
    plain = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert f"{student.first_name} {student.last_name} получил(а) оценку 5 по предмету «Математика»" in plain
    assert "Отличный ответ у доски" in plain and "Отличный ответ у доски" in html
    assert msg["To"].addresses[0].addr_spec == p1_email
    with app.app_context():  # a second pass sends nothing again
        assert deliver_due()["sent"] == 0
    assert len(smtp.to(p1_email)) == 1


def test_rolling_back_the_event_rolls_back_its_notification(notify_app, smtp):
    app = notify_app(email=smtp.settings(), consent={"all": True})
    ids, _p1, _ = _people(app)
    with app.app_context():
        before = Notification.select().count()
        lesson = Lesson.get_by_id(ids["lesson_math_5a"])
        with pytest.raises(RuntimeError):
            with database.atomic():
                service.add_mark(lesson, Student.get_by_id(ids["student1"]), "4", by=User.get(User.login == "teacher"))
                assert Notification.select().count() == before + 1
                raise RuntimeError("the request failed after the mark")
        assert Notification.select().count() == before
        deliver_due()
    assert smtp.messages == []


@pytest.mark.parametrize("answer", [None, False])
def test_without_granted_consent_nothing_is_sent_whatever_the_preferences(notify_app, smtp, answer):
    state = {} if answer is None else {"all": answer}   # None: the consent plugin does not answer
    app = notify_app(email=smtp.settings(), consent=state)
    ids, p1, p1_email = _people(app)
    with app.app_context():
        from zhurnal.core.notify import prefs
        prefs.save(p1, {"mark": {"email": "instant"}})
    _mark(app, ids)
    with app.app_context():
        deliver_due()
        rows = list(Delivery.select().where(Delivery.user == p1.id))
    assert smtp.messages == []
    assert [(r.status, r.last_error) for r in rows] == [(CANCELLED, "no consent registered for electronic delivery")]


def test_consent_withdrawn_or_access_lost_between_queue_and_send_sends_nothing(notify_app, smtp):
    state = {"all": True}
    app = notify_app(email=smtp.settings(), consent=state)
    ids, p1, p1_email = _people(app)
    _mark(app, ids, "4", student="student1")
    _mark(app, ids, "3", student="parent2_child")
    with app.app_context():
        from zhurnal.core.notify.outbox import fan_out
        fan_out()
        queued = {r.user_id: r for r in Delivery.select().where(Delivery.status == QUEUED)}
        p2 = User.get(User.login == "parent2")
        assert p1.id in queued and p2.id in queued
        state["all"] = None
        state[(p2.id, ids["parent2_child"])] = True         # parent1 withdrew; parent2 still consents...
        g2 = Guardian.get(Guardian.user == p2.id)
        StudentGuardian.delete().where(StudentGuardian.guardian == g2.id).execute()   # ...but lost the child
        deliver_due()
        rows = {r.user_id: r for r in Delivery.select()}
    assert smtp.messages == []
    assert rows[p1.id].status == CANCELLED and rows[p1.id].last_error == "consent withdrawn or not registered"
    assert rows[p2.id].status == CANCELLED and rows[p2.id].last_error == "no longer a guardian of the student"


def test_smtp_down_waits_and_goes_out_later_invalid_address_fails_for_good(notify_app):
    server = SmtpServer(reject={"nobody@bad.example"})   # not started yet: nothing listens on its port
    app = notify_app(email=server.settings(), consent={"all": True}, notify={"retry_seconds": 1})
    ids, p1, p1_email = _people(app)
    with app.app_context():
        p2 = User.get(User.login == "parent2")
        Guardian.update(email="nobody@bad.example").where(Guardian.user == p2.id).execute()
    _mark(app, ids, "5", student="student1")
    _mark(app, ids, "2", student="parent2_child")
    with app.app_context():
        stats = deliver_due()
        assert stats["queued"] == 2 and stats["sent"] == 0
        row = Delivery.get(Delivery.user == p1.id)
        assert row.status == QUEUED and "unreachable" in row.last_error and row.due_at > utcnow()
    server.start()
    try:
        with app.app_context():
            Delivery.update(due_at=utcnow()).execute()   # the backoff has passed
            stats = deliver_due()
            assert stats == {"sent": 1, "failed": 1, "queued": 0, "cancelled": 0}
            bad = Delivery.get(Delivery.user == p2.id)
            assert bad.status == FAILED and bad.last_error.startswith("550")
            assert deliver_due()["failed"] == 0          # not retried
            assert bad.attempts == 2
        assert len(server.to(p1_email)) == 1 and server.to("nobody@bad.example") == []
        with app.app_context():  # an operator retries it: fails again, recorded again
            assert retry() == 1
            assert deliver_due()["failed"] == 1
    finally:
        server.stop()


def test_absence_waits_for_the_school_hour_and_is_dropped_if_excused_meanwhile(notify_app, smtp):
    app = notify_app(email=smtp.settings(), consent={"all": True}, notify={"absence_time": "23:59"})
    ids, p1, p1_email = _people(app)
    with app.app_context():
        lesson = Lesson.get_by_id(ids["lesson_math_5a"])
        teacher = User.get(User.login == "teacher")
        s1, s2 = Student.get_by_id(ids["student1"]), Student.get_by_id(ids["parent2_child"])
        service.set_attendance(lesson, s1, "absent", by=teacher)
        service.set_attendance(lesson, s2, "absent", by=teacher)
        assert deliver_due()["sent"] == 0                     # waits for 23:59 school time
        service.set_attendance(lesson, s2, None, by=teacher)  # parent2's child was there after all
        Delivery.update(due_at=utcnow()).execute()            # the hour has come
        stats = deliver_due()
        p2 = User.get(User.login == "parent2")
        assert Delivery.get(Delivery.user == p2.id).last_error == "no longer current (changed before it was sent)"
    assert stats["sent"] == 1 and stats["cancelled"] == 1
    assert len(smtp.to(p1_email)) == 1 and "Отсутствие" in smtp.to(p1_email)[0]["Subject"]


def test_security_alert_goes_to_staff_through_the_outbox_without_consent(notify_app, smtp):
    from zhurnal.core import queue
    from zhurnal.core.identity.models import CompromiseReport
    app = notify_app(email=smtp.settings())      # no consent plugin at all: alerts are not student data
    with app.app_context():
        User.update(email="director@school-7.example").where(User.login == "director").execute()
        nurse = User.get(User.login == "nurse")
        rid = CompromiseReport.create(user=nurse.id, reported_at=utcnow() - dt.timedelta(minutes=1), note="фишинг").id
        assert queue.notify_compromise_job.call_local(rid) is not None
        deliver_due()
    got = smtp.to("director@school-7.example")
    assert len(got) == 1 and "nurse" in got[0]["Subject"] and "фишинг" in got[0].get_body(("plain",)).get_content()


def test_homework_remarks_and_messages_reach_families_in_their_language(notify_app, smtp):
    app = notify_app(email=smtp.settings(), consent={"all": True})
    ids, p1, p1_email = _people(app)
    from zhurnal.core.notify import prefs
    from zhurnal.plugins.diary import service as diary
    with app.app_context():
        User.update(locale="en").where(User.id == p1.id).execute()
        p1 = User.get_by_id(p1.id)
        prefs.save(p1, {"homework": {"email": "instant"}})
        teacher = User.get(User.login == "teacher")
        lesson = Lesson.get_by_id(ids["lesson_math_5a"])
        service.update_lesson(lesson, {"homework": "№ 245, 247 (учебник, с. 80)"}, version=lesson.version,
                              by=teacher)
        service.add_remark(Student.get_by_id(ids["student1"]), "Забыл тетрадь", by=teacher)
        diary.start_thread(User.get(User.login == "klass5a"), Student.get_by_id(ids["student1"]), side="staff",
                           recipient_ids=[p1.id], subject="Экскурсия", body="Нужна подпись в дневнике")
        assert deliver_due()["sent"] == 3
    subjects = sorted(m["Subject"] for m in smtp.to(p1_email))
    assert subjects[0] == "A teacher's note about " + subjects[0].split("about ", 1)[1]
    assert subjects[1] == "Homework in Математика for " + subjects[1].rsplit(" ", 1)[1]
    assert subjects[2] == "Экскурсия"
    texts = " ".join(m.get_body(("plain",)).get_content() for m in smtp.to(p1_email))
    assert "№ 245, 247 (учебник, с. 80)" in texts and "Забыл тетрадь" in texts and "Нужна подпись" in texts
    assert "Hello," in texts and "Здравствуйте" not in texts


def test_a_message_about_a_child_does_not_reach_a_guardian_unlinked_before_it_was_sent(notify_app, smtp):
    app = notify_app(email=smtp.settings(), consent={"all": True})
    ids, p1, p1_email = _people(app)
    from zhurnal.plugins.diary import service as diary
    with app.app_context():
        klass = User.get(User.login == "klass5a")
        User.update(email="klass5a@school-17.example").where(User.id == klass.id).execute()
        diary.start_thread(klass, Student.get_by_id(ids["student1"]), side="staff", recipient_ids=[p1.id],
                           subject="Экскурсия", body="Нужна подпись")
        diary.start_thread(p1, Student.get_by_id(ids["student1"]), side="guardian", recipient_ids=[klass.id],
                           subject="Подпись", body="Подпишу завтра")
        from zhurnal.core.notify.outbox import fan_out
        fan_out()
        g1 = Guardian.get(Guardian.user == p1.id)
        StudentGuardian.delete().where((StudentGuardian.guardian == g1.id) &
                                       (StudentGuardian.student == ids["student1"])).execute()
        deliver_due()
        to_parent = Delivery.get(Delivery.user == p1.id)
    assert smtp.to(p1_email) == [] and to_parent.last_error == "no longer a recipient"
    assert len(smtp.to("klass5a@school-17.example")) == 1      # staff need no family link (nor consent)


def test_a_slow_batch_keeps_its_lease_so_no_other_worker_takes_its_rows(notify_app, smtp):
    """The server takes longer per message than a quarter of the lease: the worker renews the lease of
    the rows it has not sent yet; a second worker claiming meanwhile finds nothing to take."""
    from zhurnal.core.notify.worker import claim
    app = notify_app(email=smtp.settings(), notify={"lease_seconds": 1})
    from tests.plugins.notify_email.helpers import announce, guardian_accounts
    with app.app_context():
        cls, users, emails = guardian_accounts(5)
        announce(cls, users)
    smtp.data_delay = 0.4   # 5 messages: 2 s, twice the lease
    stolen = []

    def thief():
        import time
        with app.app_context():
            for _ in range(8):
                time.sleep(0.25)
                stolen.extend(claim(10, "thief"))
    import threading
    with app.app_context():
        from zhurnal.core.notify.outbox import fan_out
        fan_out()
        t = threading.Thread(target=thief)
        t.start()
        stats = deliver_due()
        t.join()
    assert stats["sent"] == 5 and stolen == []
    assert sorted(r for rcpt, _m in smtp.messages for r in rcpt) == sorted(emails.values())
