"""The bot's webhook: Telegram posts updates with its secret header; the link code works as with polling."""
from __future__ import annotations

import pytest

from zhurnal.plugins.notify_telegram.models import ChatLink
from tests.conftest import login
from tests.plugins.notify_telegram.conftest import TOKEN
from tests.plugins.notify_telegram.test_linking import CHAT, _code_from_page, _poll

SECRET = "webhook-secret-0123456789"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


@pytest.fixture
def hook_app(channel_apps, bot_api):
    return channel_apps({"ZHURNAL_NOTIFY_TELEGRAM__API_URL": bot_api.url, "ZHURNAL_NOTIFY_TELEGRAM__TOKEN": TOKEN,
                         "ZHURNAL_NOTIFY_TELEGRAM__BOT_USERNAME": "school17_bot",
                         "ZHURNAL_NOTIFY_TELEGRAM__WEBHOOK_SECRET": SECRET},
                        base_url="https://school17.example")


def _update(bot_api, chat, text) -> dict:
    bot_api.user_sends(chat, text)
    return bot_api.updates[-1]


def test_an_update_posted_with_the_secret_links_the_chat_once(hook_app, bot_api):
    hook_app.config["WTF_CSRF_ENABLED"] = True  # as in production: the webhook needs no CSRF token
    code = _code_from_page(_csrf_off(hook_app))
    anonymous = hook_app.test_client()
    update = _update(bot_api, CHAT, code)
    r = anonymous.post("/api/v1/telegram/webhook", json=update, headers={HEADER: SECRET})
    assert r.status_code == 200 and r.get_json() == {"ok": True}
    with hook_app.app_context():
        assert ChatLink.get().chat_id == CHAT
    assert bot_api.sent()[0]["text"].startswith("Готово")
    # Telegram repeats an update it thinks was lost: acted on once
    r = anonymous.post("/api/v1/telegram/webhook", json=update, headers={HEADER: SECRET})
    assert r.get_json() == {"ok": True, "duplicate": True} and len(bot_api.sent()) == 1
    # with a webhook the worker does not poll (Telegram would refuse getUpdates)
    assert _poll(hook_app) == 0 and bot_api.to(f"/bot{TOKEN}/getUpdates") == []


def _csrf_off(app):
    app.config["WTF_CSRF_ENABLED"] = False
    client = login(app, "parent1")
    return client


@pytest.mark.parametrize("headers", [{}, {HEADER: "wrong-secret-0123456789"}, {HEADER: SECRET[:-1]}])
def test_without_the_secret_an_update_is_refused(hook_app, bot_api, headers):
    code = _code_from_page(_csrf_off(hook_app))
    r = hook_app.test_client().post("/api/v1/telegram/webhook", json=_update(bot_api, CHAT, code), headers=headers)
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "forbidden"
    with hook_app.app_context():
        assert ChatLink.select().count() == 0


@pytest.mark.parametrize("body", ['{}', '{"update_id": "1"}', '{"update_id": -1}', '{"update_id": 100000000000000000000}',
                                  '[1]', '{"update_id": 1, "message": "text"}', '{"update_id": 1', 'привет'])
def test_a_malformed_update_is_refused_with_a_clear_error(hook_app, body):
    r = hook_app.test_client().post("/api/v1/telegram/webhook", data=body.encode("utf-8"),
                                    content_type="application/json", headers={HEADER: SECRET})
    assert r.status_code in (400, 422), r.get_data(as_text=True)
    assert r.get_json()["error"]["code"] in ("invalid", "bad_request", "validation")


def test_without_a_webhook_secret_the_endpoint_is_not_there(tg_app, bot_api):
    r = tg_app.test_client().post("/api/v1/telegram/webhook", json={"update_id": 1}, headers={HEADER: "x" * 20})
    assert r.status_code == 404


def test_registering_and_removing_the_webhook(hook_app, bot_api, cli):
    bot_api_answer = bot_api.answer
    bot_api.answer = lambda req: ((200, {"ok": True, "result": True}) if req.path.endswith(("/setWebhook", "/deleteWebhook"))
                                  else bot_api_answer(req))
    r = cli(hook_app, "telegram", "webhook")
    assert r.exit_code == 0 and r.output.strip() == "webhook set: https://school17.example/api/v1/telegram/webhook"
    [req] = bot_api.to(f"/bot{TOKEN}/setWebhook")
    assert req.json() == {"url": "https://school17.example/api/v1/telegram/webhook", "secret_token": SECRET,
                          "allowed_updates": ["message"]}
    r = cli(hook_app, "telegram", "webhook", "--remove")
    assert r.exit_code == 0 and len(bot_api.to(f"/bot{TOKEN}/deleteWebhook")) == 1


def test_the_secret_must_be_long(channel_apps):
    from zhurnal.core.config import ConfigError
    with pytest.raises(ConfigError) as e:
        channel_apps({"ZHURNAL_NOTIFY_TELEGRAM__TOKEN": TOKEN, "ZHURNAL_NOTIFY_TELEGRAM__WEBHOOK_SECRET": "short"})
    assert str(e.value) == "invalid setting ZHURNAL_NOTIFY_TELEGRAM__WEBHOOK_SECRET: 16 to 256 letters, digits, _ or -"
