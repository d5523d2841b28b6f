"""Start-up checks: a database nobody initialised, or one behind the code, is refused in one line
by ``zhurnal serve`` and by the WSGI entry (gunicorn) instead of answering requests with a 500."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.core.conftest import clean_env, run_zhurnal, stderr_lines

ROOT = Path(__file__).resolve().parents[2]
CHEAP = {"ZHURNAL_SECURITY_ARGON2_TIME_COST": "1", "ZHURNAL_SECURITY_ARGON2_MEMORY_COST": "8",
         "ZHURNAL_SECURITY_ARGON2_PARALLELISM": "1", "ZHURNAL_QUEUE_URL": "memory", "ZHURNAL_PLUGINS": "roster",
         "ZHURNAL_SECRET_KEY": "k" * 32}


def _wsgi(cwd, env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "import zhurnal.core.wsgi"], cwd=cwd, env=clean_env(**env),
                          capture_output=True, text=True, timeout=60)


def test_uninitialised_database_is_refused_with_what_to_run(tmp_path):
    env = dict(CHEAP, ZHURNAL_DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.db'}")
    r = run_zhurnal(["serve", "--port", "1"], cwd=tmp_path, env=env)
    assert r.returncode == 1
    assert stderr_lines(r) == ["Error: the database is not initialised: run `zhurnal init` "
                               "(or `zhurnal demo` for a demo school)"]
    w = _wsgi(tmp_path, env)
    assert w.returncode == 1 and stderr_lines(w) == [
        "zhurnal: the database is not initialised: run `zhurnal init` (or `zhurnal demo` for a demo school)"]


def test_database_behind_the_code_is_refused_until_init(tmp_path):
    import sqlite3
    db = tmp_path / "old.db"
    env = dict(CHEAP, ZHURNAL_DATABASE_URL=f"sqlite:///{db}")
    assert run_zhurnal(["init"], cwd=tmp_path, env=env).returncode == 0
    assert _wsgi(tmp_path, env).returncode == 0  # initialised: the WSGI app loads
    with sqlite3.connect(db) as con:  # as if the code had been upgraded since the last init
        con.execute("UPDATE core_schema SET version = version - 1 WHERE plugin = 'roster'")
    for r, prefix in ((run_zhurnal(["serve", "--port", "1"], cwd=tmp_path, env=env), "Error: "),
                      (_wsgi(tmp_path, env), "zhurnal: ")):
        assert r.returncode == 1
        assert stderr_lines(r) == [prefix + "the database schema is behind the code (roster): run `zhurnal init`"]


def test_demo_script_and_plain_serve_use_one_default_database(tmp_path):
    """scripts/demo.sh builds the demo in the default database, which `zhurnal serve` without
    ZHURNAL_DATABASE_URL then serves (same working directory)."""
    script = (ROOT / "scripts" / "demo.sh").read_text()
    assert not re.search(r"^\s*export ZHURNAL_DATABASE_URL", script, re.M)
    assert re.search(r'zhurnal" demo --reset', script) and re.search(r'zhurnal" serve', script)
    env = dict(CHEAP, ZHURNAL_TODAY="2026-11-26")
    r = run_zhurnal(["demo", "--students", "5", "--reset"], cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "zhurnal.db").exists()
    # serve's start-up check passes on it: the only thing left is the port, which is taken
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = run_zhurnal(["serve", "--port", str(port)], cwd=tmp_path, env=env)
    assert "Zhurnal is at" in r.stdout and "not initialised" not in r.stderr
    readme = (ROOT / "README.md").read_text()
    assert "zhurnal.db" in readme
