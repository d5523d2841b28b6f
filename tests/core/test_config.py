"""Settings: zhurnal.toml, overridden by ZHURNAL_* variables; a bad value is one line naming the key."""
from __future__ import annotations

import pytest

from core.config import ConfigError, load_settings
from core.plugins import discover

#: the plugins shipped in Zhurnal's own distribution
BUILTIN_PLUGINS_SHIPPED = sorted(n for n, eps in discover().items() if eps[0].value.startswith("plugins."))

TOML = """
database_url = "sqlite:///from-file.db"
secret_key = "file-secret-0123456789"
default_locale = "en"
timezone = "Asia/Yekaterinburg"

[security]
login_lock_after = 7

[grants]
deputy = ["core.audit.read"]

[plugins]
enabled = ["roster", "journal"]

[plugins.journal]
answer = 42
"""


@pytest.fixture
def cfg(tmp_path):
    p = tmp_path / "zhurnal.toml"
    p.write_text(TOML, encoding="utf-8")
    return p


def test_defaults_without_file_or_env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = load_settings(env={})
    assert s.database_url == "sqlite:///zhurnal.db"
    assert s.default_locale == "ru" and s.timezone == "Europe/Moscow"
    # every plugin shipped with Zhurnal (the demo shows the whole product); none of another distribution
    assert s.enabled_plugins == BUILTIN_PLUGINS_SHIPPED and "roster" in s.enabled_plugins
    assert s.security["login_slowdown_after"] == 3 and s.security["login_lock_after"] == 10
    assert s.source == "defaults"
    # a deployment without a secret gets one kept beside its SQLite database (sessions survive restarts)
    assert (tmp_path / "zhurnal.db.secret").read_text().strip() == s.secret_key
    assert load_settings(env={}).secret_key == s.secret_key


def test_file_is_read(cfg):
    s = load_settings(env={"ZHURNAL_CONFIG": str(cfg)})
    assert s.source == str(cfg)
    assert s.database_url == "sqlite:///from-file.db"
    assert s.secret_key == "file-secret-0123456789"
    assert s.default_locale == "en" and s.timezone == "Asia/Yekaterinburg"
    assert s.security["login_lock_after"] == 7 and s.security["login_slowdown_after"] == 3
    assert s.grants == {"deputy": ["core.audit.read"]}
    assert s.enabled_plugins == ["roster", "journal"]
    assert s.for_plugin("journal") == {"answer": 42}


def test_environment_overrides_file(cfg):
    s = load_settings(env={"ZHURNAL_CONFIG": str(cfg), "ZHURNAL_DATABASE_URL": "postgres://u@db/z",
                           "ZHURNAL_QUEUE_URL": "redis://127.0.0.1:6379/3", "ZHURNAL_DEFAULT_LOCALE": "ru",
                           "ZHURNAL_PLUGINS": " roster , ,hello,roster", "ZHURNAL_SECURITY_LOGIN_LOCK_AFTER": "4",
                           "ZHURNAL_TODAY": "2026-11-26"})
    assert s.database_url == "postgresql://u@db/z"  # postgres:// is normalised
    assert s.queue_url == "redis://127.0.0.1:6379/3"
    assert s.default_locale == "ru"
    assert s.enabled_plugins == ["roster", "hello"]
    assert s.security["login_lock_after"] == 4
    assert str(s.today) == "2026-11-26"
    assert s.timezone == "Asia/Yekaterinburg"  # not overridden: from the file
    assert s.for_plugin("journal") == {"answer": 42}


def test_overrides_win_over_environment(cfg):
    s = load_settings({"default_locale": "en", "security": {"login_lock_minutes": 1}},
                      env={"ZHURNAL_CONFIG": str(cfg), "ZHURNAL_DEFAULT_LOCALE": "ru"})
    assert s.default_locale == "en"
    assert s.security["login_lock_minutes"] == 1 and s.security["login_lock_after"] == 7


@pytest.mark.parametrize("env, key", [
    ({"ZHURNAL_SECURITY_LOGIN_LOCK_AFTER": "many"}, "security.login_lock_after"),
    ({"ZHURNAL_SECURITY_LOGIN_LOCK_AFTER": "1"}, "security.login_lock_after"),
    ({"ZHURNAL_SECURITY_LOGN_LOCK_AFTER": "3"}, "security.logn_lock_after"),
    ({"ZHURNAL_DEFAULT_LOCALE": "de"}, "default_locale"),
    ({"ZHURNAL_DATABASE_URL": "mysql://x/y"}, "database_url"),
    ({"ZHURNAL_SECRET_KEY": "short"}, "secret_key"),
    ({"ZHURNAL_TODAY": "26.11.2026"}, "today"),
    ({"ZHURNAL_TIMEZONE": "Moscow"}, "timezone"),
    ({"ZHURNAL_QUEUE_URL": "amqp://rabbit"}, "queue_url"),
    ({"ZHURNAL_SECURITY_ARGON2_MEMORY_COST": "16"}, "security.argon2_memory_cost"),
    ({"ZHURNAL_DATABASE_URL": "postgresql://u@db/z"}, "secret_key"),
    ({"ZHURNAL_DATABASE_URL": "postgresql://u@db/z", "ZHURNAL_SECRET_KEY": "x" * 32}, "queue_url"),
])
def test_bad_value_is_one_line_naming_the_key(tmp_path, env, key):
    with pytest.raises(ConfigError) as e:
        load_settings(env={"ZHURNAL_CONFIG": str(_empty(tmp_path)), **env})
    msg = str(e.value)
    assert "\n" not in msg
    assert msg.startswith(f"invalid setting {key}"), msg


@pytest.mark.parametrize("text, expect", [
    ("colour = 'blue'\n", "invalid setting colour: Unknown field."),
    ("[security]\nsession_hours = 0\n", "invalid setting security.session_hours"),
    ("[plugins]\nenabled = 'roster'\n", "invalid setting plugins.enabled"),
    ("[plugins]\njournal = 3\n", "invalid setting plugins.journal"),
    ("[grants]\ndeputy = 'core.audit.read'\n", "invalid setting grants.deputy"),
    ("database_url = \n", "is not valid TOML"),
])
def test_bad_file_is_one_line(tmp_path, text, expect):
    p = tmp_path / "z.toml"
    p.write_text(text)
    with pytest.raises(ConfigError) as e:
        load_settings(env={"ZHURNAL_CONFIG": str(p)})
    assert "\n" not in str(e.value)
    assert expect in str(e.value)


def test_missing_config_file_named(tmp_path):
    with pytest.raises(ConfigError, match="config file not found: .*nowhere.toml"):
        load_settings(env={"ZHURNAL_CONFIG": str(tmp_path / "nowhere.toml")})


def test_bad_grant_and_plugin_settings_stop_the_app(make_app, tmp_path):
    with pytest.raises(ConfigError, match=r"^invalid setting grants.deputy: unknown permission 'core.nope'$"):
        make_app(grants={"deputy": ["core.nope"]}, migrate=False)
    with pytest.raises(ConfigError, match=r"^invalid setting grants.janitor: unknown role$"):
        make_app(grants={"janitor": ["core.audit.read"]}, migrate=False)
    from core.app import create_app
    from tests.conftest import base_settings
    url = f"sqlite:///{tmp_path / 'x.db'}"
    with pytest.raises(ConfigError, match=r"^settings given for plugin 'journal', which is not enabled$"):
        create_app(settings=load_settings(base_settings(database_url=url,
                                                        plugins={"enabled": ["roster"], "journal": {"x": 1}}), env={}))
    with pytest.raises(ConfigError, match=r"^plugin 'journal' takes no settings, got: colour$"):
        create_app(settings=load_settings(base_settings(
            database_url=url, plugins={"enabled": ["roster", "journal"], "journal": {"colour": 1}}), env={}))
    with pytest.raises(ConfigError, match=r"^invalid setting plugins.roster.activation_days: "):
        create_app(settings=load_settings(base_settings(
            database_url=url, plugins={"enabled": ["roster"], "roster": {"activation_days": 10**20}}), env={}))


def test_extra_grant_takes_effect(make_app):
    from core import access
    from core.identity import service
    app = make_app(grants={"teacher": ["core.audit.read"]})
    with app.app_context():
        u, _ = service.create_user("t1", "Учитель", password="long-enough-1")
        access.grant(u, "teacher", scope_type="deployment", scope_id=None)
        assert access.can(u, "core.audit.read")
        assert not access.can(u, "core.users.manage")


def _empty(tmp_path):
    p = tmp_path / "empty.toml"
    p.write_text("")
    return p


def test_today_is_the_schools_date_not_the_servers(make_app, monkeypatch):
    """At 23:30 UTC it is already 02:30 of the next day in Moscow: the school's day has begun."""
    import datetime as dt
    from core import clock

    monkeypatch.setattr(clock, "_utc", lambda: dt.datetime(2026, 11, 26, 23, 30, tzinfo=dt.timezone.utc))
    moscow = make_app(migrate=False, today=None)
    with moscow.app_context():
        assert clock.today() == dt.date(2026, 11, 27)
        assert clock.now().utcoffset() == dt.timedelta(hours=3)
    azores = make_app(migrate=False, today=None, timezone="Atlantic/Azores")
    with azores.app_context():
        assert clock.today() == dt.date(2026, 11, 26)
    pinned = make_app(migrate=False)  # the tests' pinned day wins
    with pinned.app_context():
        assert clock.today() == dt.date(2026, 11, 26)


def test_the_wsgi_entry_reports_bad_settings_in_one_line(tmp_path):
    """gunicorn imports core.wsgi: a bad setting is one line on stderr and a failed exit, no traceback."""
    import os
    import subprocess
    import sys
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHURNAL_")}
    env.update(ZHURNAL_PLUGINS="roster,nonexistent", ZHURNAL_DATABASE_URL=f"sqlite:///{tmp_path / 'z.db'}")
    r = subprocess.run([sys.executable, "-c", "import core.wsgi"], env=env, cwd=tmp_path, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("zhurnal: unknown plugin 'nonexistent' (installed: "), lines
