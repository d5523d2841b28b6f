"""A real HTTP server in the test process playing the Telegram Bot API, and a demo app pointed at it."""
from __future__ import annotations

import itertools

import pytest

from tests.channels import ChannelApps
from tests.httpserver import LocalHTTPServer

TOKEN = "123456:AAH-test-token-abcdefghijklmnop"


class BotApiServer(LocalHTTPServer):
    """Answers ``getUpdates`` from :attr:`updates` (honouring ``offset``) and ``sendMessage``
    with a new message id; :attr:`send_answer` may override the latter (errors, outages)."""

    def __init__(self) -> None:
        super().__init__()
        self.updates: list[dict] = []
        self.send_answer = None
        self._ids = itertools.count(1000)
        self._update_ids = itertools.count(500)
        self.answer = self._answer

    def _answer(self, req):
        if not req.path.startswith(f"/bot{TOKEN}/"):
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        method = req.path.rsplit("/", 1)[1]
        if method == "getUpdates":
            offset = req.json().get("offset") or 0
            return 200, {"ok": True, "result": [u for u in self.updates if u["update_id"] >= offset]}
        if method == "sendMessage":
            if self.send_answer is not None:
                return self.send_answer(req)
            return 200, {"ok": True, "result": {"message_id": next(self._ids), "chat": {"id": req.json()["chat_id"]},
                                                "text": req.json()["text"]}}
        return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}

    def user_sends(self, chat_id: int, text: str, chat_type: str = "private", username: str = "anna_petrova") -> None:
        """A Telegram user writes ``text`` to the bot."""
        self.updates.append({"update_id": next(self._update_ids), "message": {
            "message_id": next(self._ids), "date": 1764140000, "text": text,
            "from": {"id": chat_id, "is_bot": False, "first_name": "Анна", "username": username},
            "chat": {"id": chat_id, "type": chat_type, "first_name": "Анна"}}})

    def sent(self) -> list[dict]:
        """What the bot sent (``sendMessage`` bodies)."""
        return [r.json() for r in self.to(f"/bot{TOKEN}/sendMessage")]


@pytest.fixture
def bot_api():
    with BotApiServer() as srv:
        yield srv


@pytest.fixture
def channel_apps(databases, demo_template):
    apps = ChannelApps(databases, demo_template)
    yield apps
    apps.close()


@pytest.fixture
def tg_app(channel_apps, bot_api):
    return channel_apps({"ZHURNAL_NOTIFY_TELEGRAM__API_URL": bot_api.url, "ZHURNAL_NOTIFY_TELEGRAM__TOKEN": TOKEN,
                         "ZHURNAL_NOTIFY_TELEGRAM__BOT_USERNAME": "school17_bot"})
from tests.core.conftest import cli  # noqa: F401  (the CLI runner)
