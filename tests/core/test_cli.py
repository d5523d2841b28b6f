"""The ``zhurnal`` command line: in-process with CliRunner, and as a real process where start-up fails."""
from __future__ import annotations

import re
import types

import peewee as pw
import pytest

from zhurnal.core.db import BaseModel
from zhurnal.core.hookspecs import hookimpl
from tests.core.conftest import run_zhurnal, stderr_lines


# --- a plugin whose schema grows from version 1 to 2 ----------------------------------------------------

class NoteV1(BaseModel):
    text = pw.CharField()

    class Meta:
        table_name = "notes_note"


class NoteV2(BaseModel):
    text = pw.CharField()
    colour = pw.CharField(default="white")

    class Meta:
        table_name = "notes_note"


def add_colour(migrator):
    from playhouse.migrate import migrate
    migrate(migrator.add_column("notes_note", "colour", pw.CharField(default="white")))


def notes_plugin(version: int):
    m = types.ModuleType("notes_v%d" % version)
    m.name, m.title, m.version, m.depends = "notes", "Notes", str(version), ()
    m.schema_version = version
    model = NoteV1 if version == 1 else NoteV2
    m.zhurnal_models = hookimpl(lambda: [model])
    if version == 2:
        m.migrations = {2: add_colour}
    return m


def test_init_is_idempotent_and_upgrades_keeping_data(make_app, cli):
    app1 = make_app(plugins=["notes"], extra_plugins=[notes_plugin(1)])
    url = app1.extensions["zhurnal"].settings.database_url
    with app1.app_context():
        NoteV1.create(text="Купить мел")
        NoteV1.create(text="Проверить тетради")
    r = cli(app1, "init")
    assert r.exit_code == 0 and "every schema is up to date" in r.output
    assert "core: schema 5 (up to date)" in r.output and "notes: schema 1 (up to date)" in r.output

    app2 = make_app(plugins=["notes"], extra_plugins=[notes_plugin(2)], url=url, migrate=False)
    r = cli(app2, "init")
    assert r.exit_code == 0, r.output
    assert "notes: schema 1 -> 2" in r.output
    # it said what it would change and took a backup before changing it
    assert "notes: upgrade schema 1 -> 2" in r.output
    from zhurnal.core import backup
    taken = [line.split(": ", 1)[1] for line in r.output.splitlines() if line.startswith("backup before the upgrade")]
    assert len(taken) == 1 and backup.check(taken[0])["schema_versions"]["notes"] == 1
    assert "backup before" not in cli(app2, "init").output  # nothing to upgrade: no backup
    with app2.app_context():
        rows = [(n.text, n.colour) for n in NoteV2.select().order_by(NoteV2.id)]
        assert rows == [("Купить мел", "white"), ("Проверить тетради", "white")]
        from zhurnal.core.migrations import current_versions
        assert current_versions() == {"core": 5, "core.notify": 1, "notes": 2}
        NoteV2.create(text="Родительское собрание", colour="red")
    r = cli(app2, "init")
    assert "notes: schema 2 (up to date)" in r.output
    with app2.app_context():
        assert NoteV2.select().count() == 3

    # old code on a newer database: refused with one line, nothing touched
    app3 = make_app(plugins=["notes"], extra_plugins=[notes_plugin(1)], url=url, migrate=False)
    r = cli(app3, "init")
    assert r.exit_code == 1
    assert stderr_lines(r) == [
        "Error: database schema of 'notes' is version 2, newer than the code's 1: upgrade the code, never downgrade the database"]


def test_fresh_plugin_at_version_2_skips_steps(make_app):
    app = make_app(plugins=["notes"], extra_plugins=[notes_plugin(2)])
    with app.app_context():
        from zhurnal.core.migrations import current_versions
        assert current_versions()["notes"] == 2
        NoteV2.create(text="x", colour="blue")


def test_users_commands(make_app, cli):
    app = make_app()
    from zhurnal.core.identity.models import School, User
    with app.app_context():
        School.create(name="Школа № 1", short_name="Школа № 1")
    r = cli(app, "users", "create", "Ivanova", "Иванова Ирина Петровна", "--role", "teacher")
    assert r.exit_code == 0, r.output
    m = re.search(r"created ivanova \(teacher\); password: (\S+) \(must be changed at first login\)", r.output)
    assert m
    with app.app_context():
        u = User.get(User.login == "ivanova")
        assert u.must_change_password
        assert app.extensions["zhurnal"].passwords.verify(u.password_hash, m.group(1))
    r = cli(app, "users", "create", "ivanova", "Другая", "--role", "teacher")
    assert r.exit_code == 1 and "login 'ivanova' is already taken" in r.stderr
    r = cli(app, "users", "create", "root", "Админ", "--role", "admin", "--password", "correct-horse-9")
    assert r.exit_code == 0 and "must be changed" not in r.output
    r = cli(app, "users", "list")
    assert re.search(r"ivanova\s+active\s+teacher", r.output)
    assert re.search(r"root\s+active\s+admin", r.output)
    r = cli(app, "users", "lock", "ivanova")
    assert r.output.strip() == "ivanova: locked"
    assert re.search(r"ivanova\s+stopped:admin", cli(app, "users", "list").output)
    cli(app, "users", "unlock", "ivanova")
    assert re.search(r"ivanova\s+active", cli(app, "users", "list").output)
    r = cli(app, "users", "reset-password", "ivanova")
    assert re.search(r"ivanova: new password \S+ \(must be changed", r.output)
    r = cli(app, "users", "lock", "nobody")
    assert r.exit_code == 1 and r.stderr.strip() == "Error: no account with login 'nobody'"
    with app.app_context():
        from zhurnal.core import audit
        actions = [e.action for e in audit.AuditEntry.select().order_by(audit.AuditEntry.id)]
    assert actions.count("core.user.create") == 2
    assert {"core.account.lock", "core.account.unlock", "core.password.reset"} <= set(actions)


def test_every_command_has_help(make_app, cli):
    app = make_app(migrate=False)
    r = cli(app, "--help")
    names = {"init", "demo", "serve", "plugins", "users", "import", "export", "audit", "worker"}
    listed = set(re.findall(r"^  (\w+)\s", r.output, re.M))
    assert names <= listed, listed
    for name in names:
        r = cli(app, name, "--help")
        assert r.exit_code == 0 and "Usage:" in r.output, name
    for group, subs in {"users": ("create", "list", "lock", "unlock", "reset-password"),
                        "audit": ("verify", "list")}.items():
        listed = set(re.findall(r"^  ([\w-]+)\s", cli(app, group, "--help").output, re.M))
        assert set(subs) <= listed, (group, listed)
        for sub in subs:
            r = cli(app, group, sub, "--help")
            assert r.exit_code == 0 and f"Usage: main {group} {sub}" in r.output, (group, sub, r.output)
    for option in ("--host", "--port"):
        assert option in cli(app, "serve", "--help").output
    assert "--students" in cli(app, "demo", "--help").output
    assert "--dry-run" in cli(app, "import", "--help").output


def test_unknown_command_is_reported(make_app, cli, tmp_path, monkeypatch):
    app = make_app(migrate=False)
    runner_result = cli(app, "frobnicate")
    assert runner_result.exit_code == 2
    assert "No such command 'frobnicate'" in runner_result.stderr
    # when the plugin set cannot start, a plugin's command is not "unknown": the reason is given
    from click.testing import CliRunner
    from zhurnal.core.cli import main
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["frobnicate"], env={"ZHURNAL_PLUGINS": "nosuch"})
    assert r.exit_code == 1 and r.stderr.startswith("Error: unknown plugin 'nosuch'")
    r = CliRunner().invoke(main, ["--help"], env={"ZHURNAL_PLUGINS": "nosuch"})
    assert r.exit_code == 0 and "init" in r.output  # help still works


@pytest.mark.parametrize("env, expect", [
    ({"ZHURNAL_PLUGINS": "roster,nosuch"}, "Error: unknown plugin 'nosuch' (installed: "),
    ({"ZHURNAL_SECURITY_LOGIN_LOCK_AFTER": "often"}, "Error: invalid setting security.login_lock_after: Not a valid integer."),
])
def test_start_up_failure_is_one_line_on_stderr(tmp_path, env, expect):
    for args in (["init"], ["plugins"]):
        r = run_zhurnal(args, cwd=tmp_path, env=env)
        assert r.returncode == 1, (args, r.stdout, r.stderr)
        lines = stderr_lines(r)
        assert len(lines) == 1 and lines[0].startswith(expect), (args, r.stderr)
        assert "Traceback" not in r.stdout


def test_real_init_demo_and_plugins(tmp_path):
    """The real console script on a fresh SQLite file: init twice, demo, plugins."""
    env = {"ZHURNAL_DATABASE_URL": f"sqlite:///{tmp_path / 'z.db'}", "ZHURNAL_PLUGINS": "roster",
           "ZHURNAL_SECURITY_ARGON2_TIME_COST": "1", "ZHURNAL_SECURITY_ARGON2_MEMORY_COST": "8",
           "ZHURNAL_SECURITY_ARGON2_PARALLELISM": "1",
           "ZHURNAL_TODAY": "2026-11-26"}
    r = run_zhurnal(["init"], cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    assert "core: schema 0 -> 5" in r.stdout and re.search(r"^roster: schema 0 -> \d+$", r.stdout, re.M)
    r = run_zhurnal(["init"], cwd=tmp_path, env=env)
    assert re.search(r"^roster: schema \d+ \(up to date\)$", r.stdout, re.M)
    r = run_zhurnal(["demo", "--students", "5"], cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    assert "Demo school «МБОУ СОШ № 17» is ready, data up to 26.11.2026." in r.stdout
    assert re.search(r"roster: year 2026/2027, classes 5А, 5Б, 6А, 6Б, 20 students,", r.stdout), r.stdout
    for name in ("admin", "director", "deputy", "nurse", "teacher", "klass5a", "parent1", "parent2", "student1"):
        assert re.search(rf"^  {name}\s", r.stdout, re.M), name
    assert "Logins (password demo12345 for all):" in r.stdout
    r = run_zhurnal(["demo"], cwd=tmp_path, env=env)
    assert r.returncode == 1 and stderr_lines(r) == [
        "Error: the database already holds a school; use --reset or another database"]
    r = run_zhurnal(["plugins"], cwd=tmp_path, env=env)
    assert r.returncode == 0
    assert re.search(r"^enabled\s+roster\s+", r.stdout, re.M)
    assert (tmp_path / "z.db.secret").exists()  # sessions survive restarts without a configured key


def test_serve_on_the_given_host_and_port(tmp_path):
    """``zhurnal serve --host H --port P`` answers there: the health check and a demo login."""
    import json
    import socket
    import subprocess
    import time
    import urllib.request
    from zhurnal.core import demo
    from tests.conftest import TODAY, build_app, _close_app
    url = f"sqlite:///{tmp_path / 's.db'}"
    app = build_app(url, ["roster"])
    with app.app_context():
        demo.seed(students_per_class=5, today=TODAY)
    _close_app(app)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    from tests.core.conftest import clean_env, zhurnal_executable
    env = clean_env(ZHURNAL_DATABASE_URL=url, ZHURNAL_PLUGINS="roster", ZHURNAL_SECRET_KEY="s" * 32,
                    ZHURNAL_QUEUE_URL="memory")
    proc = subprocess.Popen(zhurnal_executable() + ["serve", "--host", "127.0.0.1", "--port", str(port)],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as r:
                    assert json.load(r) == {"status": "ok"}
                break
            except OSError:
                if proc.poll() is not None:
                    raise AssertionError(proc.stderr.read())
                time.sleep(0.1)
        else:
            raise AssertionError("zhurnal serve did not answer")
        req = urllib.request.Request(f"{base}/api/v1/auth/login", method="POST",
                                     data=json.dumps({"login": "parent1", "password": "demo12345"}).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            assert r.status == 200 and json.load(r)["login"] == "parent1"
    finally:
        proc.terminate()
        out, _err = proc.communicate(timeout=10)
    assert f"Zhurnal is at http://127.0.0.1:{port}/" in out
