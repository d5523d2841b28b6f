"""The example plugin shipped as its own distribution (examples/zhurnal-hello-plugin): pip-installed
into a throw-away target directory, discovered through its entry point, enabled, used, switched off."""
from __future__ import annotations

import importlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TODAY, login
from tests.core.conftest import run_zhurnal, stderr_lines

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "zhurnal-hello-plugin"


@pytest.fixture(scope="module")
def hello_site(tmp_path_factory):
    """``pip install`` the example (no deps, no index, no build isolation) into a target directory.

    Nothing is installed into the interpreter itself, so other test runs never see it; the
    source is copied first so that the build leaves nothing in the repository.
    """
    tmp = tmp_path_factory.mktemp("hello")
    src, site = tmp / "src", tmp / "site"
    shutil.copytree(EXAMPLE, src, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    cmd = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--no-build-isolation",
           "--disable-pip-version-check", "--target", str(site), str(src)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"pip install of the example failed (needs setuptools and wheel):\n{r.stderr}"
    assert (site / "zhurnal_hello" / "templates" / "hello" / "index.html").exists()
    assert (site / "zhurnal_hello" / "translations" / "ru" / "LC_MESSAGES" / "messages.mo").exists()
    return site


@pytest.fixture
def hello_on_path(hello_site):
    """The installed example importable in this process, for this test only."""
    sys.path.insert(0, str(hello_site))
    importlib.invalidate_caches()
    yield hello_site
    sys.path.remove(str(hello_site))
    for mod in [m for m in sys.modules if m == "zhurnal_hello" or m.startswith("zhurnal_hello.")]:
        del sys.modules[mod]
    importlib.invalidate_caches()


def test_discovered_listed_and_not_enabled_by_default(hello_site, tmp_path):
    env = {"PYTHONPATH": str(hello_site)}
    r = run_zhurnal(["plugins"], cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    assert re.search(r"^disabled hello\s+1\.0\s+depends: roster\s+\(zhurnal-hello-plugin\)$", r.stdout, re.M), r.stdout
    r = run_zhurnal(["plugins"], cwd=tmp_path, env={**env, "ZHURNAL_PLUGINS": "roster,hello"})
    assert r.returncode == 0 and re.search(r"^enabled  hello\s", r.stdout, re.M)


def test_enabling_without_roster_stops_start_up_with_one_line(hello_site, tmp_path):
    env = {"PYTHONPATH": str(hello_site), "ZHURNAL_PLUGINS": "hello"}
    for args in (["plugins"], ["init"]):
        r = run_zhurnal(args, cwd=tmp_path, env=env)
        assert r.returncode != 0, args
        assert stderr_lines(r) == ["Error: plugin 'hello' depends on 'roster', which is not enabled"], (args, r.stderr)


def test_cli_command_of_the_plugin(hello_site, make_app, tmp_path):
    app = make_app(plugins=["roster"])  # a demo school to count, seeded here: quicker than `zhurnal demo`
    from zhurnal.core import demo
    with app.app_context():
        demo.seed(students_per_class=5, today=TODAY)
    env = {"PYTHONPATH": str(hello_site), "ZHURNAL_PLUGINS": "roster,hello", "ZHURNAL_TODAY": TODAY.isoformat(),
           "ZHURNAL_DATABASE_URL": app.extensions["zhurnal"].settings.database_url,
           "ZHURNAL_SECRET_KEY": "h" * 32, "ZHURNAL_QUEUE_URL": "memory"}
    r = run_zhurnal(["--help"], cwd=tmp_path, env=env)
    assert re.search(r"^  hello\s+Greet from the hello plugin", r.stdout, re.M), r.stdout
    r = run_zhurnal(["hello"], cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == "Hello from the hello plugin!"
    assert re.search(r"^МБОУ СОШ № 17: [1-9]\d* classes$", r.stdout, re.M), r.stdout
    # loaded without it: the command does not exist
    r = run_zhurnal(["hello"], cwd=tmp_path, env={**env, "ZHURNAL_PLUGINS": "roster"})
    assert r.returncode == 2 and "No such command 'hello'" in r.stderr


def test_page_permission_nav_and_per_school_switch(hello_on_path, make_app, cli):
    from zhurnal.core.plugins import discover
    assert discover()["hello"][0].dist.name == "zhurnal-hello-plugin"
    app = make_app(plugins=["roster", "hello"])  # found through its entry point, like any installed plugin
    info = app.extensions["zhurnal"].plugins.infos["hello"]
    assert info.distribution == "zhurnal-hello-plugin" and info.depends == ("roster",)
    perm = app.extensions["zhurnal"].access.permissions["hello.greet"]
    assert perm.roles == ("teacher",)
    from zhurnal.core import demo
    from zhurnal.plugins.roster import service as roster
    with app.app_context():
        ctx = demo.seed(students_per_class=5, today=TODAY)
        n = len(roster.classes(ctx.school, roster.current_year(ctx.school, TODAY)))
        school_id = ctx.school.id
        from zhurnal.core.identity.models import User
        teacher_name = User.get(User.login == "teacher").display_name
    assert n > 0

    teacher = login(app, "teacher")
    r = teacher.get("/hello/")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert f"Привет, {teacher_name}" in html
    assert re.search(rf"\b{n} класс(а|ов)? в МБОУ СОШ № 17", html), html
    assert 'href="/hello/"' in html  # its menu item
    assert "Hi, " in teacher.get("/hello/?lang=en").get_data(as_text=True)
    parent = login(app, "parent1")
    assert parent.get("/hello/").status_code == 403
    assert 'href="/hello/"' not in parent.get("/account").get_data(as_text=True)

    r = cli(app, "hello")
    assert r.exit_code == 0 and f"МБОУ СОШ № 17: {n} classes" in r.output

    admin = login(app, "admin")
    assert admin.put(f"/api/v1/schools/{school_id}/plugins/hello", json={"enabled": False}).status_code == 200
    teacher.get("/hello/?lang=ru")
    assert teacher.get("/hello/").status_code == 404
    assert 'href="/hello/"' not in teacher.get("/account").get_data(as_text=True)
    assert admin.put(f"/api/v1/schools/{school_id}/plugins/hello", json={"enabled": True}).status_code == 200
    assert teacher.get("/hello/").status_code == 200


def test_example_translations_are_complete_and_compiled():
    from zhurnal.core import i18n
    assert i18n.check(EXAMPLE / "zhurnal_hello") == []


def test_the_plugins_own_settings_are_checked_at_start_up(hello_on_path, tmp_path):
    """``[plugins.hello]`` is validated by the plugin's marshmallow schema; a bad value is one line."""
    from zhurnal.core.app import create_app
    from zhurnal.core.config import ConfigError, load_settings
    from tests.conftest import base_settings

    def app_with(hello: dict):
        st = load_settings(base_settings(database_url=f"sqlite:///{tmp_path / 'h.db'}",
                                         plugins={"enabled": ["roster", "hello"], "hello": hello}), env={})
        return create_app(settings=st)

    app = app_with({"motto": "Учиться, учиться и учиться"})
    try:
        assert app.extensions["zhurnal"].plugins.infos["hello"].settings == {"motto": "Учиться, учиться и учиться"}
        from zhurnal.core import demo
        from zhurnal.core.cli import migrate_all
        with app.app_context():
            migrate_all(app, echo=lambda *a: None)
            demo.seed(students_per_class=5, today=TODAY)
        html = login(app, "teacher").get("/hello/").get_data(as_text=True)
        assert '<p class="hello-motto">Учиться, учиться и учиться</p>' in html
    finally:
        from tests.conftest import _close_app
        _close_app(app)
    with pytest.raises(ConfigError) as e:
        app_with({"motto": 42})
    assert str(e.value) == "invalid setting plugins.hello.motto: Not a valid string."
    with pytest.raises(ConfigError) as e:
        app_with({"colour": "red"})
    assert str(e.value) == "invalid setting plugins.hello.colour: Unknown field."
    r = run_zhurnal(["plugins"], cwd=tmp_path, env={"PYTHONPATH": str(hello_on_path)})
    assert r.returncode == 0  # listing does not need the settings
