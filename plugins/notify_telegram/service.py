"""Linking a Telegram chat to an account with a one-time code, and reading the bot's updates.

1. The account's owner asks for a code on their Telegram page (:func:`issue_code`):
   eight letters and digits, valid for ``code_minutes``, shown once, stored only as
   a hash keyed with the deployment's secret; a new code replaces an unused one.
2. They send it to the bot (or open the bot's ``/start <code>`` link).
3. The worker reads the bot's updates (:func:`poll`, every minute) and links the
   chat that sent a valid code (:func:`redeem`): the code is used up, the chat
   gets a confirmation. ``/stop`` in the chat, or the page's button, unlinks.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import re
import secrets
import time

from flask import current_app
from flask_babel import force_locale, gettext as _

from zhurnal.core import audit
from zhurnal.core.db import database, utcnow
from zhurnal.core.identity.models import User

from .models import BotState, ChatLink, LinkCode

log = logging.getLogger("zhurnal.notify_telegram")

#: no 0/O, 1/I: easy to read off a screen and type
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
_CODE_IN_TEXT = re.compile(r"^(?:/start(?:@\w+)?\s*)?([A-Za-z0-9 \-]{8,12})$")


def settings() -> dict:
    return current_app.extensions["zhurnal"].plugins.infos["notify_telegram"].settings


def configured() -> bool:
    return bool(settings().get("token"))


def bot():
    from .botapi import BotApi
    s = settings()
    return BotApi(s["api_url"], s["token"], timeout=s["timeout"])


def _hash(code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode("utf-8")
    return hmac.new(key, b"notify_telegram:" + code.encode("ascii"), hashlib.sha256).hexdigest()


def normalise_code(text: str) -> str | None:
    """The code in a chat message (``ABCD-EFGH``, ``abcdefgh``, ``/start ABCDEFGH``), or ``None``."""
    m = _CODE_IN_TEXT.match((text or "").strip())
    if not m:
        return None
    code = re.sub(r"[\s\-]", "", m.group(1)).upper()
    return code if len(code) == CODE_LENGTH and all(c in ALPHABET for c in code) else None


def display_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def link_of(user) -> ChatLink | None:
    return ChatLink.get_or_none(ChatLink.user == user.id)


def issue_code(user) -> tuple[str, dt.datetime]:
    """A new one-time code for ``user`` (any earlier unused one stops working): (code, expires at, UTC)."""
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    expires = utcnow() + dt.timedelta(minutes=settings()["code_minutes"])
    with database.atomic():
        LinkCode.delete().where((LinkCode.user == user.id) & LinkCode.used_at.is_null()).execute()
        LinkCode.create(user=user.id, code_hash=_hash(code), expires_at=expires)
        audit.record("notify_telegram.code.issue", user, data={"expires_at": expires.isoformat(timespec="seconds")})
    return code, expires


def redeem(code: str, chat_id: int, chat_name: str = "") -> User | None:
    """Link ``chat_id`` to the account whose valid, unused code this is; ``None`` if there is none.

    Single use even under two workers: the code is taken with a conditional update.
    """
    now = utcnow()
    with database.atomic():
        row = LinkCode.get_or_none((LinkCode.code_hash == _hash(code)) & LinkCode.used_at.is_null()
                                   & (LinkCode.expires_at > now))
        if row is None:
            return None
        taken = (LinkCode.update(used_at=now)
                 .where((LinkCode.id == row.id) & LinkCode.used_at.is_null()).execute())
        if taken != 1:
            return None
        user = User.get_or_none(User.id == row.user_id)
        if user is None or not user.is_active:
            return None
        ChatLink.delete().where(ChatLink.user == user.id).execute()
        ChatLink.create(user=user.id, chat_id=chat_id, chat_name=chat_name[:200], linked_at=now)
        audit.record("notify_telegram.chat.link", user, user=user, school_id=user.school_id,
                     data={"via": "code"})
    return user


def unlink(user, by=None, via: str = "page") -> bool:
    """Forget ``user``'s chat. ``True`` if there was one."""
    with database.atomic():
        n = ChatLink.delete().where(ChatLink.user == user.id).execute()
        if n:
            audit.record("notify_telegram.chat.unlink", user, user=by if by is not None else user,
                         school_id=user.school_id, data={"via": via})
    return bool(n)


def unlink_chat(chat_id: int, via: str) -> int:
    """Forget every account's link to ``chat_id`` (``/stop``, or the bot was blocked)."""
    users = list(User.select().join(ChatLink, on=(ChatLink.user == User.id)).where(ChatLink.chat_id == chat_id))
    for u in users:
        unlink(u, by=u, via=via)
    return len(users)


# --- the bot's updates --------------------------------------------------------------------------------

def _locale(user=None) -> str:
    return (user.locale if user is not None and user.locale else None) or \
        current_app.extensions["zhurnal"].settings.default_locale


def reply_for(message: dict) -> str | None:
    """Act on one chat message and return the bot's reply (``None``: say nothing)."""
    chat = message.get("chat") or {}
    chat_id = chat.get("id")
    text = (message.get("text") or "").strip()
    if not isinstance(chat_id, int) or not text:
        return None
    with force_locale(_locale()):
        if chat.get("type") != "private":
            return _("Link codes work only in a private chat with the bot.")
        if re.match(r"^/stop(@\w+)?$", text):
            unlink_chat(chat_id, via="stop")
            return _("This chat is unlinked. Notifications no longer come here.")
        code = normalise_code(text)
        if code is None:
            return _("Send the code shown on your Telegram page in Zhurnal to link this chat.")
        who = message.get("from") or {}
        name = ("@" + who["username"]) if who.get("username") else (who.get("first_name") or chat.get("first_name") or "")
        user = redeem(code, chat_id, name)
        if user is None:
            return _("This code is unknown, used or expired. Get a new one on your Telegram page in Zhurnal.")
    with force_locale(_locale(user)):
        return _("Linked. Notifications for %(name)s will come to this chat. Send /stop to unlink.",
                 name=user.display_name)


def handle_update(update: dict, api=None) -> None:
    message = update.get("message")
    if not isinstance(message, dict):
        return
    reply = reply_for(message)
    if reply and api is not None:
        try:
            answer = api.send_message(message["chat"]["id"], reply)
            if not answer.ok:
                log.warning("telegram reply to chat %s: %s", message["chat"]["id"], answer.description)
        except OSError as e:
            log.warning("telegram reply to chat %s failed: %s", message["chat"]["id"], e)


#: one poller at a time across hosts and worker threads: the lease row in BotState
LEASE_KEY = "poll_lease"
LEASE_SECONDS = 300
_NEVER = "1970-01-01T00:00:00.000000|"


def _stamp(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")  # fixed width: compares as text in time order


def take_poll_lease(seconds: int = LEASE_SECONDS) -> str | None:
    """Become the only poller for ``seconds`` (a crashed poller's lease runs out); the lease's
    value, or ``None`` if another poller holds it."""
    now = utcnow()
    mine = f"{_stamp(now + dt.timedelta(seconds=seconds))}|{secrets.token_hex(8)}"
    BotState.insert(key=LEASE_KEY, value=_NEVER).on_conflict_ignore().execute()
    taken = (BotState.update(value=mine)
             .where((BotState.key == LEASE_KEY) & (BotState.value < _stamp(now))).execute())
    return mine if taken == 1 else None


def release_poll_lease(mine: str) -> None:
    BotState.update(value=_NEVER).where((BotState.key == LEASE_KEY) & (BotState.value == mine)).execute()


def poll() -> int:
    """Read the bot's new updates once (``getUpdates``) and act on them; the number read.

    The offset is kept in the database, so each update is acted on once even across
    restarts; a lease keeps two workers from reading the same updates at once (the second
    would answer "code used" to a chat that was just linked). Without a token it does nothing.
    """
    if not configured() or settings().get("webhook_secret"):  # with a webhook Telegram refuses getUpdates
        return 0
    lease = take_poll_lease()
    if lease is None:
        log.info("telegram: another worker is reading the bot's updates")
        return 0
    try:
        return _poll_once()
    finally:
        release_poll_lease(lease)


def _poll_once() -> int:
    api = bot()
    state = BotState.get_or_none(BotState.key == "update_offset")
    offset = int(state.value) if state else None
    try:
        answer = api.get_updates(offset)
    except OSError as e:
        log.warning("telegram getUpdates failed: %s", e)
        return 0
    if not answer.ok or not isinstance(answer.result, list):
        log.warning("telegram getUpdates: %s", answer.description)
        return 0
    n = 0
    started = time.monotonic()
    for update in answer.result:
        if time.monotonic() - started > LEASE_SECONDS / 2:
            break  # slow replies: the rest waits for the next poll, well inside this poller's lease
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            continue
        handle_update(update, api)
        n += 1
        remember_offset(update["update_id"] + 1)
    return n


def remember_offset(next_offset: int) -> None:
    """Updates below ``next_offset`` have been acted on."""
    value = str(next_offset)
    (BotState.insert(key="update_offset", value=value)
     .on_conflict(conflict_target=[BotState.key], update={BotState.value: value}).execute())
