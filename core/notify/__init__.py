"""Notifications: the outbox, its worker and the channel registry.

* :mod:`.channel` — the contract a channel plugin implements (public, stable);
* :mod:`.address` — one way to ask for a user's e-mail or phone;
* :mod:`.text` — SMS segment counting, fitting and transliteration (used by channels);
* :mod:`.models` — the outbox (``core_notify_*`` tables);
* :mod:`.outbox` — :func:`~.outbox.notify`, called by services *inside* the
  transaction that saves an event;
* :mod:`.worker` — delivers due rows (``zhurnal worker``), exactly once per channel.
"""
from __future__ import annotations

from flask import current_app

from .channel import Channel, DeliveryResult, Message, deliver_locally  # noqa: F401  (public names)
from .channel import text_format_of
from ..plugins import PluginError

EXT_KEY = "zhurnal.notify.channels"


class ChannelError(PluginError):
    """Two channels share a code, or a channel class is malformed."""


def install(app) -> None:
    """Build one instance of each channel offered by the loaded plugins (``create_app``)."""
    host = app.extensions["zhurnal"].plugins
    channels: dict[str, Channel] = {}
    owners: dict[str, str] = {}
    for plugin, classes in host.per_plugin("zhurnal_notification_channels").items():
        for cls in classes or []:
            if not (isinstance(cls, type) and issubclass(cls, Channel)) or not cls.code:
                raise ChannelError(f"plugin {plugin!r} offers {cls!r}, not a Channel subclass with a code")
            try:
                text_format_of(cls)
            except ValueError as e:
                raise ChannelError(f"channel {cls.code!r} of plugin {plugin!r}: {e}") from None
            if cls.code in channels:
                raise ChannelError(f"channel code {cls.code!r} is offered by {owners[cls.code]!r} and {plugin!r}")
            settings = host.infos[plugin].settings if plugin in host.infos else {}
            channels[cls.code] = cls(settings=settings, app=app)
            owners[cls.code] = plugin
    app.extensions[EXT_KEY] = (channels, owners)
    from . import outbox, worker  # noqa: F401  (declares the jobs)
    outbox.install(app)


def channels(app=None) -> dict[str, Channel]:
    """``{code: channel}`` of the application (all loaded; see :func:`channels_for`)."""
    app = app or current_app
    return app.extensions.get(EXT_KEY, ({}, {}))[0]


def channels_for(school, app=None) -> dict[str, Channel]:
    """The channels whose plugin is enabled for ``school``."""
    app = app or current_app
    host = app.extensions["zhurnal"].plugins
    owners = app.extensions.get(EXT_KEY, ({}, {}))[1]
    return {code: ch for code, ch in channels(app).items()
            if owners[code] not in host.infos or host.is_enabled(owners[code], school)}
