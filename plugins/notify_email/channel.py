"""The SMTP channel."""
from __future__ import annotations

import hashlib
import logging
import smtplib
import ssl
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate

from zhurnal.core.notify.channel import Channel, DeliveryResult, Message, deliver_locally

from . import EmailSettings

log = logging.getLogger("zhurnal.notify_email")

DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}


def message_id(key: str, sender: str) -> str:
    """A stable Message-ID from the idempotency key: a repeat shows once in mail clients."""
    domain = sender.rsplit("@", 1)[-1] or "zhurnal"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def build(message: Message, sender: str):
    """The MIME message: plain text and HTML alternatives, UTF-8 headers.

    Built with the ``compat32`` classes and :class:`email.header.Header`: the default
    policy's header folding drops the space between two encoded words (a Russian
    subject "собрание: «итоги»" arrives as "собрание:«итоги»").
    """
    if message.html:
        em = MIMEMultipart("alternative")
        em.attach(MIMEText(message.text, "plain", "utf-8"))
        em.attach(MIMEText(message.html, "html", "utf-8"))
    else:
        em = MIMEText(message.text, "plain", "utf-8")
    em["Subject"] = Header(message.subject, "utf-8")
    em["From"] = sender
    em["To"] = formataddr((message.recipient_name or "", message.address), "utf-8")
    em["Date"] = formatdate(localtime=False)
    em["Message-ID"] = message_id(message.idempotency_key, sender)
    em["Content-Language"] = message.language
    em["Auto-Submitted"] = "auto-generated"
    return em


class EmailChannel(Channel):
    code = "email"
    title = "E-mail"
    settings_schema = EmailSettings
    address_kind = "email"
    text_format = "html"

    def configured(self) -> bool:
        return bool(self.settings.get("host"))

    # --- SMTP ----------------------------------------------------------------------
    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        security = s.get("security", "starttls")
        port = s.get("port") or DEFAULT_PORTS[security]
        timeout = s.get("timeout", 30.0)
        if security == "tls":
            smtp = smtplib.SMTP_SSL(s["host"], port, timeout=timeout, context=self._ssl_context())
        else:
            smtp = smtplib.SMTP(s["host"], port, timeout=timeout)
            if security == "starttls":
                smtp.starttls(context=self._ssl_context())
        if s.get("username"):
            smtp.login(s["username"], s["password"])
        return smtp

    def _ssl_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context()
        cafile = self.settings.get("cafile")
        if cafile:
            ctx.load_verify_locations(cafile)
        return ctx

    def send(self, message: Message) -> DeliveryResult:
        return next(iter(self.send_batch([message])))

    def send_batch(self, messages):
        if not self.configured():
            for m in messages:
                yield deliver_locally(m)
            return
        smtp = None
        try:
            for i, m in enumerate(messages):
                problem = self.validate_address(m.address)
                if problem:
                    yield DeliveryResult.permanent(f"{m.address!r}: {problem}")
                    continue
                if smtp is None:
                    try:
                        smtp = self._connect()
                    except (OSError, smtplib.SMTPException) as e:
                        reason = _reason(e)
                        log.warning("SMTP server unreachable: %s", reason)
                        for _rest in messages[i:]:
                            yield DeliveryResult.temporary(f"SMTP server unreachable: {reason}")
                        return
                result = self._send_one(smtp, m)
                if result.status == "temporary" and result.detail.startswith("connection"):
                    smtp = _quit(smtp)
                yield result
        finally:
            _quit(smtp)

    def _send_one(self, smtp: smtplib.SMTP, m: Message) -> DeliveryResult:
        sender = self.settings.get("sender") or "journal@school.example"
        try:
            refused = smtp.send_message(build(m, sender), from_addr=sender, to_addrs=[m.address])
        except smtplib.SMTPRecipientsRefused as e:
            code, msg = next(iter(e.recipients.values()))
            return _by_code(code, msg)
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as e:
            return _by_code(e.smtp_code, e.smtp_error)
        except (smtplib.SMTPServerDisconnected, OSError) as e:
            return DeliveryResult.temporary(f"connection lost: {_reason(e)}")
        except smtplib.SMTPException as e:
            return DeliveryResult.temporary(_reason(e))
        if refused:
            code, msg = next(iter(refused.values()))
            return _by_code(code, msg)
        return DeliveryResult.delivered(provider_id=message_id(m.idempotency_key, sender))


def _by_code(code: int, msg) -> DeliveryResult:
    text = msg.decode("utf-8", "replace") if isinstance(msg, bytes) else str(msg)
    detail = f"{code} {text}".strip()
    return DeliveryResult.permanent(detail) if 500 <= int(code or 0) < 600 else DeliveryResult.temporary(detail)


def _reason(e: Exception) -> str:
    return f"{type(e).__name__}: {e}"[:300]


def _quit(smtp):
    if smtp is not None:
        try:
            smtp.quit()
        except Exception:
            try:
                smtp.close()
            except Exception:
                pass
    return None
