"""Role x endpoint: every endpoint of the app is listed, and each listed call is
allowed exactly for the logins its case names. See :mod:`tests.access`."""
from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

from tests.access import PUBLIC_ENDPOINTS, Case, demo_ids
from tests.conftest import login


def all_cases() -> list[Case]:
    cases = list(importlib.import_module("tests.core.access_table").CASES)
    root = Path(__file__).parent / "plugins"
    for mod in pkgutil.iter_modules([str(root)]):
        if (root / mod.name / "access_table.py").exists():
            cases += importlib.import_module(f"tests.plugins.{mod.name}.access_table").CASES
    return cases


CASES = all_cases()


def test_every_endpoint_has_a_case(demo_app):
    covered = {c.endpoint for c in CASES}
    missing = sorted({r.endpoint for r in demo_app.url_map.iter_rules()} - covered - PUBLIC_ENDPOINTS)
    assert not missing, f"endpoints without an access case: {missing}"


def test_cases_name_real_endpoints(demo_app):
    names = {r.endpoint for r in demo_app.url_map.iter_rules()}
    assert not [c.endpoint for c in CASES if c.endpoint not in names]


def _call(client, case: Case, ids: dict):
    path = case.path.format(**ids)
    kw = {}
    body = case.json(ids) if callable(case.json) else case.json
    if body is not None:
        kw["json"] = body
    if case.data is not None:
        kw["data"] = {k: (v.format(**ids) if isinstance(v, str) else v) for k, v in case.data.items()}
    return client.open(path, method=case.method, **kw)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.endpoint}")
def test_access(demo_app, case: Case):
    demo_app.config["WTF_CSRF_ENABLED"] = False
    base = demo_ids(demo_app)
    is_api = case.path.startswith("/api/")
    # anonymous
    ids = dict(base, **(case.setup(demo_app, None) or {})) if case.setup else base
    r = _call(demo_app.test_client(), case, ids)
    assert r.status_code in ((401,) if is_api else (302, 401)), f"anonymous got {r.status_code}"
    failures = []
    for name in case.logins:
        ids = dict(base, **(case.setup(demo_app, name) or {})) if case.setup else base
        r = _call(login(demo_app, name), case, ids)
        allowed = name in case.allow
        if allowed:
            good = r.status_code < 400 or r.status_code in case.ok or r.status_code in (409, 422)
        else:
            good = r.status_code in (403, 404)
        if not good:
            failures.append(f"{name}: expected {'allowed' if allowed else 'denied'}, got {r.status_code} "
                            f"{r.get_data(as_text=True)[:200]!r}")
    assert not failures, "\n".join(failures)
