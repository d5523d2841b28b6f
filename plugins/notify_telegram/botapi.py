"""The Telegram Bot API over HTTP: ``<api_url>/bot<token>/<method>`` with a JSON body."""
from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any


@dataclass
class Answer:
    """The Bot API's answer: HTTP status and its JSON (``{"ok", "result" | "error_code", "description"}``)."""
    status: int
    body: dict

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.body.get("ok") is True

    @property
    def result(self) -> Any:
        return self.body.get("result")

    @property
    def description(self) -> str:
        return str(self.body.get("description") or f"HTTP {self.status}")[:300]

    @property
    def retry_after(self) -> int | None:
        params = self.body.get("parameters") or {}
        value = params.get("retry_after") if isinstance(params, dict) else None
        return int(value) if isinstance(value, (int, float)) and value > 0 else None


class BotApi:
    def __init__(self, api_url: str, token: str, timeout: float = 10.0) -> None:
        self.base = f"{api_url.rstrip('/')}/bot{token}"
        self.timeout = timeout

    def call(self, method: str, payload: dict | None = None, timeout: float | None = None) -> Answer:
        """Call one Bot API method.

        :raises OSError: the API could not be reached or did not answer in time
        """
        data = json.dumps(payload or {}, ensure_ascii=False).encode("utf-8")
        req = urllib.request.Request(f"{self.base}/{method}", data=data, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
        try:
            with urllib.request.urlopen(req, timeout=timeout or self.timeout) as resp:  # noqa: S310
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as e:
            with e:
                status, raw = e.code, e.read() or b""
        except http.client.HTTPException as e:  # a garbled status line, a cut-off body
            raise ConnectionError(f"{type(e).__name__}: {e}") from e
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            body = {"ok": False, "description": raw.decode("utf-8", "replace").strip()[:200]}
        return Answer(status, body if isinstance(body, dict) else {"ok": False})

    def send_message(self, chat_id: int, text: str) -> Answer:
        return self.call("sendMessage", {"chat_id": chat_id, "text": text, "disable_web_page_preview": True})

    def get_updates(self, offset: int | None, limit: int = 100) -> Answer:
        payload: dict = {"timeout": 0, "limit": limit, "allowed_updates": ["message"]}
        if offset is not None:
            payload["offset"] = offset
        return self.call("getUpdates", payload)
