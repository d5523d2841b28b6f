"""The e-mail channel against a real SMTP server: security modes, HTML + plain text, Cyrillic,
the local outbox when no server is set, and the settings contract."""
from __future__ import annotations

import pytest

from zhurnal.core.config import ConfigError
from zhurnal.core.identity.models import User
from zhurnal.core.notify.channel import Message
from zhurnal.core.notify.models import LocalMessage
from zhurnal.core.notify.worker import deliver_due
from zhurnal.plugins.notify_email.channel import EmailChannel
from tests.conftest import login
from tests.notify_support import SmtpServer, build_notify_app, self_signed
from tests.plugins.notify_email.helpers import announce, guardian_accounts

SUBJECT = "Родительское собрание: «итоги четверти» — 18:00"
BODY = "Уважаемые родители! Ждём всех в кабинете № 21. Ёлка, щи, съешь ещё этих мягких французских булок."


def _message(address="мама@example.ru", **kw):
    base = dict(id=1, idempotency_key="k:email:1", channel="email", address=address, recipient_user_id=1,
                recipient_name="Петрова Анна Сергеевна", event="announcement", subject=SUBJECT,
                text=BODY, html=f"<p>{BODY}</p>", short_text="коротко")
    base.update(kw)
    return Message(**base)


@pytest.mark.parametrize("security", ["none", "starttls", "tls"])
def test_each_security_mode_delivers_html_and_plain_text_with_cyrillic_intact(security, tmp_path):
    certs = self_signed(tmp_path) if security != "none" else None
    server = SmtpServer(tls=security, certs=certs).start()
    try:
        ch = EmailChannel(settings={"host": "localhost", "port": server.port, "security": security,
                                    "sender": "journal@school-17.example", "timeout": 10,
                                    "cafile": certs[0] if certs else "", "username": "", "password": ""})
        results = list(ch.send_batch([_message(address="anna@example.ru"),
                                      _message(address="oleg@example.ru", idempotency_key="k:email:2")]))
    finally:
        server.stop()
    assert [r.status for r in results] == ["delivered", "delivered"]
    assert [rcpt for rcpt, _m in server.messages] == [["anna@example.ru"], ["oleg@example.ru"]]
    msg = server.messages[0][1]
    assert msg["Subject"] == SUBJECT
    assert msg["To"].addresses[0].display_name == "Петрова Анна Сергеевна"
    assert msg.get_body(("plain",)).get_content().strip() == BODY
    assert msg.get_body(("html",)).get_content().strip() == f"<p>{BODY}</p>"
    assert msg["Message-ID"] != server.messages[1][1]["Message-ID"]


def test_an_untrusted_certificate_is_a_temporary_failure_not_a_silent_downgrade(tmp_path):
    certs = self_signed(tmp_path)
    server = SmtpServer(tls="starttls", certs=certs).start()
    try:
        ch = EmailChannel(settings={"host": "localhost", "port": server.port, "security": "starttls",
                                    "sender": "j@school.example", "timeout": 5, "cafile": ""})
        [result] = list(ch.send_batch([_message(address="anna@example.ru")]))
    finally:
        server.stop()
    assert result.status == "temporary" and "CERTIFICATE_VERIFY_FAILED" in result.detail
    assert server.messages == []


def test_a_malformed_address_is_a_permanent_failure_without_a_connection():
    ch = EmailChannel(settings={"host": "127.0.0.1", "port": 9, "security": "none", "sender": "j@s.example"})
    [result] = list(ch.send_batch([_message(address="not-an-address")]))
    assert result.status == "permanent" and "not an e-mail address" in result.detail


@pytest.mark.parametrize("bad,field", [
    ({"security": "ssl"}, "security"), ({"port": 70000}, "port"), ({"sender": "nobody"}, "sender"),
    ({"username": "u"}, "password"), ({"colour": "red"}, "colour"),
])
def test_bad_settings_stop_start_up_with_one_line_naming_the_key(databases, bad, field):
    with pytest.raises(ConfigError) as e:
        build_notify_app(databases.new_url(), email={"host": "mail.school.example", **bad})
    assert f"plugins.notify_email.{field}" in str(e.value) and "\n" not in str(e.value)


def test_without_a_server_mail_lands_in_the_local_outbox_a_guardian_and_the_admin_can_open(notify_app):
    app = notify_app()                       # no [plugins.notify_email] host: the demo
    with app.app_context():
        cls, users, emails = guardian_accounts(3)
        users.append(User.get(User.login == "parent2"))
        announce(cls, users)
        stats = deliver_due()
        assert stats["sent"] == 4
        p2 = User.get(User.login == "parent2")
        mine = LocalMessage.get(LocalMessage.user == p2.id)
        assert mine.subject == "Родительское собрание в четверг" and "кабинет 21" in mine.text
    parent = login(app, "parent2")
    page = parent.get("/notifications/outbox").get_data(as_text=True)
    assert "Исходящие" in page and "Родительское собрание в четверг" in page
    assert parent.get(f"/notifications/outbox/{mine.id}").status_code == 200
    assert parent.get("/api/v1/me/outbox").get_json()["total"] == 1
    other = LocalMessage.select().where(LocalMessage.user != p2.id).first()
    assert parent.get(f"/notifications/outbox/{other.id}").status_code == 404   # not theirs
    admin_page = login(app, "admin").get("/notifications/outbox").get_data(as_text=True)
    assert admin_page.count("Родительское собрание в четверг") == 4
