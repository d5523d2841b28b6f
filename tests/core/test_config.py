"""Settings: zhurnal.toml, overridden by ZHURNAL_* variables; a bad value is one line naming the key."""
from __future__ import annotations

import pytest

from zhurnal.core.config import ConfigError, load_settings
from zhurnal.core.plugins import discover

#: the plugins shipped in Zhurnal's own distribution
BUILTIN_PLUGINS_SHIPPED = sorted(n for n, eps in discover().items() if eps[0].value.startswith("zhurnal.plugins."))

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
    from zhurnal.core.app import create_app
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
    from zhurnal.core import access
    from zhurnal.core.identity import service
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
    from zhurnal.core import clock

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
    r = subprocess.run([sys.executable, "-c", "import zhurnal.core.wsgi"], env=env, cwd=tmp_path, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("zhurnal: unknown plugin 'nonexistent' (installed: "), lines


# --- a plugin's settings from the environment: ZHURNAL_<PLUGIN>__<KEY> --------------------------------------

def _gateway_plugin():
    """A plugin with a settings schema of each kind of value (given directly, like a test plugin)."""
    import types
    from marshmallow import RAISE, Schema, fields, validate

    class GatewaySettings(Schema):
        class Meta:
            unknown = RAISE
        url = fields.Url(load_default=None, allow_none=True, require_tld=False)
        token = fields.Str(load_default="")
        timeout = fields.Float(load_default=10.0, validate=validate.Range(min=0.1, max=120))
        transliterate = fields.Bool(load_default=False)
        tags = fields.List(fields.Str(), load_default=list)
        params = fields.Dict(keys=fields.Str(), values=fields.Str(), load_default=dict)

    m = types.ModuleType("fake_gateway")
    m.name, m.title, m.version, m.depends, m.settings_schema = "sms_gateway", "Gateway", "1", (), GatewaySettings
    return m


def _gateway_app(tmp_path, env: dict, file_table: dict | None = None, enabled=("roster", "sms_gateway")):
    from zhurnal.core.app import create_app
    from tests.conftest import _close_app, base_settings
    plugins = {"enabled": list(enabled)}
    if file_table is not None:
        plugins["sms_gateway"] = file_table
    text = "".join(f'{k} = "{v}"\n' for k, v in (file_table or {}).items())
    cfg = tmp_path / "zhurnal.toml"
    cfg.write_text(f"[plugins]\nenabled = {list(enabled)!r}\n" + (f"[plugins.sms_gateway]\n{text}" if file_table else ""),
                   encoding="utf-8")
    overrides = base_settings(database_url=f"sqlite:///{tmp_path / 'g.db'}")
    st = load_settings(overrides, env={"ZHURNAL_CONFIG": str(cfg), **env})
    app = create_app(settings=st, extra_plugins=[_gateway_plugin()])
    settings = app.extensions["zhurnal"].plugins.infos["sms_gateway"].settings
    _close_app(app)
    return settings


def test_plugin_settings_from_the_environment_override_the_file_key_by_key(tmp_path):
    s = _gateway_app(tmp_path, {"ZHURNAL_SMS_GATEWAY__TOKEN": "секрет-из-env", "ZHURNAL_SMS_GATEWAY__TIMEOUT": "2.5",
                                "ZHURNAL_SMS_GATEWAY__TRANSLITERATE": "true",
                                "ZHURNAL_SMS_GATEWAY__TAGS": "school, marks,,",
                                "ZHURNAL_SMS_GATEWAY__PARAMS": '{"route": "direct"}'},
                     file_table={"url": "http://sms.example/send", "token": "from-file"})
    assert s == {"url": "http://sms.example/send", "token": "секрет-из-env", "timeout": 2.5, "transliterate": True,
                 "tags": ["school", "marks"], "params": {"route": "direct"}}
    # without the variables: the file's values, then the schema's defaults
    assert _gateway_app(tmp_path, {}, file_table={"token": "from-file"})["token"] == "from-file"
    assert _gateway_app(tmp_path, {})["url"] is None


def test_plugin_settings_from_the_environment_without_a_file_table(tmp_path):
    s = _gateway_app(tmp_path, {"ZHURNAL_SMS_GATEWAY__URL": "http://127.0.0.1:9/send"})
    assert s["url"] == "http://127.0.0.1:9/send" and s["token"] == ""


def test_settings_given_in_code_win_over_the_environment(tmp_path):
    st = load_settings({"plugins": {"enabled": ["roster"], "journal": {"x": "code"}}},
                       env={"ZHURNAL_JOURNAL__X": "env", "ZHURNAL_JOURNAL__Y": "env"})
    assert st.for_plugin("journal") == {"x": "code"}  # the overriding table replaces the environment's
    st = load_settings({}, env={"ZHURNAL_JOURNAL__X": "env", "ZHURNAL_PLUGINS": "roster,journal"})
    assert st.for_plugin("journal") == {"x": "env"} and st.plugin_env == {"journal": {"x": "ZHURNAL_JOURNAL__X"}}


@pytest.mark.parametrize("env, message", [
    ({"ZHURNAL_SMS_GATEWAY__URL": "not a url"}, "invalid setting ZHURNAL_SMS_GATEWAY__URL: Not a valid URL."),
    ({"ZHURNAL_SMS_GATEWAY__TIMEOUT": "soon"}, "invalid setting ZHURNAL_SMS_GATEWAY__TIMEOUT: Not a valid number."),
    ({"ZHURNAL_SMS_GATEWAY__TIMEOUT": "0"},
     "invalid setting ZHURNAL_SMS_GATEWAY__TIMEOUT: Must be greater than or equal to 0.1 and less than or equal to 120."),
    ({"ZHURNAL_SMS_GATEWAY__TRANSLITERATE": "sometimes"},
     "invalid setting ZHURNAL_SMS_GATEWAY__TRANSLITERATE: Not a valid boolean."),
    ({"ZHURNAL_SMS_GATEWAY__PARAMS": "route=direct"}, "invalid setting ZHURNAL_SMS_GATEWAY__PARAMS: must be a JSON object"),
    ({"ZHURNAL_SMS_GATEWAY__PARAMS": '{"route": 1}'},
     "invalid setting ZHURNAL_SMS_GATEWAY__PARAMS.route.value: Not a valid string."),
    ({"ZHURNAL_SMS_GATEWAY__PASWORD": "x"}, "invalid setting ZHURNAL_SMS_GATEWAY__PASWORD: Unknown field."),
    ({"ZHURNAL_SMS_GATWAY__TOKEN": "x"}, "ZHURNAL_SMS_GATWAY__TOKEN sets plugin 'sms_gatway', which is not enabled"),
    ({"ZHURNAL_ROSTER__COLOUR": "red"}, "invalid setting ZHURNAL_ROSTER__COLOUR: Unknown field."),
])
def test_bad_plugin_setting_from_the_environment_is_one_line_naming_the_variable(tmp_path, env, message):
    with pytest.raises(ConfigError) as e:
        _gateway_app(tmp_path, env, file_table={"url": "http://sms.example/send"})
    assert str(e.value) == message


def test_bad_plugin_setting_in_the_file_is_still_named_by_its_key(tmp_path):
    with pytest.raises(ConfigError) as e:
        _gateway_app(tmp_path, {"ZHURNAL_SMS_GATEWAY__TOKEN": "fine"}, file_table={"url": "bad"})
    assert str(e.value) == "invalid setting plugins.sms_gateway.url: Not a valid URL."


def test_the_security_table_is_not_a_plugin(tmp_path):
    """``ZHURNAL_SECURITY_<KEY>`` (one underscore) stays the kernel's; two underscores name a plugin."""
    st = load_settings(env={"ZHURNAL_SECURITY_LOGIN_LOCK_AFTER": "5", "ZHURNAL_CONFIG": str(_empty(tmp_path))})
    assert st.security["login_lock_after"] == 5 and st.plugin_settings == {}
