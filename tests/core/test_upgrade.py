"""Upgrades keep every row: a database made by an earlier release is migrated to the current schema.

Each fixture in ``tests/fixtures/upgrade/`` is a demo school (``zhurnal demo --students 8``) built by the
code of an earlier schema version, kept gzipped with its schema versions and row counts. A new fixture is
added whenever a release changes a schema; the old ones stay, so every earlier version is upgraded.
"""
from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import BUILTIN_PLUGINS, PG_URL, _close_app, build_app, login

FIXTURES = sorted((Path(__file__).parent.parent / "fixtures" / "upgrade").glob("*.sqlite.gz"))
#: tables whose rows an upgrade may add to (never remove from)
MAY_GROW = {"core_audit", "core_audit_head", "core_schema"}

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="the upgrade fixtures are SQLite files")


@pytest.fixture(params=FIXTURES, ids=[p.name.split(".")[0] for p in FIXTURES])
def upgraded(request, tmp_path):
    src = request.param
    meta = json.loads(src.with_name(src.name.replace(".sqlite.gz", ".json")).read_text())
    path = tmp_path / "old.db"
    with gzip.open(src, "rb") as f, open(path, "wb") as out:
        shutil.copyfileobj(f, out)
    app = build_app(f"sqlite:///{path}", BUILTIN_PLUGINS, migrate=True)
    yield app, meta, path
    _close_app(app)


def test_there_is_an_upgrade_fixture():
    assert FIXTURES, "tests/fixtures/upgrade/ must hold the databases of earlier schema versions"


def test_every_row_survives_the_upgrade(upgraded):
    import sqlite3
    app, meta, path = upgraded
    from zhurnal.core import migrations
    with app.app_context():
        versions = {r.plugin: r.version for r in migrations.SchemaVersion.select()}
    for plugin, old in meta["schema_versions"].items():
        assert versions.get(plugin, 0) >= old, plugin
    conn = sqlite3.connect(path)
    try:
        for table, n in meta["row_counts"].items():
            now = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            if table in MAY_GROW:
                assert now >= n, table
            else:
                assert now == n, f"{table}: {n} rows before the upgrade, {now} after"
    finally:
        conn.close()


def test_the_upgraded_school_works_and_its_audit_is_intact(upgraded):
    app, meta, _path = upgraded
    from zhurnal.core import audit
    with app.app_context():
        assert audit.verify() == []
    parent = login(app, "parent1")
    me = parent.get("/api/v1/me")
    assert me.status_code == 200
    teacher = login(app, "teacher")
    assert teacher.get("/api/v1/me").status_code == 200


def test_the_upgraded_audit_is_indexed_by_object(upgraded):
    """core schema 5: who read a person's records is found through ``(object_type, object_id)``."""
    app, _meta, _path = upgraded
    from zhurnal.core import db, migrations
    with app.app_context():
        by_object = [i.name for i in db.database.get_indexes("core_audit") if i.columns == ["object_type", "object_id"]]
        assert by_object == ["core_audit_object_type_object_id"]
        assert migrations.current_versions()["core"] == 5


def test_upgrading_twice_changes_nothing(upgraded):
    app, _meta, path = upgraded
    from zhurnal.core.cli import migrate_all
    lines = []
    with app.app_context():
        migrate_all(app, echo=lines.append)
    assert lines and all("up to date" in line for line in lines), lines
