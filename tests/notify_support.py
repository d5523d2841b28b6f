"""Notification tests: a real SMTP server (aiosmtpd), a consent plugin the test controls,
and apps on a copy of the demo school with the e-mail channel pointed at that server."""
from __future__ import annotations

import email
import email.policy
import socket
import ssl
import subprocess
import threading
import types
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from zhurnal.core.hookspecs import hookimpl
from tests.conftest import BUILTIN_PLUGINS, base_settings

NOTIFY_PLUGINS = [p for p in BUILTIN_PLUGINS if p in ("roster", "journal", "diary", "notify_email")]


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Handler:
    def __init__(self, server: "SmtpServer") -> None:
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        srv = self.server
        if address in srv.reject:
            return "550 5.1.1 No such mailbox"
        with srv.lock:
            srv.rcpt_count += 1
            n = srv.rcpt_count
        if srv.hold_at is not None and n == srv.hold_at:
            srv.holding.set()      # the test kills the client now; this recipient is never accepted
            import asyncio
            while not srv.release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.server.data_delay:
            import asyncio
            await asyncio.sleep(self.server.data_delay)
        msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self.server.lock:
            self.server.messages.append((list(envelope.rcpt_tos), msg))
        return "250 Message accepted for delivery"


class SmtpServer:
    """aiosmtpd on a free local port; ``messages`` holds ``(rcpt_tos, EmailMessage)``."""

    def __init__(self, *, reject=(), tls: str = "none", certs: tuple[str, str] | None = None) -> None:
        self.port = free_port()
        self.messages: list = []
        self.reject = set(reject)
        self.lock = threading.Lock()
        self.rcpt_count = 0
        self.hold_at: int | None = None
        #: seconds the server takes to accept each message (a slow server)
        self.data_delay = 0.0
        self.holding = threading.Event()
        self.release = threading.Event()
        kw = {}
        if tls != "none":
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(*certs)
            kw = {"tls_context": ctx, "require_starttls": True} if tls == "starttls" else {"ssl_context": ctx}
        self.controller = Controller(Handler(self), hostname="127.0.0.1", port=self.port,
                                     server_hostname="localhost", **kw)

    def start(self) -> "SmtpServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.controller.stop()

    def to(self, address: str) -> list:
        return [m for rcpt, m in self.messages if address in rcpt]

    def settings(self, **extra) -> dict:
        return {"host": "127.0.0.1", "port": self.port, "security": "none",
                "sender": "journal@school-7.example", **extra}


def self_signed(tmp: Path) -> tuple[str, str]:
    """A certificate for ``localhost`` (the client trusts it through ``cafile``)."""
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return str(cert), str(key)


def consent_plugin(state: dict) -> types.ModuleType:
    """A plugin answering ``zhurnal_consent_granted`` from ``state``:
    ``{(user_id, student_id): True|False}``; pairs not named get no answer (``None``)."""
    mod = types.ModuleType("consent_test")
    mod.name, mod.title, mod.version, mod.depends, mod.schema_version = "consent_test", "Consent (test)", "1", (), 0

    @hookimpl
    def zhurnal_consent_granted(user_id, student_id):
        if state.get("all") is not None:
            return state["all"]
        return state.get((user_id, student_id))
    mod.zhurnal_consent_granted = zhurnal_consent_granted
    return mod


def build_notify_app(url: str, *, email: dict | None = None, consent: dict | None = None, plugins=None,
                     extra_plugins=(), **settings):
    """An app on ``url`` (already migrated or a demo copy) with the e-mail channel and the test consent."""
    from zhurnal.core.app import create_app
    from zhurnal.core.config import load_settings
    enabled = list(plugins or NOTIFY_PLUGINS)
    extra = list(extra_plugins)
    enabled += [p.name for p in extra]
    if consent is not None:
        extra.append(consent_plugin(consent))
        enabled.append("consent_test")
    plugin_cfg = {"enabled": enabled}
    if email is not None:
        plugin_cfg["notify_email"] = email
    st = load_settings(base_settings(database_url=url, plugins=plugin_cfg, **settings), env={})
    return create_app(settings=st, extra_plugins=extra)


# --- fixtures (imported by the conftest or the test module that uses them) ---------------------------

@pytest.fixture
def smtp():
    """A real SMTP server (aiosmtpd) in the test process; ``nobody@bad.example`` is refused."""
    server = SmtpServer(reject={"nobody@bad.example"}).start()
    yield server
    server.stop()


@pytest.fixture
def notify_app(databases, demo_template):
    """``notify_app(email=..., consent=..., url=...)``: an app on a fresh copy of the demo school."""
    from tests.conftest import _close_app
    made = []

    def build(url=None, **kw):
        url = url or databases.new_url(template=demo_template[0])
        app = build_notify_app(url, **kw)
        made.append((app, url))
        return app
    yield build
    for app, _u in made:
        _close_app(app)
    for u in {u for _a, u in made}:
        databases.drop(u)
