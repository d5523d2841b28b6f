"""Helpers for the tests of notification channels (SMS, Telegram, the example pager).

* :func:`consent_plugin` — a tiny plugin answering ``zhurnal_consent_granted``: ``True`` for
  the accounts given, ``False`` for everyone else (so the tests do not depend on the consent
  plugin's registry);
* :func:`channel_app` — a copy of the seeded demo school with the channels' settings given
  as ``ZHURNAL_<PLUGIN>__<KEY>`` variables, as an operator would.
"""
from __future__ import annotations

import types

from zhurnal.core.app import create_app
from zhurnal.core.config import load_settings
from zhurnal.core.hookspecs import hookimpl
from tests.conftest import BUILTIN_PLUGINS, _close_app, base_settings


def consent_plugin(granted_user_ids: set[int]) -> types.ModuleType:
    """A plugin registering consent for exactly ``granted_user_ids`` (mutable: tests may change it)."""
    m = types.ModuleType("channel_test_consent")
    m.name, m.title, m.version, m.depends = "channel_test_consent", "Test consent", "1", ()
    m.granted = granted_user_ids

    @hookimpl
    def zhurnal_consent_granted(user_id, student_id):
        return user_id in m.granted

    m.zhurnal_consent_granted = zhurnal_consent_granted
    return m


class ChannelApps:
    """Builds demo apps with channel settings from the environment; closes them at the end."""

    def __init__(self, databases, demo_template) -> None:
        self.databases = databases
        self.template = demo_template[0]
        self.made: list[tuple] = []

    def __call__(self, env: dict[str, str], extra_plugins=(), plugins=None, also=(), **settings):
        """An app on a fresh copy of the demo: the built-in plugins (or ``plugins``) but the consent
        registry, plus ``also`` (installed plugins of other distributions) and ``extra_plugins``."""
        url = self.databases.new_url(template=self.template)
        enabled = list(plugins or [p for p in BUILTIN_PLUGINS if p != "consent"]) + list(also)
        enabled += [p.name for p in extra_plugins]
        try:
            st = load_settings(base_settings(database_url=url, plugins={"enabled": enabled}, **settings), env=env)
            app = create_app(settings=st, extra_plugins=extra_plugins)
        except Exception:
            self.databases.drop(url)
            raise
        self.made.append((app, url))
        return app

    def close(self) -> None:
        for app, url in self.made:
            _close_app(app)
            self.databases.drop(url)
