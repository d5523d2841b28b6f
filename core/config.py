"""Settings: ``zhurnal.toml`` overridden by ``ZHURNAL_*`` environment variables.

The file is looked up at ``$ZHURNAL_CONFIG`` or ``./zhurnal.toml``. Every value is
validated at start-up; a bad one stops start-up with :class:`ConfigError`, whose
message is a single line naming the key.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema


class ConfigError(Exception):
    """A setting is missing or wrong; the message is one line."""


#: the distribution that ships the kernel and the built-in plugins
DISTRIBUTION = "zhurnal"


def default_plugins() -> list[str]:
    """What a deployment loads when its configuration names no plugins: every plugin shipped
    with Zhurnal itself (so that ``zhurnal demo`` shows the whole product). Plugins of other
    distributions are only loaded when named."""
    import importlib.metadata as md
    return sorted({ep.name for ep in md.entry_points(group="zhurnal.plugins")
                   if ep.dist is not None and ep.dist.name.lower() == DISTRIBUTION})


def _time_zone(value: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError("unknown time zone (use a name such as Europe/Moscow)") from None


def _audit_keys(value: str | None) -> None:
    if value is None:
        return
    parse_audit_keys(value)


def parse_audit_keys(value: str) -> list[tuple[str, str]]:
    """``"id:secret,id:secret"`` -> [(id, secret), ...]; the first is the current key. The word
    ``secret_key`` stands for the default key derived from ``secret_key`` (its secret is "")."""
    keys = []
    for part in (p.strip() for p in value.split(",") if p.strip()):
        if part == "secret_key":  # the key derived from secret_key (the default): keeps older entries verifiable
            keys.append(("secret_key", ""))
            continue
        kid, sep, secret = part.partition(":")
        if not sep or not kid.isalnum() or len(kid) > 16 or len(secret) < 32:
            raise ValidationError("each key must be ID:SECRET with an alphanumeric ID (at most 16) "
                                  "and a secret of at least 32 characters")
        keys.append((kid, secret))
    if not keys or len({k for k, _ in keys}) != len(keys):
        raise ValidationError("give at least one key, each ID once")
    return keys


def _networks(value: str) -> None:
    import ipaddress
    for part in (p.strip() for p in (value or "").split(",") if p.strip()):
        try:
            ipaddress.ip_network(part, strict=False)
        except ValueError:
            raise ValidationError(f"not an address or network: {part!r}") from None


class SecuritySchema(Schema):
    class Meta:
        unknown = RAISE

    argon2_time_cost = fields.Int(load_default=3, validate=validate.Range(min=1))
    argon2_memory_cost = fields.Int(load_default=65536, validate=validate.Range(min=8))
    argon2_parallelism = fields.Int(load_default=4, validate=validate.Range(min=1))
    #: failed logins after which each further attempt must wait (doubling)
    login_slowdown_after = fields.Int(load_default=3, validate=validate.Range(min=1))
    #: failed logins in a row after which the account is locked
    login_lock_after = fields.Int(load_default=10, validate=validate.Range(min=2))
    login_lock_minutes = fields.Int(load_default=15, validate=validate.Range(min=1))
    session_hours = fields.Int(load_default=12, validate=validate.Range(min=1))
    #: cookies only over HTTPS; default: on when ``base_url`` is https (env ZHURNAL_SECURE_COOKIES)
    secure_cookies = fields.Bool(load_default=None, allow_none=True)
    #: keys of the audit chain's HMAC, held outside the database: "id:secret[,id:secret...]", the
    #: first signs new entries, the others only verify older ones (rotation, docs/SECURITY.md).
    #: Default: one key derived from secret_key (id "sk")
    audit_keys = fields.Str(load_default=None, allow_none=True, validate=_audit_keys)
    #: addresses (or networks, CIDR) of reverse proxies whose X-Forwarded-For is believed;
    #: comma-separated. Default: none (the client address is the connection's)
    trusted_proxies = fields.Str(load_default="", validate=_networks)
    #: failed logins from one address (over all accounts) after which it must wait (doubling)
    address_slowdown_after = fields.Int(load_default=20, validate=validate.Range(min=1))
    #: a staff account with this school setting on needs a TOTP code at sign-in
    #: (the per-school switch lives in the database; this only sets the clock drift allowed)
    totp_valid_window = fields.Int(load_default=1, validate=validate.Range(min=0, max=3))

    @validates_schema
    def _argon2_memory(self, data, **kwargs):
        # argon2 needs 8 KiB per lane; caught here rather than as a traceback at the first hash
        if data.get("argon2_memory_cost", 65536) < 8 * data.get("argon2_parallelism", 4):
            raise ValidationError("must be at least 8 x argon2_parallelism", "argon2_memory_cost")


class NotifySchema(Schema):
    """``[notify]``: the notification outbox and its worker."""
    class Meta:
        unknown = RAISE

    #: how long a worker holds the rows it claimed; a killed worker's rows are retried after it
    lease_seconds = fields.Int(load_default=300, validate=validate.Range(min=1, max=86400))
    #: tries before a temporarily failing delivery is given up (recorded as failed)
    max_attempts = fields.Int(load_default=8, validate=validate.Range(min=1, max=100))
    #: the first retry waits this long; each next one twice as long (at most 6 hours)
    retry_seconds = fields.Int(load_default=60, validate=validate.Range(min=1, max=86400))
    #: rows a worker claims at once
    batch_size = fields.Int(load_default=100, validate=validate.Range(min=1, max=10000))
    #: absence notices wait until this time of the school day ("HH:MM", school time zone)
    absence_time = fields.Str(load_default="10:00",
                              validate=validate.Regexp(r"^([01][0-9]|2[0-3]):[0-5][0-9]$", error="must be HH:MM"))
    #: students (not only guardians) may receive notifications
    students = fields.Bool(load_default=False)


class SettingsSchema(Schema):
    class Meta:
        unknown = RAISE

    database_url = fields.Str(load_default="sqlite:///zhurnal.db",
                              validate=validate.Regexp(r"^(sqlite|postgres(ql)?)://",
                                                       error="must start with sqlite:// or postgresql://"))
    secret_key = fields.Str(load_default=None, allow_none=True, validate=validate.Length(min=16))
    #: huey storage: "sqlite:///path", "redis://host:port/db" or "memory" (runs jobs in-process)
    queue_url = fields.Str(load_default=None, allow_none=True,
                           validate=validate.Regexp(r"^(memory$|sqlite:///.|rediss?://|unix://)",
                                                    error="must be memory, sqlite:///FILE or redis://HOST:PORT/DB"))
    default_locale = fields.Str(load_default="ru", validate=validate.OneOf(["ru", "en"]))
    #: the schools' time zone: "today" and dates shown follow it, whatever the server's clock says
    timezone = fields.Str(load_default="Europe/Moscow", validate=_time_zone)
    base_url = fields.Str(load_default="http://127.0.0.1:5000")
    #: files the plugins keep (generated documents, uploads); default: beside an SQLite database
    data_dir = fields.Str(load_default=None, allow_none=True, validate=validate.Length(min=1))
    #: where `zhurnal backup` and the nightly backup write; default: beside an SQLite database
    backup_dir = fields.Str(load_default=None, allow_none=True, validate=validate.Length(min=1))
    #: days a nightly backup is kept (the newest is always kept); 0 turns the nightly backup off
    backup_keep_days = fields.Int(load_default=14, validate=validate.Range(min=0, max=3650))
    #: bearer token that opens GET /metrics (unset: /metrics answers 404)
    metrics_token = fields.Str(load_default=None, allow_none=True, validate=validate.Length(min=16))
    #: server logs: one JSON object per line, or plain text for a terminal
    log_format = fields.Str(load_default="json", validate=validate.OneOf(["json", "text"]))
    testing = fields.Bool(load_default=False)
    #: pin "today" (demo and tests); default: the real date
    today = fields.Date(load_default=None, allow_none=True)
    security = fields.Nested(SecuritySchema, load_default=lambda: SecuritySchema().load({}))
    #: extra permission grants beyond the plugins' defaults: {role: [permission, ...]}
    grants = fields.Dict(keys=fields.Str(), values=fields.List(fields.Str()), load_default=dict)
    notify = fields.Nested(NotifySchema, load_default=lambda: NotifySchema().load({}))
    plugins = fields.Dict(load_default=dict)  # validated by plugin manager


@dataclass
class Settings:
    database_url: str
    secret_key: str
    queue_url: str | None
    default_locale: str
    timezone: str
    base_url: str
    testing: bool
    today: "dt.date | None"
    security: dict
    grants: dict
    enabled_plugins: list[str]
    plugin_settings: dict[str, dict] = field(default_factory=dict)
    source: str = "defaults"
    #: which plugin settings came from the environment: {plugin: {key: "ZHURNAL_<PLUGIN>__<KEY>"}}
    plugin_env: dict[str, dict[str, str]] = field(default_factory=dict)
    notify: dict = field(default_factory=lambda: NotifySchema().load({}))
    data_dir: str = "zhurnal-files"
    backup_dir: str = "backups"
    backup_keep_days: int = 14
    metrics_token: str | None = None
    log_format: str = "json"

    def for_plugin(self, name: str) -> dict:
        return self.plugin_settings.get(name, {})


_SCALAR_ENV = {
    "DATABASE_URL": "database_url",
    "SECRET_KEY": "secret_key",
    "QUEUE_URL": "queue_url",
    "DEFAULT_LOCALE": "default_locale",
    "TIMEZONE": "timezone",
    "BASE_URL": "base_url",
    "TODAY": "today",
    "DATA_DIR": "data_dir",
    "BACKUP_DIR": "backup_dir",
    "BACKUP_KEEP_DAYS": "backup_keep_days",
    "METRICS_TOKEN": "metrics_token",
    "LOG_FORMAT": "log_format",
}
#: variables of the ``security`` table with a short name of their own
_SECURITY_ENV = {"SECURE_COOKIES": "secure_cookies", "AUDIT_KEYS": "audit_keys", "TRUSTED_PROXIES": "trusted_proxies"}


#: ``ZHURNAL_<PLUGIN>__<KEY>``: one setting of one plugin (``ZHURNAL_NOTIFY_SMS__TOKEN``)
_PLUGIN_ENV = re.compile(r"^ZHURNAL_([A-Za-z][A-Za-z0-9_]*?)__([A-Za-z][A-Za-z0-9_]*)$")


def _plugin_env(env: dict) -> dict[str, dict[str, tuple[str, str]]]:
    """``ZHURNAL_<PLUGIN>__<KEY>`` variables: {plugin: {key: (variable, value)}}."""
    found: dict[str, dict[str, tuple[str, str]]] = {}
    for k in sorted(env):
        m = _PLUGIN_ENV.match(k)
        if m:
            found.setdefault(m.group(1).lower(), {})[m.group(2).lower()] = (k, env[k])
    return found


def _merge_env(raw: dict, env: dict) -> dict:
    for suffix, key in _SCALAR_ENV.items():
        if f"ZHURNAL_{suffix}" in env:
            raw[key] = env[f"ZHURNAL_{suffix}"]
    if "ZHURNAL_PLUGINS" in env:
        names = [n.strip() for n in env["ZHURNAL_PLUGINS"].split(",") if n.strip()]
        raw.setdefault("plugins", {})["enabled"] = names
    for suffix, key in _SECURITY_ENV.items():
        if f"ZHURNAL_{suffix}" in env:
            raw.setdefault("security", {})[key] = env[f"ZHURNAL_{suffix}"]
    for k, v in env.items():
        if k.startswith("ZHURNAL_SECURITY_") and "__" not in k:
            raw.setdefault("security", {})[k[len("ZHURNAL_SECURITY_"):].lower()] = v
    return raw


def _one_line(err: ValidationError, prefix: str = "", names: dict[str, str] | None = None) -> str:
    """One line for a validation error: ``invalid setting <prefix><key>: <message>, ...``.

    :param names: keys to name otherwise (a value from ``ZHURNAL_<PLUGIN>__<KEY>`` is named
        by that variable, not by its place in the file)
    """
    names = names or {}

    def walk(msgs, path):
        if isinstance(msgs, dict):
            for k, v in msgs.items():
                yield from walk(v, path + [str(k)])
        elif isinstance(msgs, list) and msgs and isinstance(msgs[0], str):
            yield ".".join(path), "; ".join(msgs)
        elif isinstance(msgs, list):
            for m in msgs:
                yield from walk(m, path)
        else:
            yield ".".join(path), str(msgs)
    def name(key: str) -> str:
        first, _, rest = key.partition(".")
        if first in names:
            return names[first] + (f".{rest}" if rest else "")
        return prefix + key
    parts = [f"{name(k)}: {v}" for k, v in walk(err.messages, [])]
    return "invalid setting " + ", ".join(parts)


def load_settings(overrides: dict | None = None, env: dict | None = None,
                  path: str | os.PathLike | None = None) -> Settings:
    """Read, merge and validate the settings.

    :param overrides: values that win over file and environment (tests, CLI flags)
    :param env: environment to read ``ZHURNAL_*`` from (default ``os.environ``)
    :param path: explicit config file; else ``$ZHURNAL_CONFIG``; else ``./zhurnal.toml`` if present
    :raises ConfigError: one line naming the bad key
    """
    env = dict(os.environ if env is None else env)
    raw: dict[str, Any] = {}
    source = "defaults"
    cfg_path = path or env.get("ZHURNAL_CONFIG")
    if cfg_path is None and Path("zhurnal.toml").exists():
        cfg_path = "zhurnal.toml"
    if cfg_path:
        p = Path(cfg_path)
        if not p.exists():
            raise ConfigError(f"config file not found: {p}")
        try:
            raw = tomllib.loads(p.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"config file {p} is not valid TOML: {e}") from None
        source = str(p)
    raw = _merge_env(raw, env)
    from_env = _plugin_env(env)
    if from_env:
        tables = raw.get("plugins")
        if not isinstance(tables, dict):
            tables = raw["plugins"] = {}
        for plugin, values in from_env.items():
            table = tables.get(plugin)
            if table is None:
                table = tables[plugin] = {}
            if isinstance(table, dict):  # not a table in the file: reported below as the file's error
                table.update({key: value for key, (_var, value) in values.items()})
    for k, v in (overrides or {}).items():
        if isinstance(v, dict) and isinstance(raw.get(k), dict):
            raw[k] = {**raw[k], **v}
        else:
            raw[k] = v
    try:
        data = SettingsSchema().load(raw)
    except ValidationError as e:
        raise ConfigError(_one_line(e)) from None
    plugins = dict(data["plugins"])
    enabled = plugins.pop("enabled", None)
    if enabled is None:
        enabled = default_plugins()
    if not isinstance(enabled, list) or not all(isinstance(x, str) for x in enabled):
        raise ConfigError("invalid setting plugins.enabled: must be a list of plugin names")
    bad = [k for k, v in plugins.items() if not isinstance(v, dict)]
    if bad:
        raise ConfigError(f"invalid setting plugins.{bad[0]}: must be a table of that plugin's settings")
    # a value from the environment that overrides did not replace is named by its variable in errors
    plugin_env = {p: {key: var for key, (var, value) in values.items() if plugins.get(p, {}).get(key) is value}
                  for p, values in from_env.items()}
    plugin_env = {p: keys for p, keys in plugin_env.items() if keys}
    secret = data["secret_key"]
    if not secret:
        if data["testing"]:
            secret = "test-" + "x" * 32
        else:
            secret = _persistent_secret(data["database_url"])
    db_url = data["database_url"]
    if db_url.startswith("postgres://"):
        db_url = "postgresql://" + db_url[len("postgres://"):]
    if not db_url.startswith("sqlite") and not data["queue_url"]:
        # the default queue is a file beside an SQLite database; several hosts need a shared one
        raise ConfigError("invalid setting queue_url: required when the database is not SQLite "
                          "(set ZHURNAL_QUEUE_URL=redis://HOST:PORT/DB, the same on every host)")
    security = dict(data["security"])
    if security["secure_cookies"] is None:
        security["secure_cookies"] = data["base_url"].startswith("https://")
    return Settings(
        database_url=db_url, secret_key=secret, queue_url=data["queue_url"],
        default_locale=data["default_locale"], timezone=data["timezone"],
        base_url=data["base_url"].rstrip("/"), testing=data["testing"], today=data["today"],
        security=security, grants=data["grants"],
        enabled_plugins=list(dict.fromkeys(enabled)), plugin_settings=plugins, source=source,
        plugin_env=plugin_env,
        notify=data["notify"],
        data_dir=data["data_dir"] or _beside_database(db_url, "-files", "zhurnal-files"),
        backup_dir=data["backup_dir"] or _beside_database(db_url, "-backups", "backups"),
        backup_keep_days=data["backup_keep_days"],
        metrics_token=data["metrics_token"], log_format=data["log_format"],
    )


def _beside_database(database_url: str, suffix: str, otherwise: str) -> str:
    """``/srv/zhurnal.db`` -> ``/srv/zhurnal-files``; a server database -> ``./<otherwise>``."""
    if database_url.startswith("sqlite:///"):
        db_path = Path(database_url[len("sqlite:///"):] or "zhurnal.db")
        return str(db_path.with_name(db_path.stem + suffix))
    return str(Path(otherwise).absolute())


def _persistent_secret(database_url: str) -> str:
    """A secret for a deployment that set none: kept beside an SQLite database so that
    sessions survive restarts. Several hosts must set ``ZHURNAL_SECRET_KEY``."""
    if database_url.startswith("sqlite:///"):
        db_path = Path(database_url[len("sqlite:///"):] or "zhurnal.db")
        key_file = db_path.with_name(db_path.name + ".secret")
        if key_file.exists():
            return key_file.read_text().strip()
        key = secrets.token_hex(32)
        try:
            key_file.parent.mkdir(parents=True, exist_ok=True)
            key_file.write_text(key)
            key_file.chmod(0o600)
        except OSError:
            pass
        return key
    raise ConfigError("invalid setting secret_key: required when the database is not SQLite "
                      "(set ZHURNAL_SECRET_KEY, the same on every host)")
