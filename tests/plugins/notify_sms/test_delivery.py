"""New marks to guardians by SMS through the kernel's outbox and worker, into a real local HTTP server
playing the gateway; consent decided by a tiny test plugin."""
from __future__ import annotations

import time

from zhurnal.core.identity.models import User
from zhurnal.core.notify import prefs
from zhurnal.core.notify.models import CANCELLED, FAILED, QUEUED, SENT, Delivery
from zhurnal.core.notify.worker import deliver_due
from zhurnal.plugins.journal import service as journal
from zhurnal.plugins.journal.models import Lesson
from zhurnal.plugins.roster.models import Guardian, Student
from tests.channels import consent_plugin
from tests.plugins.journal.helpers import journal_ids

P1_PHONE, P2_PHONE = "8 (912) 345-67-89", "+7 (903) 111-22-33"


def _setup(app, sms_for=("parent1", "parent2")):
    """Phones on the guardians' records; the guardians ask for marks by SMS (and not by e-mail)."""
    ids = journal_ids(app)
    with app.app_context():
        people = {}
        for login, phone in (("parent1", P1_PHONE), ("parent2", P2_PHONE)):
            u = User.get(User.login == login)
            Guardian.update(phone=phone).where(Guardian.user == u.id).execute()
            if login in sms_for:
                prefs.save(u, {"mark": {"sms": "instant", "email": "off"}})
            people[login] = u.id
    return ids, people


def _mark(app, ids, student="student1", value="5", comment=""):
    with app.app_context():
        return journal.add_mark(Lesson.get_by_id(ids["lesson_math_5a"]), Student.get_by_id(ids[student]), value,
                                "answer", comment=comment, by=User.get(User.login == "teacher"))


def _deliver(app) -> dict:
    with app.app_context():
        return deliver_due()


def _rows(app, user_id):
    with app.app_context():
        return [(r.status, r.last_error) for r in Delivery.select().where((Delivery.user == user_id)
                                                                         & (Delivery.channel == "sms"))]


def _env(gateway, **extra):
    return {"ZHURNAL_NOTIFY_SMS__URL": gateway.url + "/send", "ZHURNAL_NOTIFY_SMS__TOKEN": "sms-secret",
            "ZHURNAL_NOTIFY_SMS__SENDER": "School17", **extra}


def test_a_consenting_guardian_gets_a_new_mark_by_sms_with_cyrillic_intact(channel_apps, gateway):
    app = channel_apps(_env(gateway), extra_plugins=[consent_plugin(granted := set())])
    ids, people = _setup(app)
    granted.add(people["parent1"])
    _mark(app, ids, "student1", "5")
    stats = _deliver(app)
    assert stats["sent"] == 1
    [req] = gateway.to("/send")
    body = req.json()
    with app.app_context():
        s = Student.get_by_id(ids["student1"])
    assert body["to"] == "+79123456789" and body["sender"] == "School17"
    assert req.header("Authorization") == "Bearer sms-secret"
    assert body["text"] == f"{s.first_name} {s.last_name}: 5, Математика, 26.11.2026", body["text"]
    assert len(body["text"]) <= 70  # one UCS-2 segment
    assert _rows(app, people["parent1"]) == [(SENT, "")]
    assert _deliver(app)["sent"] == 0 and len(gateway.requests) == 1  # exactly once


def test_without_consent_nothing_arrives_whatever_the_preferences(channel_apps, gateway):
    app = channel_apps(_env(gateway), extra_plugins=[consent_plugin(set())])
    ids, people = _setup(app)
    _mark(app, ids, "student1")
    _mark(app, ids, "parent2_child")
    _deliver(app)
    assert gateway.requests == []
    for login in ("parent1", "parent2"):
        assert _rows(app, people[login]) == [(CANCELLED, "no consent registered for electronic delivery")]


def test_consent_withdrawn_before_sending_stops_the_sms(channel_apps, gateway):
    granted: set = set()
    app = channel_apps(_env(gateway), extra_plugins=[consent_plugin(granted)])
    ids, people = _setup(app)
    granted.add(people["parent1"])
    gateway.stop()  # the first try fails: queued for later
    _mark(app, ids)
    assert _deliver(app)["queued"] == 1
    granted.clear()  # consent withdrawn meanwhile
    gateway.start()
    with app.app_context():
        Delivery.update(due_at=Delivery.created_at).execute()  # the retry is due
    _deliver(app)
    assert gateway.requests == []
    assert _rows(app, people["parent1"]) == [(CANCELLED, "consent withdrawn or not registered")]


def test_a_gateway_outage_is_retried_later(channel_apps, gateway):
    app = channel_apps(_env(gateway), extra_plugins=[consent_plugin(granted := set())],
                       notify={"retry_seconds": 1})
    ids, people = _setup(app)
    granted.add(people["parent1"])
    calls = []

    def answer(req):
        calls.append(req)
        return (503, "maintenance") if len(calls) == 1 else (200, {"id": "gw-9"})
    gateway.answer = answer
    _mark(app, ids)
    assert _deliver(app)["queued"] == 1
    [(status, error)] = _rows(app, people["parent1"])
    assert status == QUEUED and error == "gateway answered 503: maintenance"
    gateway.stop()  # then the gateway is down altogether
    time.sleep(1.1)
    assert _deliver(app)["queued"] == 1
    assert "gateway unreachable" in _rows(app, people["parent1"])[0][1]
    assert _deliver(app)["queued"] == 0  # not due yet: backoff doubles (2 s)
    gateway.start()
    time.sleep(2.1)
    assert _deliver(app)["sent"] == 1
    assert _rows(app, people["parent1"]) == [(SENT, "")]
    with app.app_context():
        assert Delivery.get(Delivery.user == people["parent1"]).provider_id == "gw-9"
    assert len(gateway.to("/send")) == 2  # the 503 and the success; nothing while it was down


def test_a_bad_number_is_a_recorded_permanent_failure(channel_apps, gateway):
    app = channel_apps(_env(gateway, ZHURNAL_NOTIFY_SMS__PROVIDER="smsru"),
                       extra_plugins=[consent_plugin(granted := set())])
    ids, people = _setup(app)
    granted.update(people.values())

    def answer(req):
        to = req.form()["to"]
        if to == "79031112233":
            return 200, {"status": "OK", "status_code": 100, "sms": {to: {
                "status": "ERROR", "status_code": 202, "status_text": "Неправильно указан номер телефона получателя"}}}
        return 200, {"status": "OK", "status_code": 100, "sms": {to: {"status": "OK", "status_code": 100,
                                                                       "sms_id": "000001-1"}}}
    gateway.answer = answer
    _mark(app, ids, "student1")
    _mark(app, ids, "parent2_child")
    stats = _deliver(app)
    assert stats["sent"] == 1 and stats["failed"] == 1
    assert _rows(app, people["parent1"]) == [(SENT, "")]
    assert _rows(app, people["parent2"]) == [(FAILED, "gateway code 202: Неправильно указан номер телефона получателя")]
    assert _deliver(app)["failed"] == 0 and len(gateway.requests) == 2  # never retried


def test_a_number_that_is_not_one_gets_no_sms(channel_apps, gateway):
    app = channel_apps(_env(gateway), extra_plugins=[consent_plugin(granted := set())])
    ids, people = _setup(app)
    granted.add(people["parent1"])
    with app.app_context():
        Guardian.update(phone="12-34-56").where(Guardian.user == people["parent1"]).execute()
    _mark(app, ids)
    _deliver(app)
    assert gateway.requests == [] and _rows(app, people["parent1"]) == []


def test_transliteration_gives_a_whole_latin_message(channel_apps, gateway):
    app = channel_apps(_env(gateway, ZHURNAL_NOTIFY_SMS__TRANSLITERATE="true"),
                       extra_plugins=[consent_plugin(granted := set())])
    ids, people = _setup(app)
    granted.add(people["parent1"])
    _mark(app, ids, value="4")
    _deliver(app)
    text = gateway.to("/send")[0].json()["text"]
    assert text.isascii() and "4, Matematika" in text and not text.endswith("...")


def test_without_a_gateway_sms_go_to_the_local_outbox(channel_apps, gateway):
    app = channel_apps({}, extra_plugins=[consent_plugin(granted := set())])
    ids, people = _setup(app)
    granted.add(people["parent1"])
    _mark(app, ids)
    assert _deliver(app)["sent"] == 1
    from zhurnal.core.notify.models import LocalMessage
    with app.app_context():
        [m] = LocalMessage.select().where(LocalMessage.channel == "sms")
        assert m.address == "+79123456789" and "Математика" in m.text and m.user_id == people["parent1"]
    assert gateway.requests == []


def test_a_bad_setting_in_the_environment_stops_start_up_in_one_line(tmp_path):
    """``zhurnal init`` with a bad ``ZHURNAL_NOTIFY_SMS__URL``: one line naming the variable, non-zero exit."""
    from tests.core.conftest import run_zhurnal, stderr_lines
    r = run_zhurnal(["init"], cwd=tmp_path, env={"ZHURNAL_NOTIFY_SMS__URL": "sms.example/send",
                                                 "ZHURNAL_DATABASE_URL": f"sqlite:///{tmp_path / 'z.db'}"})
    assert r.returncode != 0
    assert stderr_lines(r) == ["Error: invalid setting ZHURNAL_NOTIFY_SMS__URL: Not a valid URL."]


def test_the_consent_registry_decides_and_a_withdrawal_stops_the_sms(channel_apps, gateway):
    """With the real ``consent`` plugin: parent1 consented in the demo and gets the SMS; after the class
    teacher registers a withdrawal, the next mark sends nothing."""
    from tests.conftest import BUILTIN_PLUGINS
    assert "consent" in BUILTIN_PLUGINS
    app = channel_apps(_env(gateway), plugins=BUILTIN_PLUGINS)
    ids, people = _setup(app, sms_for=("parent1",))
    _mark(app, ids, "student1", "5")
    assert _deliver(app)["sent"] == 1 and len(gateway.to("/send")) == 1
    from tests.conftest import TODAY, login
    guardian = _guardian_id(app, people["parent1"])
    r = login(app, "klass5a").post(f"/api/v1/guardians/{guardian}/consents", json={
        "status": "withdrawn", "date": TODAY.isoformat(), "document": {"number": "О-17/2", "kept_at": "папка 5А"}})
    assert r.status_code == 201, r.get_json()
    _mark(app, ids, "student1", "4")
    _deliver(app)
    assert len(gateway.to("/send")) == 1
    with app.app_context():
        rows = [(r.status, r.last_error) for r in Delivery.select().where(
            (Delivery.user == people["parent1"]) & (Delivery.channel == "sms")).order_by(Delivery.id)]
    assert rows == [(SENT, ""), (CANCELLED, "no consent registered for electronic delivery")]


def _guardian_id(app, user_id):
    with app.app_context():
        return Guardian.get(Guardian.user == user_id).id
