"""The notification hooks, each proved on its own with a probe plugin and the real outbox and worker:
``zhurnal_notification_channels``, ``zhurnal_notification_audience``, ``zhurnal_consent_granted``,
``zhurnal_contact_address``, ``zhurnal_contact_addresses``, ``zhurnal_notification_details`` and
``zhurnal_notification_current``."""
from __future__ import annotations

import types

import pytest

from zhurnal.core.db import database
from zhurnal.core.identity import service
from zhurnal.core.identity.models import School, User
from zhurnal.core.notify import DeliveryResult, channels, channels_for, outbox, worker
from zhurnal.core.notify.address import contact_of, contacts_of
from zhurnal.core.notify.channel import Channel
from tests.hooks.probe import calls_of, make_probe

STUDENT = 501


class ProbeChannel(Channel):
    code = "email"          # "mark" goes to e-mail by default
    title = "Probe mail"
    address_kind = "email"
    sent: list = []

    def send(self, message):
        type(self).sent.append(message)
        return DeliveryResult.delivered(provider_id=f"probe-{message.id}")


@pytest.fixture
def world(make_app):
    state = {"current": True}
    ProbeChannel.sent = []
    people: dict[str, int] = {}

    def audience(student_id):
        return [{"user_id": people["parent"], "role": "guardian"},
                {"user_id": people["refused"], "role": "guardian"}] if student_id == STUDENT else None

    def consent(user_id, student_id):
        return {people["parent"]: True, people["refused"]: False}.get(user_id)

    def addresses(user_ids, kind):
        return {u: f"{'p' if u == people['parent'] else 'r'}@school.example" for u in user_ids} if kind == "email" else None

    probe = make_probe(
        zhurnal_notification_channels=lambda: [ProbeChannel],
        zhurnal_notification_audience=audience,
        zhurnal_consent_granted=consent,
        zhurnal_contact_address=lambda user, kind: (
            "" if user.login == "nobody" else f"{user.login}@school.example") if kind == "email" else None,
        zhurnal_contact_addresses=addresses,
        zhurnal_notification_details=lambda event, student_id, data: {"student": "Иванов Иван",
                                                                        "subject": "Математика"},
        zhurnal_notification_current=lambda event, student_id, data: state["current"],
    )
    app = make_app(plugins=["probe"], extra_plugins=[probe])
    with app.app_context():
        school = School.create(name="Школа № 5", short_name="Школа № 5")
        for login in ("parent", "refused", "nobody"):
            u, _ = service.create_user(login, login.title(), password="Parol-dlya-testa-1", school=school,
                                       email=f"{login}@account.example", must_change=False)
            people[login] = u.id
    return types.SimpleNamespace(app=app, probe=probe, state=state, school=school.id, people=people)


def _queue(w, key, **data):
    with database.atomic():
        outbox.notify("mark", key=key, school_id=w.school, student_id=STUDENT,
                      data={"value": "5", "date": "26.11.2026", **data})


def test_channels_hook_makes_one_instance_used_for_the_school(world):
    with world.app.app_context():
        made = channels()
        assert isinstance(made["email"], ProbeChannel) and made["email"].app is world.app
        assert set(channels_for(School.get_by_id(world.school))) == {"email"}
    assert calls_of(world.probe, "zhurnal_notification_channels") == [{}]


def test_audience_consent_addresses_and_details_decide_what_is_delivered(world):
    with world.app.app_context():
        _queue(world, "m1")
        stats = worker.deliver_due()
    assert stats["sent"] == 1
    [msg] = ProbeChannel.sent
    # the audience named two guardians; the one without consent gets nothing
    assert msg.recipient_user_id == world.people["parent"] and msg.address == "p@school.example"
    # the details the journal would add are in the text
    assert "Иванов Иван" in msg.text and "Математика" in msg.text and "5" in msg.text
    assert {"student_id": STUDENT} in calls_of(world.probe, "zhurnal_notification_audience")
    consent_asked = calls_of(world.probe, "zhurnal_consent_granted")
    assert {"user_id": world.people["parent"], "student_id": STUDENT} in consent_asked
    assert {"user_id": world.people["refused"], "student_id": STUDENT} in consent_asked
    # consent is asked again when sending (queued once, sent once: at least twice for the parent)
    assert consent_asked.count({"user_id": world.people["parent"], "student_id": STUDENT}) >= 2
    [details] = calls_of(world.probe, "zhurnal_notification_details")
    assert details["event"] == "mark" and details["student_id"] == STUDENT and details["data"]["value"] == "5"
    [addr] = [c for c in calls_of(world.probe, "zhurnal_contact_addresses")]
    assert addr["kind"] == "email" and world.people["parent"] in addr["user_ids"]


def test_current_false_cancels_the_delivery(world):
    world.state["current"] = False
    with world.app.app_context():
        _queue(world, "m2")
        stats = worker.deliver_due()
    assert ProbeChannel.sent == [] and stats["sent"] == 0
    asked = calls_of(world.probe, "zhurnal_notification_current")
    assert asked and asked[0]["event"] == "mark" and asked[0]["student_id"] == STUDENT
    assert asked[0]["data"]["value"] == "5"


def test_contact_address_first_answer_wins_and_empty_means_none(world):
    with world.app.app_context():
        parent, nobody = User.get_by_id(world.people["parent"]), User.get_by_id(world.people["nobody"])
        assert contact_of(parent, "email") == "parent@school.example"      # the plugin's, not the account's
        assert contact_of(nobody, "email") is None                          # "" : owned, none recorded
        assert contact_of(parent, "phone") is None                          # no answer: the account's (empty)
        assert {"user": parent, "kind": "email"} in calls_of(world.probe, "zhurnal_contact_address")


def test_contact_addresses_named_accounts_win_others_fall_back(world):
    with world.app.app_context():
        users = list(User.select().where(User.id.in_(list(world.people.values()))))
        found = contacts_of(users, "email")
        assert found[world.people["parent"]] == "p@school.example"
        found = contacts_of(users, "phone")          # no answer: each account's own field
        assert set(found.values()) == {None}
        assert len(calls_of(world.probe, "zhurnal_contact_addresses")) == 2   # once per school and kind


def test_without_any_consent_answer_nothing_is_sent(make_app):
    """Nobody answers ``zhurnal_consent_granted``: outgoing delivery is refused."""
    ProbeChannel.sent = []
    ids = {}
    probe = make_probe(
        zhurnal_notification_channels=lambda: [ProbeChannel],
        zhurnal_notification_audience=lambda student_id: [{"user_id": ids["parent"], "role": "guardian"}],
    )
    app = make_app(plugins=["probe"], extra_plugins=[probe])
    with app.app_context():
        school = School.create(name="Школа", short_name="Школа")
        u, _ = service.create_user("parent", "Parent", password="Parol-dlya-testa-1", school=school,
                                   email="parent@account.example", must_change=False)
        ids["parent"] = u.id
        with database.atomic():
            outbox.notify("mark", key="m3", school_id=school.id, student_id=STUDENT, data={"value": "4"})
        worker.deliver_due()
    assert ProbeChannel.sent == []


def test_zhurnal_notification_details_merge_in_plugin_order_later_plugins_win(make_app):
    """Two plugins fill in one key: the one later in dependency order wins."""
    ProbeChannel.sent = []
    ids = {}
    first = make_probe(
        "first",
        zhurnal_notification_channels=lambda: [ProbeChannel],
        zhurnal_notification_audience=lambda student_id: [{"user_id": ids["parent"], "role": "guardian"}],
        zhurnal_consent_granted=lambda user_id, student_id: True,
        zhurnal_notification_details=lambda event, student_id, data: {"student": "Петров Пётр", "subject": "Физика"})
    later = make_probe("later", depends=("first",),
                       zhurnal_notification_details=lambda event, student_id, data: {"subject": "Математика"})
    app = make_app(plugins=["later", "first"], extra_plugins=[later, first])
    with app.app_context():
        school = School.create(name="Школа", short_name="Школа")
        u, _ = service.create_user("parent", "Parent", password="Parol-dlya-testa-1", school=school,
                                   email="parent@account.example", must_change=False)
        ids["parent"] = u.id
        with database.atomic():
            outbox.notify("mark", key="m4", school_id=school.id, student_id=STUDENT, data={"value": "3"})
        worker.deliver_due()
    [msg] = ProbeChannel.sent
    assert "Петров Пётр" in msg.text and "Математика" in msg.text and "Физика" not in msg.text


def test_a_channel_delivers_only_for_schools_where_its_plugin_is_on(world):
    with world.app.app_context():
        School.update(disabled_plugins="probe").where(School.id == world.school).execute()
        assert channels_for(School.get_by_id(world.school)) == {}
        _queue(world, "m5")
        worker.deliver_due()
    assert ProbeChannel.sent == []
