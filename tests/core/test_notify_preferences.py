"""Who gets what: defaults, events x channels (instant, daily digest, off), quiet hours; the API and page;
the failed-deliveries page, its retry and ``zhurnal notify retry``."""
from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from zhurnal.core.cli import main as zhurnal_main
from zhurnal.core.db import utcnow
from zhurnal.core.identity.models import User
from zhurnal.core.notify.models import FAILED, QUEUED, SENT, Delivery, QuietHours
from zhurnal.core.notify.outbox import after_quiet
from zhurnal.core.notify.worker import deliver_due
from zhurnal.plugins.roster.models import Guardian
from tests.conftest import login

from .test_notify_pipeline import _mark, _people, notify_app, smtp  # noqa: F401  (fixtures)


def test_defaults_marks_and_absences_by_email_at_once_without_touching_settings(notify_app, smtp):  # noqa: F811
    app = notify_app(email=smtp.settings(), consent={"all": True})
    c = login(app, "parent1")
    got = c.get("/api/v1/me/notification-preferences").get_json()
    assert got["events"]["mark"] == {"email": "instant"} and got["events"]["absence"] == {"email": "instant"}
    assert got["events"]["homework"] == {"email": "off"}
    with app.app_context():
        email = Guardian.get(Guardian.user == User.get(User.login == "parent1").id).email
    assert got["channels"] == [{"code": "email", "title": "E-mail", "address": email}]
    assert "security_alert" not in got["events"]          # cannot be switched off


@pytest.mark.parametrize("body,field", [
    ({"events": {"mark": {"email": "sometimes"}}}, "events"),
    ({"events": {"mark": {"pigeon": "instant"}}}, "events.mark.pigeon"),
    ({"events": {"security_alert": {"email": "off"}}}, "events.security_alert"),
    ({"events": {"nonsense": {"email": "off"}}}, "events.nonsense"),
    ({"quiet": {"start": "25:00", "end": "07:00"}}, "quiet.start"),
    ({"quiet": {"start": "22:00"}}, "quiet.end"),
    ('{"quiet": {"digest_hour": 99999999999999999999}}', "quiet"),
    ({"events": ["mark"]}, "events"),
])
def test_bad_preferences_are_refused_with_the_field_named_and_nothing_saved(notify_app, smtp, body, field):  # noqa: F811
    app = notify_app(email=smtp.settings(), consent={"all": True})
    c = login(app, "parent1")
    before = c.get("/api/v1/me/notification-preferences").get_json()
    if isinstance(body, str):   # a number no JSON encoder of the test client would write
        r = c.put("/api/v1/me/notification-preferences", data=body, content_type="application/json")
    else:
        r = c.put("/api/v1/me/notification-preferences", json=body)
    assert r.status_code == 422, r.get_json()
    assert any(k.startswith(field) for k in r.get_json()["error"]["fields"]), r.get_json()
    assert c.get("/api/v1/me/notification-preferences").get_json() == before


def test_off_digest_and_quiet_hours_shape_what_is_sent(notify_app, smtp):  # noqa: F811
    app = notify_app(email=smtp.settings(), consent={"all": True})
    ids, p1, p1_email = _people(app)
    c1, c2 = login(app, "parent1"), login(app, "parent2")
    r = c1.put("/api/v1/me/notification-preferences", json={"events": {"mark": {"email": "digest"}},
                                                            "quiet": {"start": None, "end": None, "digest_hour": 20}})
    assert r.status_code == 200 and r.get_json()["events"]["mark"]["email"] == "digest"
    assert c2.put("/api/v1/me/notification-preferences",
                  json={"events": {"mark": {"email": "off"}}}).status_code == 200
    _mark(app, ids, "5")
    _mark(app, ids, "4")
    _mark(app, ids, "3", student="parent2_child")
    with app.app_context():
        deliver_due()
        assert smtp.messages == []                               # parent1 waits for 20:00, parent2 chose off
        rows = list(Delivery.select().where(Delivery.user == p1.id))
        assert len(rows) == 2 and all(r.digest and r.status == QUEUED for r in rows)
        assert Delivery.select().where(Delivery.user == User.get(User.login == "parent2").id).count() == 0
        Delivery.update(due_at=utcnow()).execute()               # 20:00 has come
        assert deliver_due()["sent"] == 2
    got = smtp.to(p1_email)
    assert len(got) == 1 and got[0]["Subject"] == "Сводка за день: 2 уведомления"
    body = got[0].get_body(("plain",)).get_content()
    assert "оценку 5" in body and "оценку 4" in body


def test_quiet_hours_move_the_due_time_past_their_end(notify_app):  # noqa: F811
    app = notify_app()
    with app.app_context():
        q = QuietHours(start_minute=22 * 60, end_minute=7 * 60)
        late = dt.datetime(2026, 11, 26, 20, 30)                # 23:30 in Moscow (UTC+3)
        assert after_quiet(late, q) == dt.datetime(2026, 11, 27, 4, 0)   # 07:00 Moscow
        noon = dt.datetime(2026, 11, 26, 9, 0)
        assert after_quiet(noon, q) == noon


def test_failed_page_api_and_cli_retry(notify_app, smtp):  # noqa: F811
    app = notify_app(email=smtp.settings(), consent={"all": True})
    ids, p1, p1_email = _people(app)
    with app.app_context():
        Guardian.update(email="nobody@bad.example").where(Guardian.user == p1.id).execute()
    _mark(app, ids, "5")
    with app.app_context():
        assert deliver_due()["failed"] == 1
        row = Delivery.get(Delivery.user == p1.id)
    own = login(app, "parent1").get("/notifications/preferences").get_data(as_text=True)
    assert "Последние уведомления" in own and "не доставлено — 550" in own   # the guardian sees why too
    admin = login(app, "admin")
    page = admin.get("/notifications/failed").get_data(as_text=True)
    assert "550" in page and "nobody@bad.example" in page
    assert admin.get("/api/v1/notifications/failed").get_json()["items"][0]["last_error"].startswith("550")
    assert login(app, "klass5a").get("/api/v1/notifications/failed").status_code == 403
    log = admin.get(f"/api/v1/guardians/{ids['guardian_parent1']}/deliveries").get_json()
    assert log["items"][0]["status"] == FAILED and log["items"][0]["last_error"].startswith("550")
    assert login(app, "klass5a").get(f"/roster/guardians/{ids['guardian_parent1']}/deliveries").status_code == 200
    with app.app_context():
        Guardian.update(email="anna@example.ru").where(Guardian.user == p1.id).execute()
        Delivery.update(address="anna@example.ru").where(Delivery.id == row.id).execute()
    runner = CliRunner()
    r = runner.invoke(zhurnal_main, ["notify", "retry", "999999"], obj={"app": app})
    assert r.exit_code != 0 and "not a failed delivery: 999999" in r.output
    r = runner.invoke(zhurnal_main, ["notify", "retry", str(row.id)], obj={"app": app})
    assert r.exit_code == 0 and "queued again: 1" in r.output
    r = runner.invoke(zhurnal_main, ["notify", "status"], obj={"app": app})
    assert r.exit_code == 0 and "queued: 1" in r.output and "failed: 0" in r.output
    r = runner.invoke(zhurnal_main, ["notify", "retry"], obj={"app": app})
    assert r.exit_code != 0 and "name delivery ids or use --all" in r.output
    r = runner.invoke(zhurnal_main, ["notify", "deliver"], obj={"app": app})
    assert r.exit_code == 0 and "sent: 1" in r.output
    assert len(smtp.to("anna@example.ru")) == 1
    with app.app_context():
        assert Delivery.get_by_id(row.id).status == SENT
    assert admin.post("/api/v1/notifications/retry", json={"ids": ["x"]}).status_code == 422


def test_a_school_lets_its_students_receive_notifications(notify_app, smtp):  # noqa: F811
    app = notify_app(email=smtp.settings(), consent={"all": True})
    ids, p1, p1_email = _people(app)
    with app.app_context():
        from zhurnal.plugins.roster.models import Student
        Student.update(email="vova@example.ru").where(Student.id == ids["student1"]).execute()
    _mark(app, ids, "5")
    with app.app_context():
        deliver_due()
    assert smtp.to("vova@example.ru") == []                 # by default only guardians
    admin = login(app, "admin")
    assert admin.put(f"/api/v1/schools/{ids['school']}/notification-settings", json={"students": "yes"}).status_code == 422
    r = admin.put(f"/api/v1/schools/{ids['school']}/notification-settings", json={"students": True})
    assert r.status_code == 200 and r.get_json() == {"school_id": ids["school"], "students": True}
    assert admin.get("/api/v1/schools/999999/notification-settings").status_code == 404
    assert login(app, "director").put(f"/api/v1/schools/{ids['school']}/notification-settings",
                                      json={"students": False}).status_code == 403
    _mark(app, ids, "4")
    with app.app_context():
        deliver_due()
    got = smtp.to("vova@example.ru")
    assert len(got) == 1 and "оценку 4" in got[0].get_body(("plain",)).get_content()
    assert len(smtp.to(p1_email)) == 2
