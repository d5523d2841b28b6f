"""Shared fixtures.

* ``make_app(plugins=[...], **settings)`` builds an app on a fresh, migrated,
  empty database with exactly the given plugins loaded.
* ``demo_app`` is a fresh copy of the seeded demo school with every built-in
  plugin loaded (seeded once per session, copied per test: cheap).
* ``login(app, "parent1")`` returns a test client logged in through the API.

The database is SQLite unless ``ZHURNAL_TEST_DATABASE_URL`` names a PostgreSQL
server (``postgresql://postgres@127.0.0.1:5432/test``): then every test gets its
own database, created from a template.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from pathlib import Path

import pytest

from zhurnal.core import signals
from zhurnal.core.app import create_app
from zhurnal.core.config import load_settings
from zhurnal.core.plugins import discover

#: the school day the demo and the tests see (a Thursday in the 2nd quarter)
TODAY = dt.date(2026, 11, 26)
DEMO_PASSWORD = "demo12345"
PG_URL = os.environ.get("ZHURNAL_TEST_DATABASE_URL", "")
REQUIRE_SERVICES = os.environ.get("ZHURNAL_REQUIRE_SERVICES") == "1"
#: plugins shipped with Zhurnal (the example plugin is a separate distribution)
BUILTIN_PLUGINS = sorted(n for n, eps in discover().items()
                         if eps[0].value.startswith("zhurnal.plugins."))
if os.environ.get("ZHURNAL_TEST_PLUGINS"):  # work on a subset while another plugin is unfinished
    BUILTIN_PLUGINS = [n for n in os.environ["ZHURNAL_TEST_PLUGINS"].split(",") if n]


def base_settings(**extra) -> dict:
    s = {
        "testing": True,
        "secret_key": "test-secret-key-0123456789abcdef",
        "today": TODAY.isoformat(),
        "security": {"argon2_time_cost": 1, "argon2_memory_cost": 8, "argon2_parallelism": 1},
        "queue_url": "memory",
    }
    s.update(extra)
    return s


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "gw")


# --- databases ------------------------------------------------------------------------

def _pg_admin():
    import psycopg2
    base = PG_URL.rsplit("/", 1)[0]
    conn = psycopg2.connect(PG_URL)
    conn.autocommit = True
    return conn, base


class Databases:
    """Creates throw-away databases (SQLite files or PostgreSQL databases)."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.created: list[str] = []

    def new_url(self, template: str | None = None) -> str:
        name = f"zt_{_worker()}_{uuid.uuid4().hex[:10]}"
        if not PG_URL:
            path = self.tmp / f"{name}.db"
            if template:
                shutil.copyfile(template, path)
            return f"sqlite:///{path}"
        conn, base = _pg_admin()
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        conn.close()
        self.created.append(name)
        return f"{base}/{name}"

    def drop(self, url: str) -> None:
        from zhurnal.core import db
        if db.database.obj is not None and not db.database.is_closed():
            db.database.close()
        if PG_URL and hasattr(db.database.obj, "close_all"):
            db.database.obj.close_all()
        if PG_URL:
            name = url.rsplit("/", 1)[1]
            conn, _ = _pg_admin()
            with conn.cursor() as cur:
                cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.close()


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    return Databases(tmp_path_factory.mktemp("db"))


def _close_app(app) -> None:
    from zhurnal.core import db
    signals.disconnect_app(app)
    obj = db.database.obj
    if obj is not None:
        if hasattr(obj, "close_all"):
            obj.close_all()
        elif not obj.is_closed():
            obj.close()


def build_app(url: str, plugins: list[str], extra_plugins=(), migrate=True, **settings):
    from zhurnal.core.cli import migrate_all
    if not url.startswith("sqlite"):  # files and backups of a server database: beside the test's tmp, not in cwd
        import tempfile
        here = Path(tempfile.gettempdir()) / "zhurnal-tests" / url.rsplit("/", 1)[1]
        settings.setdefault("data_dir", str(here / "files"))
        settings.setdefault("backup_dir", str(here / "backups"))
    st = load_settings(base_settings(database_url=url, plugins={"enabled": plugins}, **settings), env={})
    app = create_app(settings=st, extra_plugins=extra_plugins)
    if migrate:
        with app.app_context():
            migrate_all(app, echo=lambda *a: None)
    return app


@pytest.fixture
def make_app(databases):
    """Build apps on fresh empty databases; all are closed after the test."""
    made = []

    def factory(plugins=("roster",), extra_plugins=(), url=None, migrate=True, **settings):
        url = url or databases.new_url()
        app = build_app(url, list(plugins), extra_plugins, migrate, **settings)
        made.append((app, url))
        return app

    yield factory
    for app, url in made:
        _close_app(app)
        databases.drop(url)


@pytest.fixture(scope="session")
def demo_template(databases):
    """The demo school seeded once; per-test copies are made from it."""
    url = databases.new_url()
    app = build_app(url, BUILTIN_PLUGINS)
    from zhurnal.core import demo
    with app.app_context():
        ctx = demo.seed(students_per_class=25, today=TODAY)
    info = {"logins": dict(ctx.logins)}
    _close_app(app)
    template = url[len("sqlite:///"):] if url.startswith("sqlite") else url.rsplit("/", 1)[1]
    return template, info


@pytest.fixture
def demo_app(databases, demo_template):
    template, _info = demo_template
    url = databases.new_url(template=template)
    app = build_app(url, BUILTIN_PLUGINS, migrate=False)
    app.config["DATABASE_URL"] = url
    yield app
    _close_app(app)
    databases.drop(url)


def login(app, login_name: str, password: str = DEMO_PASSWORD):
    """A test client logged in through the API (fails the test if login fails)."""
    client = app.test_client()
    r = client.post("/api/v1/auth/login", json={"login": login_name, "password": password})
    assert r.status_code == 200, (login_name, r.status_code, r.get_json())
    return client


@pytest.fixture
def as_user(demo_app):
    """``as_user("parent1")`` -> logged-in client of the demo app (cached per login)."""
    cache = {}

    def get(login_name: str):
        if login_name not in cache:
            cache[login_name] = login(demo_app, login_name)
        return cache[login_name]
    return get


def require_service(name: str, check) -> None:
    """Skip (or, with ZHURNAL_REQUIRE_SERVICES=1, fail) when a service is not reachable."""
    try:
        check()
    except Exception as e:  # noqa: BLE001 - any failure means "not there"
        msg = f"{name} is not reachable: {e}"
        if REQUIRE_SERVICES:
            pytest.fail(msg)
        pytest.skip(msg)
