"""Linking a chat with a one-time code: shown on the profile page, sent to the bot, learnt by polling
getUpdates from a real local HTTP server playing the Bot API."""
from __future__ import annotations

import datetime as dt
import re

from zhurnal.core.db import utcnow
from zhurnal.plugins.notify_telegram import service
from zhurnal.plugins.notify_telegram.models import BotState, ChatLink, LinkCode
from tests.conftest import login

CHAT = 777000111


def _code_from_page(client) -> str:
    r = client.post("/notify_telegram/code")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    m = re.search(r'<code id="tg-code">([A-Z0-9]{4}-[A-Z0-9]{4})</code>', html)
    assert m, html
    assert "https://t.me/school17_bot?start=" + m.group(1).replace("-", "") in html
    return m.group(1)


def _poll(app) -> int:
    from zhurnal.plugins.notify_telegram.jobs import poll_updates_job
    with app.app_context():
        return poll_updates_job.call_local()


def _uid(app, login_name):
    from zhurnal.core.identity.models import User
    with app.app_context():
        return User.get(User.login == login_name).id


def test_code_sent_to_the_bot_links_the_chat_once(tg_app, bot_api):
    tg_app.config["WTF_CSRF_ENABLED"] = False
    parent = login(tg_app, "parent1")
    assert 'id="tg-unlinked"' in parent.get("/notify_telegram/").get_data(as_text=True)
    code = _code_from_page(parent)
    with tg_app.app_context():  # only a keyed hash is kept
        row = LinkCode.get(LinkCode.user == _uid(tg_app, "parent1"))
        assert code.replace("-", "") not in row.code_hash and len(row.code_hash) == 64
    bot_api.user_sends(CHAT, f"/start {code.replace('-', '')}")
    assert _poll(tg_app) == 1
    with tg_app.app_context():
        link = ChatLink.get(ChatLink.user == _uid(tg_app, "parent1"))
        assert link.chat_id == CHAT and link.chat_name == "@anna_petrova"
    [reply] = bot_api.sent()
    assert reply["chat_id"] == CHAT and reply["text"].startswith("Готово")
    with tg_app.app_context():
        from zhurnal.core.identity.models import User
        name = User.get(User.login == "parent1").display_name
    assert reply["text"] == (f"Готово: уведомления для пользователя {name} будут приходить в этот чат. "
                             "Чтобы отвязать чат, отправьте /stop.")
    html = parent.get("/notify_telegram/").get_data(as_text=True)
    assert 'id="tg-linked"' in html and "@anna_petrova" in html

    # the same code again, from another chat: used up
    bot_api.user_sends(CHAT + 1, code)
    assert _poll(tg_app) == 1  # the first update is not read twice: the offset moved on
    with tg_app.app_context():
        assert ChatLink.select().where(ChatLink.chat_id == CHAT + 1).count() == 0
        assert int(BotState.get_by_id("update_offset").value) == bot_api.updates[-1]["update_id"] + 1
    assert "недействителен" in bot_api.sent()[-1]["text"]
    offsets = [r.json().get("offset") for r in bot_api.to(f"/bot{bot_api_token()}/getUpdates")]
    assert offsets[0] is None and offsets[1] == bot_api.updates[0]["update_id"] + 1
    assert _poll(tg_app) == 0


def bot_api_token():
    from tests.plugins.notify_telegram.conftest import TOKEN
    return TOKEN


def test_expired_replaced_and_mistyped_codes_link_nothing(tg_app, bot_api):
    tg_app.config["WTF_CSRF_ENABLED"] = False
    parent = login(tg_app, "parent1")
    old = _code_from_page(parent)
    new = _code_from_page(parent)  # a new code replaces the unused one
    bot_api.user_sends(CHAT, old)
    bot_api.user_sends(CHAT, "hello")
    with tg_app.app_context():
        LinkCode.update(expires_at=utcnow() - dt.timedelta(seconds=1)).execute()
    bot_api.user_sends(CHAT, new.lower())  # typed in lower case: same code, but expired
    assert _poll(tg_app) == 3
    with tg_app.app_context():
        assert ChatLink.select().count() == 0
    texts = [m["text"] for m in bot_api.sent()]
    assert "недействителен" in texts[0] and "Отправьте код" in texts[1] and "недействителен" in texts[2]


def test_group_chats_cannot_link(tg_app, bot_api):
    tg_app.config["WTF_CSRF_ENABLED"] = False
    code = _code_from_page(login(tg_app, "parent1"))
    bot_api.user_sends(-100123, code, chat_type="group")
    _poll(tg_app)
    with tg_app.app_context():
        assert ChatLink.select().count() == 0
        assert LinkCode.get().used_at is None  # still usable in a private chat
    bot_api.user_sends(CHAT, code)
    _poll(tg_app)
    with tg_app.app_context():
        assert ChatLink.get().chat_id == CHAT


def test_unlinking_from_the_page_and_with_stop(tg_app, bot_api):
    tg_app.config["WTF_CSRF_ENABLED"] = False
    parent = login(tg_app, "parent1")
    bot_api.user_sends(CHAT, _code_from_page(parent))
    _poll(tg_app)
    r = parent.post("/notify_telegram/unlink")
    assert r.status_code == 302
    with tg_app.app_context():
        assert ChatLink.select().count() == 0
        from zhurnal.core.audit import AuditEntry
        actions = [e.action for e in AuditEntry.select().where(AuditEntry.action.startswith("notify_telegram."))
                   .order_by(AuditEntry.id)]
        assert actions == ["notify_telegram.code.issue", "notify_telegram.chat.link", "notify_telegram.chat.unlink"]
    bot_api.user_sends(CHAT, _code_from_page(parent))
    bot_api.user_sends(CHAT, "/stop")
    _poll(tg_app)
    with tg_app.app_context():
        assert ChatLink.select().count() == 0
    assert "отвязан" in bot_api.sent()[-1]["text"]


def test_without_a_token_nothing_is_polled(channel_apps, bot_api):
    app = channel_apps({})
    assert _poll(app) == 0 and bot_api.requests == []
    app.config["WTF_CSRF_ENABLED"] = False
    client = login(app, "parent1")
    assert "не подключила" in client.get("/notify_telegram/").get_data(as_text=True)
    html = client.post("/notify_telegram/code").get_data(as_text=True)
    assert "Отправьте этот код боту школы в Telegram:" in html and "t.me/" not in html


def test_cli_poll(tg_app, bot_api, cli):
    tg_app.config["WTF_CSRF_ENABLED"] = False
    bot_api.user_sends(CHAT, _code_from_page(login(tg_app, "parent1")))
    r = cli(tg_app, "telegram", "poll")
    assert r.exit_code == 0 and r.output.strip() == "1 updates read"


def test_normalising_codes():
    assert service.normalise_code("/start ABCDEFGH") == "ABCDEFGH"
    assert service.normalise_code("/start@school17_bot abcd-efgh") == "ABCDEFGH"
    assert service.normalise_code(" abcd efgh ") == "ABCDEFGH"
    assert service.normalise_code("ABCDEFG") is None
    assert service.normalise_code("ABCDEFG0") is None  # 0 is not in the alphabet
    assert service.normalise_code("привет") is None
    assert service.normalise_code("/start") is None


def test_the_preferences_page_links_to_the_telegram_page(tg_app, bot_api):
    tg_app.config["WTF_CSRF_ENABLED"] = False
    parent = login(tg_app, "parent1")
    html = parent.get("/notifications/preferences").get_data(as_text=True)
    row = re.search(r"<dt>Telegram</dt><dd>(.*?)</dd>", html, re.S).group(1)
    assert row.strip() == '<a href="/notify_telegram/">Настроить</a>'
    bot_api.user_sends(CHAT, _code_from_page(parent))
    _poll(tg_app)
    html = parent.get("/notifications/preferences").get_data(as_text=True)
    row = re.search(r"<dt>Telegram</dt><dd>(.*?)</dd>", html, re.S).group(1)
    assert row.strip() == '@anna_petrova <a href="/notify_telegram/">Изменить</a>'


def test_one_poller_at_a_time(tg_app, bot_api):
    """While another worker holds the poll lease, a second poll reads nothing; a crashed poller's lease
    runs out."""
    tg_app.config["WTF_CSRF_ENABLED"] = False
    bot_api.user_sends(CHAT, _code_from_page(login(tg_app, "parent1")))
    with tg_app.app_context():
        other = service.take_poll_lease(seconds=60)
        assert other is not None
    assert _poll(tg_app) == 0 and bot_api.to(f"/bot{bot_api_token()}/getUpdates") == []
    with tg_app.app_context():
        BotState.update(value="2000-01-01T00:00:00.000000|crashed").where(BotState.key == "poll_lease").execute()
    assert _poll(tg_app) == 1
    with tg_app.app_context():
        assert ChatLink.get().chat_id == CHAT
        assert BotState.get_by_id("poll_lease").value.startswith("1970-")  # released


def test_the_worker_reads_the_bot_every_minute(tg_app):
    """The polling job is one of the worker's periodic tasks, due every minute."""
    import datetime as dt
    from zhurnal.core.queue import get_queue
    q = get_queue(tg_app)
    [task] = [t for t in q._registry.periodic_tasks if t.name == "poll_updates_job__periodic"]
    assert all(task.validate_datetime(dt.datetime(2026, 11, 26, 10, m)) for m in (0, 1, 17, 59))
