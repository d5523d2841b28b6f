"""The example vendor channel (examples/zhurnal-pager-channel), pip-installed like any third-party
distribution, enabled by name, configured from the environment, and delivering a new mark through the
kernel's outbox and worker into a real local HTTP server."""
from __future__ import annotations

import importlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from zhurnal.core.identity.models import User
from zhurnal.core.notify import prefs
from zhurnal.core.notify.models import CANCELLED, FAILED, QUEUED, SENT, Delivery
from zhurnal.core.notify.worker import deliver_due
from zhurnal.plugins.journal import service as journal
from zhurnal.plugins.journal.models import Lesson
from zhurnal.plugins.roster.models import Guardian, Student
from tests.channels import ChannelApps, consent_plugin
from tests.core.conftest import run_zhurnal
from tests.httpserver import LocalHTTPServer
from tests.plugins.journal.helpers import journal_ids

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "zhurnal-pager-channel"


@pytest.fixture(scope="module")
def pager_site(tmp_path_factory):
    """``pip install`` the example (no deps, no index, no build isolation) into a target directory."""
    tmp = tmp_path_factory.mktemp("pager")
    src, site = tmp / "src", tmp / "site"
    shutil.copytree(EXAMPLE, src, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    cmd = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--no-build-isolation",
           "--disable-pip-version-check", "--target", str(site), str(src)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"pip install of the example failed:\n{r.stderr}"
    assert (site / "zhurnal_pager" / "channel.py").exists()
    assert (site / "zhurnal_pager" / "translations" / "ru" / "LC_MESSAGES" / "messages.mo").exists()
    return site


@pytest.fixture
def pager_on_path(pager_site):
    sys.path.insert(0, str(pager_site))
    importlib.invalidate_caches()
    yield pager_site
    sys.path.remove(str(pager_site))
    for mod in [m for m in sys.modules if m == "zhurnal_pager" or m.startswith("zhurnal_pager.")]:
        del sys.modules[mod]
    importlib.invalidate_caches()


@pytest.fixture
def pager_gateway():
    with LocalHTTPServer(lambda req: (201, {"page_id": "pg-1"})) as srv:
        yield srv


@pytest.fixture
def apps(databases, demo_template):
    made = ChannelApps(databases, demo_template)
    yield made
    made.close()


def _app(apps, gateway, granted, **settings):
    return apps({"ZHURNAL_PAGER__URL": gateway.url + "/pages", "ZHURNAL_PAGER__TOKEN": "pager-secret"},
                also=["pager"], extra_plugins=[consent_plugin(granted)], **settings)


def _setup(app):
    ids = journal_ids(app)
    people = {}
    with app.app_context():
        for login, phone in (("parent1", "8 (912) 345-67-89"), ("parent2", "+7 903 111-22-33")):
            u = User.get(User.login == login)
            Guardian.update(phone=phone).where(Guardian.user == u.id).execute()
            prefs.save(u, {"mark": {"pager": "instant", "email": "off"}})
            people[login] = u.id
    return ids, people


def _mark(app, ids, student="student1", value="5"):
    with app.app_context():
        journal.add_mark(Lesson.get_by_id(ids["lesson_math_5a"]), Student.get_by_id(ids[student]), value, "answer",
                         by=User.get(User.login == "teacher"))


def _deliver(app):
    with app.app_context():
        return deliver_due()


def _rows(app, user_id):
    with app.app_context():
        return [(r.status, r.last_error) for r in Delivery.select().where((Delivery.user == user_id)
                                                                         & (Delivery.channel == "pager"))]


def test_installed_listed_and_opt_in(pager_site, tmp_path):
    r = run_zhurnal(["plugins"], cwd=tmp_path, env={"PYTHONPATH": str(pager_site)})
    assert r.returncode == 0, r.stderr
    assert re.search(r"^disabled pager\s+1\.0\s.*\(zhurnal-pager-channel\)$", r.stdout, re.M), r.stdout


def test_a_new_mark_reaches_the_pager_gateway_only_with_consent(pager_on_path, apps, pager_gateway):
    app = _app(apps, pager_gateway, granted := set())
    info = app.extensions["zhurnal"].plugins.infos["pager"]
    assert info.distribution == "zhurnal-pager-channel"
    assert info.settings == {"url": pager_gateway.url + "/pages", "token": "pager-secret", "timeout": 10.0}
    ids, people = _setup(app)
    granted.add(people["parent1"])
    _mark(app, ids, "student1", "5")
    _mark(app, ids, "parent2_child", "4")  # parent2 has no consent
    stats = _deliver(app)
    assert stats["sent"] == 1
    [req] = pager_gateway.to("/pages")
    with app.app_context():
        s = Student.get_by_id(ids["student1"])
        key = Delivery.get(Delivery.user == people["parent1"]).idempotency_key
    assert req.header("Authorization") == "Bearer pager-secret" and req.header("Idempotency-Key") == key
    assert req.json() == {"to": "+79123456789", "text": f"{s.first_name} {s.last_name}: 5, Математика, 26.11.2026",
                          "key": key}
    assert _rows(app, people["parent1"]) == [(SENT, "")]
    assert _rows(app, people["parent2"]) == [(CANCELLED, "no consent registered for electronic delivery")]


def test_outage_retried_and_an_unknown_pager_failed_for_good(pager_on_path, apps, pager_gateway):
    app = _app(apps, pager_gateway, granted := set(), notify={"retry_seconds": 1})
    ids, people = _setup(app)
    granted.update(people.values())

    def answer(req):
        if req.json()["to"] == "+79031112233":
            return 404, {"error": "no such pager"}
        return 503, "down for maintenance"
    pager_gateway.answer = answer
    _mark(app, ids, "student1")
    _mark(app, ids, "parent2_child")
    stats = _deliver(app)
    assert stats["queued"] == 1 and stats["failed"] == 1
    assert _rows(app, people["parent1"]) == [(QUEUED, "pager gateway answered 503")]
    [(status, error)] = _rows(app, people["parent2"])
    assert status == FAILED and error.startswith("pager gateway refused +79031112233: 404")
    pager_gateway.answer = lambda req: (200, {"page_id": "pg-2"})
    import time
    time.sleep(1.1)
    assert _deliver(app)["sent"] == 1
    with app.app_context():
        assert Delivery.get(Delivery.user == people["parent1"]).provider_id == "pg-2"
    assert len(pager_gateway.requests) == 3


def test_a_bad_pager_setting_stops_start_up_in_one_line(pager_site, tmp_path):
    from tests.core.conftest import stderr_lines
    env = {"PYTHONPATH": str(pager_site), "ZHURNAL_PLUGINS": "roster,pager", "ZHURNAL_PAGER__TIMEOUT": "forever",
           "ZHURNAL_DATABASE_URL": f"sqlite:///{tmp_path / 'z.db'}"}
    r = run_zhurnal(["init"], cwd=tmp_path, env=env)
    assert r.returncode != 0
    assert stderr_lines(r) == ["Error: invalid setting ZHURNAL_PAGER__TIMEOUT: Not a valid number."]


def test_the_channel_is_offered_on_the_preferences_page_in_russian(pager_on_path, apps, pager_gateway):
    from tests.conftest import login
    app = _app(apps, pager_gateway, set())
    _setup(app)
    html = login(app, "parent1").get("/notifications/preferences").get_data(as_text=True)
    assert "<dt>Пейджер</dt><dd>+79123456789" in html, html  # the kernel normalises phone addresses
    assert '<select name="mark:pager" aria-label="Новые оценки, Пейджер">' in html


def test_example_translations_are_complete_and_compiled():
    from zhurnal.core import i18n
    assert i18n.check(EXAMPLE / "zhurnal_pager") == []
