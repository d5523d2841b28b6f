"""Backups and restores: made while teachers write, checked member by member, restored into an empty
database (SQLite, or PostgreSQL with pg_dump/pg_restore when the suite runs on PostgreSQL)."""
from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import tarfile
import threading
from pathlib import Path

import pytest

from zhurnal.core import backup
from tests.conftest import BUILTIN_PLUGINS, PG_URL, _close_app, build_app, login
from tests.plugins.journal.helpers import journal_ids


def _settings(app):
    return app.extensions["zhurnal"].settings


def _known(app):
    from zhurnal.core.migrations import known_versions
    return known_versions(app)


def _counts(app) -> dict:
    from zhurnal.core import db
    from zhurnal.core.audit import AuditEntry
    from zhurnal.plugins.journal.models import Attendance, Mark
    from zhurnal.plugins.roster.models import Guardian, Student
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        return {m.__name__: m.select().count() for m in (Mark, Attendance, Student, Guardian, AuditEntry)}


@pytest.fixture
def empty_target(databases, tmp_path):
    """Settings of an empty deployment to restore into; the restored app is closed afterwards."""
    made = []

    def factory():
        url = databases.new_url()
        app = build_app(url, BUILTIN_PLUGINS, migrate=False, data_dir=str(tmp_path / f"files{len(made)}"))
        made.append((app, url))
        return app
    yield factory
    for app, url in made:
        _close_app(app)
        databases.drop(url)


def test_backup_during_writes_restores_every_acknowledged_mark(demo_app, empty_target, tmp_path):
    ids = journal_ids(demo_app)
    teacher = login(demo_app, "teacher")
    data_dir = Path(_settings(demo_app).data_dir)
    (data_dir / "paper_export").mkdir(parents=True)
    (data_dir / "paper_export" / "выписка.pdf").write_bytes(b"%PDF-1.7 example")
    acknowledged: list[int] = []
    stop = threading.Event()

    def writer():
        while not stop.is_set():
            r = teacher.post("/api/v1/marks", json={"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a"],
                                                    "value": "4", "kind": "homework"})
            assert r.status_code == 201, r.get_json()
            acknowledged.append(r.get_json()["id"])

    t = threading.Thread(target=writer)
    t.start()
    try:
        while len(acknowledged) < 5:
            stop.wait(0.01)
        before = list(acknowledged)  # acknowledged before the backup started
        with demo_app.app_context():
            info = backup.make_backup(_settings(demo_app), tmp_path / "b")
    finally:
        stop.set()
        t.join(30)
    assert info.path.name.startswith("zhurnal-") and info.path.suffixes[-2:] == [".tar", ".gz"]
    target = empty_target()
    backup.restore(_settings(target), info.path, _known(target))
    from zhurnal.core import audit, db
    from zhurnal.plugins.journal.models import Mark
    with target.app_context():
        db.database.connect(reuse_if_open=True)
        present = {m.id for m in Mark.select(Mark.id).where(Mark.id.in_(before))}
        assert present == set(before)
        assert audit.verify() == []
    restored = Path(_settings(target).data_dir) / "paper_export" / "выписка.pdf"
    assert restored.read_bytes() == b"%PDF-1.7 example"
    assert login(target, "parent1").get("/api/v1/me").status_code == 200


def test_restore_reproduces_the_school(demo_app, empty_target, tmp_path):
    with demo_app.app_context():
        info = backup.make_backup(_settings(demo_app), tmp_path / "one.tar.gz")
    assert backup.check(info.path)["database"] == ("postgresql" if PG_URL else "sqlite")
    source = _counts(demo_app)  # read now: building another app points the models at its database
    target = empty_target()
    manifest = backup.restore(_settings(target), info.path, _known(target))
    assert manifest["schema_versions"] == info.schema_versions
    assert _counts(target) == source and source["Mark"] > 100


def _rewrite(path: Path, change) -> None:
    """Repack a backup with ``change(name, bytes) -> bytes`` applied, keeping the old manifest."""
    with tarfile.open(path, "r:gz") as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
    with tarfile.open(path, "w:gz") as tar:
        for m, data in members:
            data = change(m.name, data)
            m.size = len(data)
            tar.addfile(m, io.BytesIO(data))


def test_damaged_and_mismatched_backups_are_refused_and_change_nothing(demo_app, empty_target, tmp_path):
    with demo_app.app_context():
        info = backup.make_backup(_settings(demo_app), tmp_path / "ok.tar.gz")
    raw = info.path.read_bytes()

    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(raw[: len(raw) // 2])
    altered = tmp_path / "altered.tar.gz"
    altered.write_bytes(raw)
    db_member = "database.pgdump" if PG_URL else "database.sqlite3"
    _rewrite(altered, lambda name, data: data[:-1] + bytes([data[-1] ^ 1]) if name == db_member else data)
    newer = tmp_path / "newer.tar.gz"
    newer.write_bytes(raw)

    def bump(name, data):
        if name != "manifest.json":
            return data
        m = json.loads(data)
        m["schema_versions"]["core"] += 1
        return json.dumps(m).encode()
    _rewrite(newer, bump)
    garbage = tmp_path / "garbage.tar.gz"
    garbage.write_bytes(gzip.compress(b"not a tar"))

    target = empty_target()
    cases = {truncated: "damaged", altered: "does not match its checksum", newer: "newer Zhurnal",
             garbage: "not a readable Zhurnal backup", tmp_path / "missing.tar.gz": "no such file"}
    for path, words in cases.items():
        with pytest.raises(backup.BackupError) as e:
            backup.restore(_settings(target), path, _known(target))
        assert words in str(e.value) and "\n" not in str(e.value), (path.name, str(e.value))
    assert _counts_or_empty(target)

    # a database that holds data is never overwritten
    with pytest.raises(backup.BackupError, match="not empty"):
        backup.restore(_settings(demo_app), info.path, _known(demo_app))


def _counts_or_empty(app) -> bool:
    """The target is still empty: no table was created by a refused restore."""
    url = _settings(app).database_url
    if url.startswith("sqlite"):
        return backup._sqlite_is_empty(backup._sqlite_path(url))
    return backup._postgres_is_empty(url)


def test_cli_backup_check_and_restore_one_line_errors(demo_app, cli, tmp_path):
    r = cli(demo_app, "backup", str(tmp_path / "cli.tar.gz"))
    assert r.exit_code == 0 and "backup written" in r.output, r.output
    assert "backup intact" in cli(demo_app, "backup-check", str(tmp_path / "cli.tar.gz")).output
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(b"\x1f\x8b broken")
    r = cli(demo_app, "backup-check", str(bad))
    assert r.exit_code != 0 and len(r.output.strip().splitlines()) == 1
    r = cli(demo_app, "restore", str(tmp_path / "cli.tar.gz"))
    assert r.exit_code != 0 and "not empty" in r.output


def test_nightly_job_prunes_old_backups_and_the_admin_sees_the_status(demo_app, tmp_path):
    settings = _settings(demo_app)
    d = Path(settings.backup_dir)
    admin = login(demo_app, "admin")
    page = admin.get("/").get_data(as_text=True)
    assert "No backup yet" in page or "Резервн" in page
    from zhurnal.core.queue import backup_job
    with demo_app.app_context():
        first = Path(backup_job.call_local())
    # pretend the first one is 20 days old: rewrite its manifest date
    old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=20)

    def age(name, data):
        if name != "manifest.json":
            return data
        m = json.loads(data)
        m["created_at"] = old.isoformat()
        return json.dumps(m).encode()
    _rewrite(first, age)
    stale = backup.status(settings)
    assert stale["stale"] and stale["last"].path == first  # the only one, and too old: the admin is warned
    with demo_app.app_context():
        second = Path(backup_job.call_local())
    assert second.exists() and not first.exists() and [b.path for b in backup.list_backups(d)] == [second]
    assert not backup.status(settings)["stale"]
