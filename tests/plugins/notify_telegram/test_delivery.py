"""A new mark reaches a guardian's linked Telegram chat through the kernel's outbox and worker, the
local HTTP server playing the Bot API; consent decided by a tiny test plugin."""
from __future__ import annotations

import time

from zhurnal.core.identity.models import User
from zhurnal.core.notify import prefs
from zhurnal.core.notify.models import CANCELLED, FAILED, QUEUED, SENT, Delivery
from zhurnal.core.notify.worker import deliver_due
from zhurnal.plugins.journal import service as journal
from zhurnal.plugins.journal.models import Lesson
from zhurnal.plugins.notify_telegram.models import ChatLink
from zhurnal.plugins.roster.models import Student
from tests.channels import consent_plugin
from tests.conftest import login
from tests.plugins.journal.helpers import journal_ids
from tests.plugins.notify_telegram.conftest import TOKEN

P1_CHAT, P2_CHAT = 1001, 1002


def _app(channel_apps, bot_api, granted, **settings):
    env = {"ZHURNAL_NOTIFY_TELEGRAM__API_URL": bot_api.url, "ZHURNAL_NOTIFY_TELEGRAM__TOKEN": TOKEN}
    return channel_apps(env, extra_plugins=[consent_plugin(granted)], **settings)


def _link_and_choose(app, bot_api):
    """parent1 and parent2 link their chats through the bot and ask for marks in Telegram."""
    import re
    app.config["WTF_CSRF_ENABLED"] = False
    people = {}
    for login_name, chat in (("parent1", P1_CHAT), ("parent2", P2_CHAT)):
        html = login(app, login_name).post("/notify_telegram/code").get_data(as_text=True)
        bot_api.user_sends(chat, re.search(r'id="tg-code">([A-Z0-9-]+)<', html).group(1))
        with app.app_context():
            u = User.get(User.login == login_name)
            prefs.save(u, {"mark": {"telegram": "instant", "email": "off"}})
            people[login_name] = u.id
    from zhurnal.plugins.notify_telegram.jobs import poll_updates_job
    with app.app_context():
        assert poll_updates_job.call_local() == 2
        assert ChatLink.select().count() == 2
    bot_api.requests.clear()
    return journal_ids(app), people


def _mark(app, ids, student="student1", value="5", comment=""):
    with app.app_context():
        journal.add_mark(Lesson.get_by_id(ids["lesson_math_5a"]), Student.get_by_id(ids[student]), value, "answer",
                         comment=comment, by=User.get(User.login == "teacher"))


def _deliver(app) -> dict:
    with app.app_context():
        return deliver_due()


def _rows(app, user_id):
    with app.app_context():
        return [(r.status, r.last_error) for r in Delivery.select().where((Delivery.user == user_id)
                                                                         & (Delivery.channel == "telegram"))]


def test_a_consenting_guardian_gets_a_new_mark_in_their_chat(channel_apps, bot_api):
    app = _app(channel_apps, bot_api, granted := set())
    ids, people = _link_and_choose(app, bot_api)
    granted.add(people["parent1"])
    _mark(app, ids, "student1", "5", comment="Отличный ответ у доски")
    assert _deliver(app)["sent"] == 1
    [sent] = bot_api.sent()
    with app.app_context():
        s = Student.get_by_id(ids["student1"])
    assert sent["chat_id"] == P1_CHAT
    assert sent["text"].startswith(f"Новая оценка: {s.first_name} {s.last_name}, Математика\n\n")
    assert "оценку 5 по предмету «Математика»" in sent["text"] and "Отличный ответ у доски" in sent["text"]
    assert _rows(app, people["parent1"]) == [(SENT, "")]
    # parent2 has no consent: nothing reached their chat, whatever they chose
    _mark(app, ids, "parent2_child", "4")
    _deliver(app)
    assert [m["chat_id"] for m in bot_api.sent()] == [P1_CHAT]
    assert _rows(app, people["parent2"]) == [(CANCELLED, "no consent registered for electronic delivery")]


def test_an_unlinked_chat_gets_nothing(channel_apps, bot_api):
    app = _app(channel_apps, bot_api, granted := set())
    ids, people = _link_and_choose(app, bot_api)
    granted.update(people.values())
    login(app, "parent1").post("/notify_telegram/unlink")
    _mark(app, ids, "student1")
    _deliver(app)
    assert bot_api.sent() == [] and _rows(app, people["parent1"]) == []


def test_an_outage_is_retried_and_a_blocked_bot_is_a_recorded_permanent_failure(channel_apps, bot_api):
    app = _app(channel_apps, bot_api, granted := set(), notify={"retry_seconds": 1})
    ids, people = _link_and_choose(app, bot_api)
    granted.update(people.values())

    def answer(req):
        if req.json()["chat_id"] == P2_CHAT:
            return 403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
        return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
    bot_api.send_answer = answer
    _mark(app, ids, "student1")
    _mark(app, ids, "parent2_child")
    stats = _deliver(app)
    assert stats["queued"] == 1 and stats["failed"] == 1
    assert _rows(app, people["parent1"]) == [(QUEUED, "Bot API 502: Bad Gateway")]
    assert _rows(app, people["parent2"]) == [(FAILED, "Bot API 403: Forbidden: bot was blocked by the user")]
    with app.app_context():
        assert [c.user_id for c in ChatLink.select()] == [people["parent1"]]  # the blocked chat is forgotten
    bot_api.send_answer = None
    time.sleep(1.1)
    assert _deliver(app)["sent"] == 1
    assert _rows(app, people["parent1"]) == [(SENT, "")]
    assert [m["chat_id"] for m in bot_api.sent()] == [P1_CHAT, P2_CHAT, P1_CHAT]
