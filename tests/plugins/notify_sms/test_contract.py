"""The channel contract as the kernel keeps it, through the real outbox and worker into real local
HTTP servers: the kernel hands over full texts (the SMS channel fits its own segments), shapes them
by ``Channel.text_format``, asks for addresses batch-first (still correct for a channel overriding
only ``address_for``), and normalises phone numbers in one place."""
from __future__ import annotations

import json
import types
import urllib.request

import pytest

from zhurnal.core.hookspecs import hookimpl
from zhurnal.core.identity.models import User
from zhurnal.core.notify import ChannelError, prefs
from zhurnal.core.notify.address import normalise_phone
from zhurnal.core.notify.channel import Channel, DeliveryResult
from zhurnal.core.notify.models import SENT, Delivery
from zhurnal.core.notify.text import segments
from zhurnal.core.notify.worker import deliver_due
from zhurnal.plugins.journal import service as journal
from zhurnal.plugins.notify_sms import phone
from zhurnal.plugins.roster.models import Guardian, Student
from tests.channels import consent_plugin
from tests.httpserver import LocalHTTPServer
from tests.plugins.journal.helpers import journal_ids

#: a teacher's remark whose short text needs three UCS-2 segments
REMARK = ("Сегодня на уроке математики Иван отлично решил все задачи у доски и получил похвалу; "
          "прошу обсудить дома план подготовки к олимпиаде.")


def _remark_by_sms(app, env_sms=True):
    ids = journal_ids(app)
    with app.app_context():
        u = User.get(User.login == "parent1")
        Guardian.update(phone="8 (912) 345-67-89").where(Guardian.user == u.id).execute()
        prefs.save(u, {"remark": {"sms": "instant", "email": "off"}})
        journal.add_remark(Student.get_by_id(ids["student1"]), REMARK, by=User.get(User.login == "teacher"))
        deliver_due()
    return u.id


@pytest.mark.parametrize("max_segments", [1, 3])
def test_the_kernel_hands_over_the_full_text_and_the_sms_channel_fits_its_segments(
        channel_apps, gateway, max_segments):
    env = {"ZHURNAL_NOTIFY_SMS__URL": gateway.url + "/send", "ZHURNAL_NOTIFY_SMS__MAX_SEGMENTS": str(max_segments)}
    app = channel_apps(env, extra_plugins=[consent_plugin(granted := set())])
    with app.app_context():
        granted.add(User.get(User.login == "parent1").id)
    _remark_by_sms(app)
    [req] = gateway.to("/send")
    text = req.json()["text"]
    assert segments(text) <= max_segments
    if max_segments == 1:
        assert len(text) <= 70 and text.endswith("…")
    else:  # three segments hold it all: nothing was cut on the way
        assert text.endswith(REMARK) and segments(text) == 3


def _recording_plugin(url: str, text_format: str, *, legacy_address: bool = False, asked: list | None = None):
    """A channel plugin posting what the kernel hands it (subject, text, html, short text) to ``url``."""
    class Recorder(Channel):
        code = "recorder"
        title = "Recorder"
        address_kind = "phone"

        def send(self, message):
            body = json.dumps({"to": message.address, "subject": message.subject, "text": message.text,
                               "html": message.html, "short": message.short_text}).encode()
            req = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=10):
                pass
            return DeliveryResult.delivered()

    Recorder.text_format = text_format
    if legacy_address:  # the older contract: only address_for, reading the phone itself
        def address_for(self, user):
            asked.append(user.id)
            found = Guardian.get_or_none(Guardian.user == user.id)
            return normalise_phone(found.phone) if found and found.phone else None
        Recorder.address_for = address_for
    m = types.ModuleType("recorder_channel")
    m.name, m.title, m.version, m.depends = "recorder_channel", "Recorder", "1", ()
    m.zhurnal_notification_channels = hookimpl(lambda: [Recorder])
    return m


def _mark_to_recorder(app, ids):
    with app.app_context():
        u = User.get(User.login == "parent1")
        Guardian.update(phone="+7 912 345 67 89").where(Guardian.user == u.id).execute()
        prefs.save(u, {"mark": {"recorder": "instant", "email": "off"}})
        from zhurnal.plugins.journal.models import Lesson
        journal.add_mark(Lesson.get_by_id(ids["lesson_math_5a"]), Student.get_by_id(ids["student1"]), "5",
                         "answer", by=User.get(User.login == "teacher"))
        stats = deliver_due()
    return u.id, stats


@pytest.mark.parametrize("text_format", ["html", "long", "plain", "short"])
def test_the_kernel_shapes_the_texts_by_the_channels_text_format(channel_apps, gateway, text_format):
    plugin = _recording_plugin(gateway.url + "/rec", text_format)
    app = channel_apps({}, extra_plugins=[consent_plugin(granted := set()), plugin])
    ids = journal_ids(app)
    with app.app_context():
        granted.add(User.get(User.login == "parent1").id)
    _mark_to_recorder(app, ids)
    [req] = gateway.to("/rec")
    got = req.json()
    assert got["to"] == "+79123456789"
    assert "Математика" in got["short"] and "Математика" in got["subject"]
    if text_format in ("html", "long"):
        assert got["html"].startswith("<!DOCTYPE html>") and got["text"] != got["short"]
    elif text_format == "plain":
        assert got["html"] is None and got["text"] != got["short"] and "Математика" in got["text"]
    else:
        assert got["html"] is None and got["text"] == got["short"]


def test_an_unknown_text_format_stops_start_up(channel_apps, gateway):
    with pytest.raises(ChannelError, match="text_format 'markdown'"):
        channel_apps({}, extra_plugins=[_recording_plugin(gateway.url, "markdown")])


def _counting_plugin(calls: list):
    """Counts the kernel's batch look-ups of contacts (answers nothing: the roster answers)."""
    m = types.ModuleType("contact_counter")
    m.name, m.title, m.version, m.depends = "contact_counter", "Counter", "1", ()

    @hookimpl
    def zhurnal_contact_addresses(user_ids, kind):
        calls.append((tuple(user_ids), kind))
    m.zhurnal_contact_addresses = zhurnal_contact_addresses
    return m


def test_addresses_are_looked_up_for_the_whole_fan_out_at_once(channel_apps, gateway):
    calls: list = []
    plugin = _recording_plugin(gateway.url + "/rec", "short")
    app = channel_apps({}, extra_plugins=[consent_plugin(granted := set()), plugin, _counting_plugin(calls)])
    ids = journal_ids(app)
    with app.app_context():
        granted.add(User.get(User.login == "parent1").id)
    _mark_to_recorder(app, ids)
    phone_calls = [c for c in calls if c[1] == "phone"]
    phone_channels = [c for c in app.extensions["zhurnal.notify.channels"][0].values() if c.address_kind == "phone"]
    assert len(phone_channels) == 2  # the SMS channel and the recorder
    # one look-up per channel, each for all the student's guardians at once (never one per user)
    assert len(phone_calls) == 2 and phone_calls[0] == phone_calls[1] and len(phone_calls[0][0]) >= 1
    assert [r.json()["to"] for r in gateway.to("/rec")] == ["+79123456789"]


def test_a_channel_overriding_only_address_for_still_gets_the_right_addresses(channel_apps, gateway):
    asked: list = []
    plugin = _recording_plugin(gateway.url + "/rec", "short", legacy_address=True, asked=asked)
    app = channel_apps({}, extra_plugins=[consent_plugin(granted := set()), plugin])
    ids = journal_ids(app)
    with app.app_context():
        granted.add(User.get(User.login == "parent1").id)
    uid, stats = _mark_to_recorder(app, ids)
    assert uid in asked  # the kernel's batch call went through the override, user by user
    assert [r.json()["to"] for r in gateway.to("/rec")] == ["+79123456789"]
    with app.app_context():
        assert Delivery.get((Delivery.user == uid) & (Delivery.channel == "recorder")).status == SENT
        ch = app.extensions["zhurnal.notify.channels"][0]["recorder"]
        assert ch.address_for(User.get_by_id(uid)) == "+79123456789"  # and one at a time, no recursion


def test_phone_numbers_have_one_home_in_the_kernel():
    assert phone.normalise is normalise_phone
    assert normalise_phone("8 (912) 345-67-89") == "+79123456789" and normalise_phone("8-800-ЗВОНИ") is None
    assert phone.problem("12") == "not a phone number" and phone.problem("+7 912 345-67-89") is None
