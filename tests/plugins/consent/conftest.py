"""Fixtures of the consent tests.

* ``cids`` — demo ids (``tests.access.demo_ids``) plus the guardians the tests talk
  about: ``guardian_parent2``, a 5А guardian who refused (``guardian_refused``) and
  one with nothing registered (``guardian_none``), ids of demo users.
* ``relaxed_app`` — the demo with ``[plugins.consent] web_requires_consent = false``.
"""
from __future__ import annotations

import pytest

from tests.access import demo_ids
from tests.conftest import BUILTIN_PLUGINS, _close_app, base_settings


@pytest.fixture
def cids(demo_app):
    demo_app.config["WTF_CSRF_ENABLED"] = False
    return ids_of(demo_app)


def ids_of(app) -> dict:
    from zhurnal.core.identity.models import User
    from zhurnal.plugins.consent import service
    from zhurnal.plugins.roster.models import Guardian
    ids = demo_ids(app)
    with app.app_context():
        rows = service.class_overview(ids["class_5a"])
        ids["guardian_parent2"] = Guardian.get(Guardian.user == User.get(User.login == "parent2").id).id
        ids["guardian_refused"] = next(r["guardian_id"] for r in rows if r["status"] == "refused")
        ids["guardian_none"] = next(r["guardian_id"] for r in rows if r["status"] == "none")
        ids["child_none"] = next(r["student_ids"][0] for r in rows if r["guardian_id"] == ids["guardian_none"])
        for login in ("parent1", "parent2", "student1", "klass5a", "admin", "director", "teacher"):
            ids[f"user_{login}"] = User.get(User.login == login).id
    return ids


@pytest.fixture
def relaxed_app(databases, demo_template):
    """A copy of the demo whose school relaxed the web part of consent."""
    from zhurnal.core.app import create_app
    from zhurnal.core.config import load_settings
    template, _info = demo_template
    url = databases.new_url(template=template)
    st = load_settings(base_settings(database_url=url, plugins={
        "enabled": BUILTIN_PLUGINS, "consent": {"web_requires_consent": False}}), env={})
    app = create_app(settings=st)
    app.config["DATABASE_URL"] = url
    app.config["WTF_CSRF_ENABLED"] = False
    yield app
    _close_app(app)
    databases.drop(url)


def register(app, guardian_id: int, status: str, day, number: str = "T-1", student_ids=None, by_login="klass5a"):
    """Register a paper through the service, as ``by_login``."""
    from zhurnal.core.identity.models import User
    from zhurnal.plugins.consent import service
    from zhurnal.plugins.roster.models import Guardian
    with app.test_request_context("/"):
        by = User.get(User.login == by_login)
        return [r.id for r in service.register(Guardian.get_by_id(guardian_id), status, day, number,
                                               student_ids=student_ids, by=by, via="api")]
