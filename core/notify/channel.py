"""The notification channel contract: what a channel plugin implements.

A channel (email, an SMS gateway, a messenger, a vendor's pager...) is a class
derived from :class:`Channel`, returned by the plugin's
``zhurnal_notification_channels`` hook (see :mod:`zhurnal.core.hookspecs`). The kernel's
outbox and worker (:mod:`zhurnal.core.notify`) do everything else: who gets what,
consent and permission checks (when queued and again right before sending),
rendering the texts, idempotency, retries with backoff, the delivery log. A
channel only finds an address and delivers one message::

    from zhurnal.core.notify.channel import Channel, DeliveryResult
    from zhurnal.core.notify.text import fit_sms

    class PagerChannel(Channel):
        code = "pager"
        title = "Pager"
        address_kind = "phone"           # the address comes from the user's phone number
        text_format = "short"            # the kernel hands over Message.short_text only, uncut

        def send(self, message):
            text = fit_sms(message.short_text, max_segments=2)   # the pager's own limit
            try:
                r = post(self.settings["url"], json={"to": message.address, "text": text},
                         headers={"Idempotency-Key": message.idempotency_key})
            except OSError as e:
                return DeliveryResult.temporary(f"gateway unreachable: {e}")
            if r.status in (400, 404, 422):
                return DeliveryResult.permanent(f"gateway refused: {r.status}")
            if r.status >= 300:
                return DeliveryResult.temporary(f"gateway answered {r.status}")
            return DeliveryResult.delivered(provider_id=r.json().get("id"))

    @hookimpl
    def zhurnal_notification_channels():
        return [PagerChannel]

Rules a channel keeps:

* ``send`` must not raise for delivery problems: it returns
  :meth:`DeliveryResult.temporary` (network down, server busy: the worker retries
  later with backoff) or :meth:`DeliveryResult.permanent` (invalid address,
  refused for good: recorded, shown on the failed-deliveries page, never retried).
  An exception escaping ``send`` is logged and counted as a temporary failure.
* ``send`` is called at most once per :attr:`Message.idempotency_key` as far as
  the kernel can tell; if the worker process dies after the channel accepted a
  message but before the kernel recorded it, the same key is sent again once the
  lease runs out. A provider that accepts an idempotency key should be given
  :attr:`Message.idempotency_key`; the kernel's own outbox makes that window a
  few milliseconds wide (see :mod:`zhurnal.core.notify.worker`).
* ``send`` runs in the worker inside the application context, outside any
  database transaction; it must not write the kernel's tables.
* The kernel hands over the full texts, shaped by :attr:`Channel.text_format`;
  a channel with a size limit (SMS segments, a messenger's maximum) fits the
  text itself (:func:`zhurnal.core.notify.text.fit_sms` for SMS segments).
* When the channel is not configured (no server, no gateway URL) it should
  deliver into the local outbox with :func:`deliver_locally`, so the demo shows
  the whole path with nothing external; :meth:`Channel.configured` says which.

The public names of this module are stable: new optional attributes may be
added, none removed or changed.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, ClassVar, Iterable

#: delivery outcomes (:attr:`DeliveryResult.status`)
DELIVERED = "delivered"
TEMPORARY = "temporary"
PERMANENT = "permanent"
STATUSES = (DELIVERED, TEMPORARY, PERMANENT)

#: what :attr:`Channel.text_format` may say
TEXT_FORMATS = ("html", "plain", "short")
#: older names of text formats, still accepted
TEXT_FORMAT_ALIASES = {"long": "html"}


@dataclasses.dataclass(frozen=True)
class DeliveryResult:
    """What :meth:`Channel.send` reports.

    :ivar status: :data:`DELIVERED`, :data:`TEMPORARY` (try again later) or
        :data:`PERMANENT` (never try again)
    :ivar detail: a short human-readable reason shown in the delivery log
        (e.g. ``"550 mailbox unavailable"``); empty when delivered
    :ivar retry_after: for a temporary failure, the provider's hint in seconds
        (the worker waits at least this long), else ``None``
    :ivar provider_id: the provider's id of the accepted message, if any (logged)
    """
    status: str
    detail: str = ""
    retry_after: int | None = None
    provider_id: str | None = None

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"unknown delivery status {self.status!r}")

    @classmethod
    def delivered(cls, provider_id: str | None = None, detail: str = "") -> "DeliveryResult":
        return cls(DELIVERED, detail=detail, provider_id=provider_id)

    @classmethod
    def temporary(cls, detail: str, retry_after: int | None = None) -> "DeliveryResult":
        return cls(TEMPORARY, detail=detail, retry_after=retry_after)

    @classmethod
    def permanent(cls, detail: str) -> "DeliveryResult":
        return cls(PERMANENT, detail=detail)

    @property
    def ok(self) -> bool:
        return self.status == DELIVERED


@dataclasses.dataclass(frozen=True)
class Message:
    """One notification to one recipient through one channel, ready to send.

    The kernel renders every text in the recipient's language and shapes them by
    the channel's :attr:`Channel.text_format` before calling :meth:`Channel.send`:
    ``"html"`` gets all of them, ``"plain"`` gets no ``html``, ``"short"`` gets
    ``text`` equal to ``short_text`` and no ``html``. Texts are never cut by the
    kernel: a channel with a size limit fits them itself.

    :ivar id: the delivery's id in the outbox (``core_notify_delivery``)
    :ivar idempotency_key: unique per message and channel, stable across retries
        and worker restarts (``"<notification key>:<channel code>:<user id>"``)
    :ivar channel: the channel's code
    :ivar address: where to deliver (e-mail address, phone number, chat id...),
        as found by :meth:`Channel.addresses_for` when the message was queued
    :ivar recipient_user_id: the recipient's account id (``None`` for a bare address)
    :ivar recipient_name: the recipient's display name (for a salutation or a "To:" header)
    :ivar event: what happened: ``mark``, ``absence``, ``homework``, ``remark``,
        ``message``, ``announcement``, ``weekly_summary``, ``security_alert``, ``digest``...
    :ivar subject: a one-line title (e-mail subject)
    :ivar text: the full plain text
    :ivar html: the full text as an HTML fragment-free document, or ``None``
    :ivar short_text: a short plain text for SMS and pagers, uncut (an SMS channel
        fits it to its segments: :func:`zhurnal.core.notify.text.fit_sms`)
    :ivar language: the language of the texts (``"ru"``, ``"en"``)
    :ivar school_id: the school the notification belongs to (``None``: deployment staff)
    :ivar link: an absolute URL the recipient may open (or ``""``)
    :ivar attempt: 1 on the first try, 2 on the first retry...
    :ivar created_at: when the event was saved (UTC, naive)
    :ivar data: the event's details (JSON-serialisable), for channels that format their own text
    """
    id: int
    idempotency_key: str
    channel: str
    address: str
    recipient_user_id: int | None
    recipient_name: str
    event: str
    subject: str
    text: str
    html: str | None = None
    short_text: str = ""
    language: str = "ru"
    school_id: int | None = None
    link: str = ""
    attempt: int = 1
    created_at: dt.datetime | None = None
    data: dict = dataclasses.field(default_factory=dict)


class Channel:
    """Base class of a notification channel. Subclass it and set the class attributes.

    The kernel makes one instance per application with the owning plugin's
    validated settings (``[plugins.<plugin>]``, loaded by the plugin's
    ``settings_schema``, which may be :attr:`settings_schema`) and reuses it for
    every message; ``send`` may be called from one worker thread at a time.
    """

    #: unique short code, stored in the outbox and preferences (``"email"``, ``"sms"``)
    code: ClassVar[str] = ""
    #: the title shown to users on the preferences page and in the delivery log
    #: (English; the plugin's translations give the Russian)
    title: ClassVar[str] = ""
    #: the marshmallow Schema of the channel's settings; a channel plugin normally
    #: sets its module's ``settings_schema`` to the same class
    settings_schema: ClassVar[Any] = None
    #: which contact of a user this channel delivers to: ``"email"``, ``"phone"``, or
    #: a channel-specific kind (then override :meth:`addresses_for`)
    address_kind: ClassVar[str] = "email"
    #: which texts the kernel hands over (:data:`TEXT_FORMATS`): ``"html"`` (subject, text and
    #: html: e-mail), ``"plain"`` (subject and text, no html: messengers) or ``"short"``
    #: (short_text, also as text: SMS, pagers). ``"long"``, the name before 1.1, means ``"html"``.
    #: Checked when the application starts: another value stops it.
    text_format: ClassVar[str] = "html"
    #: the most messages the worker hands to :meth:`send_batch` at once
    batch_size: ClassVar[int] = 50
    #: the endpoint of the page where users set up their own address for this channel (a messenger
    #: linked with a one-time code), linked from the preferences page; ``None``: the school records it
    address_page: ClassVar[str | None] = None

    def __init__(self, settings: dict | None = None, app=None) -> None:
        #: the plugin's validated settings
        self.settings: dict = dict(settings or {})
        #: the Flask application (``None`` in unit use)
        self.app = app

    # --- addresses -----------------------------------------------------------------
    # Batch first: the kernel asks :meth:`addresses_for` for a whole fan-out. A channel
    # customises addresses by overriding :meth:`normalise_address` (no queries), or
    # :meth:`addresses_for` when it keeps its own table (one query for all users).
    # :meth:`address_for` answers for one user through :meth:`addresses_for`. A channel
    # written against the older contract that overrides only :meth:`address_for` stays
    # correct: :meth:`addresses_for` then asks it user by user.

    def address_for(self, user) -> str | None:
        """Where to deliver to ``user`` (a :class:`zhurnal.core.identity.models.User`), or ``None``.

        The default answers through :meth:`addresses_for`; override that instead.
        """
        if user is None:
            return None
        if type(self).addresses_for is not Channel.addresses_for:
            return self.addresses_for([user]).get(user.id)
        return self._contacts([user], one=True).get(user.id)

    def addresses_for(self, users: list) -> dict[int, str | None]:
        """``{user.id: address or None}`` for many users at once (a fan-out to a whole class).

        The default asks the kernel for the users' contacts of :attr:`address_kind` in one
        query per school (:func:`zhurnal.core.notify.address.contacts_of`: a guardian's contacts
        live in the roster, staff's on the account), passes each through
        :meth:`normalise_address` and keeps those :meth:`validate_address` accepts. When a
        subclass overrides only :meth:`address_for`, that is asked for each user instead.
        """
        if type(self).address_for is not Channel.address_for and type(self).addresses_for is Channel.addresses_for:
            return {u.id: self.address_for(u) for u in users}
        return self._contacts(users)

    def _contacts(self, users: list, one: bool = False) -> dict[int, str | None]:
        from .address import contact_of, contacts_of
        if one:  # address_for (the preferences page): zhurnal_contact_address
            found = {u.id: contact_of(u, self.address_kind) for u in users}
        else:
            found = contacts_of(users, self.address_kind)
        out: dict[int, str | None] = {}
        for u in users:
            value = found.get(u.id)
            value = self.normalise_address(value) if value else None
            out[u.id] = value if value and self.validate_address(value) is None else None
        return out

    def normalise_address(self, address: str) -> str | None:
        """The stored contact as this channel sends to it, or ``None`` when it is unusable.

        The default normalises phone numbers (:func:`zhurnal.core.notify.address.normalise_phone`)
        for ``address_kind = "phone"`` and strips other addresses.
        """
        if self.address_kind == "phone":
            from .address import normalise_phone
            return normalise_phone(address)
        return address.strip() or None

    def address_label(self, address: str) -> str:
        """How ``address`` is shown to its owner on the preferences page (default: as it is)."""
        return address

    def validate_address(self, address: str) -> str | None:
        """``None`` if ``address`` looks deliverable, else a one-line reason.

        Used for the preferences page and before queueing; the server may still
        refuse a well-formed address (then ``send`` reports a permanent failure).
        """
        if self.address_kind == "email":
            from .address import email_problem
            return email_problem(address)
        if self.address_kind == "phone":
            from .address import phone_problem
            return phone_problem(address)
        return None if address else "empty address"

    # --- delivering ----------------------------------------------------------------
    def configured(self) -> bool:
        """Is an external server/gateway configured? ``False``: deliver locally (demo)."""
        return True

    def send(self, message: Message) -> DeliveryResult:
        """Deliver one message; report the outcome (never raise for delivery problems)."""
        raise NotImplementedError

    def send_batch(self, messages: list[Message]) -> Iterable[DeliveryResult]:
        """Deliver several messages (e.g. over one SMTP connection): one result per message,
        in order. Write it as a generator yielding each result as soon as it is known: the
        kernel records each outcome before asking for the next, which keeps the window in
        which a killed worker could send a message twice to one message. The default calls
        :meth:`send` for each."""
        for m in messages:
            yield self.send(m)

    def close(self) -> None:
        """Release connections at the end of a worker batch (optional)."""

    def __repr__(self) -> str:
        return f"<Channel {self.code}>"


def text_format_of(channel) -> str:
    """The channel's :attr:`Channel.text_format`, old names resolved; ``ValueError`` if unknown."""
    fmt = getattr(channel, "text_format", "html")
    fmt = TEXT_FORMAT_ALIASES.get(fmt, fmt)
    if fmt not in TEXT_FORMATS:
        raise ValueError(f"text_format {fmt!r} is not one of {', '.join(TEXT_FORMATS)}")
    return fmt


def shape(texts: dict, text_format: str) -> dict:
    """The rendered ``{"subject", "text", "html", "short_text"}`` as a channel of
    ``text_format`` receives them (see :class:`Message`)."""
    fmt = TEXT_FORMAT_ALIASES.get(text_format, text_format)
    if fmt == "html":
        return dict(texts)
    if fmt == "plain":
        return {**texts, "html": None}
    if fmt == "short":
        short = texts.get("short_text") or texts.get("subject") or ""
        return {**texts, "text": short, "html": None, "short_text": short}
    raise ValueError(f"unknown text_format {text_format!r}")


def deliver_locally(message: Message, short: bool = False) -> DeliveryResult:
    """Deliver ``message`` into the local outbox (the "Outbox" page) instead of a server.

    For a channel with no server configured (the demo): the recipient sees it
    on their outbox page, the administrator sees all. ``short``: keep
    :attr:`Message.short_text` (SMS, messengers) rather than subject, text and HTML.
    Idempotent per :attr:`Message.idempotency_key`.
    """
    from .local import store
    store(message, short=short)
    return DeliveryResult.delivered(provider_id=f"local:{message.idempotency_key}")
