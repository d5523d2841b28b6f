"""Backups of a whole deployment: the database and the files plugins keep, in one checked archive.

A backup is a ``.tar.gz`` holding

* ``manifest.json`` — format, when, the database kind, every plugin's schema version and the
  SHA-256 and size of every other member;
* ``database.sqlite3`` (a copy made by SQLite's online backup API: one consistent snapshot taken
  while the site keeps writing) or ``database.pgdump`` (``pg_dump --format=custom``, which reads
  one snapshot too);
* ``files/...`` — the deployment's ``data_dir`` (generated documents, uploads).

Secrets are not in it: the secret key (sessions, the audit's key) is kept apart, as the runbook
says, so a stolen backup cannot forge sessions or audit entries.

:func:`restore` brings a backup back into an *empty* database of the same kind and refuses, with
one line, a damaged archive (any checksum or member wrong), one made by a newer Zhurnal, or a target
that already holds data. The nightly :func:`backup_job` writes into ``backup_dir`` and keeps
``backup_keep_days`` days (never deleting the newest good backup).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

FORMAT = "zhurnal-backup"
FORMAT_VERSION = 1
NAME_PREFIX = "zhurnal-"
NAME_SUFFIX = ".tar.gz"
#: the admin is warned when the newest good backup is older than this
STALE_AFTER = dt.timedelta(days=2)


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is one line for the operator."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    created_at: dt.datetime
    database: str
    size: int
    schema_versions: dict


# --- making -------------------------------------------------------------------------------------

def _sqlite_path(url: str) -> Path:
    return Path(url[len("sqlite:///"):] or "zhurnal.db")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _dump_sqlite(url: str, out: Path) -> dict:
    src = sqlite3.connect(_sqlite_path(url), timeout=30)
    dst = sqlite3.connect(out)
    try:
        src.backup(dst)  # one step: a single read snapshot, writers go on meanwhile (WAL)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        ok = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if ok != "ok":
            raise BackupError(f"the copy of the database failed SQLite's integrity check: {ok}")
        return dict(dst.execute("SELECT plugin, version FROM core_schema").fetchall())
    finally:
        dst.close()
        src.close()


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return found


def _dump_postgres(url: str, out: Path) -> dict:
    r = subprocess.run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                        "--file", str(out), "--dbname", url], capture_output=True, text=True)
    if r.returncode:
        raise BackupError("pg_dump failed: " + (r.stderr.strip().splitlines() or ["?"])[-1])
    import psycopg2
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT plugin, version FROM core_schema")
            return dict(cur.fetchall())
    finally:
        conn.close()


def make_backup(settings, target: str | os.PathLike) -> BackupInfo:
    """Write a backup of the deployment described by ``settings`` to ``target``.

    ``target`` is a file name ending in ``.tar.gz``, or else a folder (made if missing) where a file
    ``zhurnal-YYYYMMDD-HHMMSS.tar.gz`` is made. The archive is written beside the target and renamed into place when complete.
    """
    target = Path(target)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    if target.is_dir() or not target.name.endswith(NAME_SUFFIX):  # a folder (made if missing)
        stem, n = f"{NAME_PREFIX}{now:%Y%m%d-%H%M%S}", 1
        target = target / f"{stem}{NAME_SUFFIX}"
        while target.exists():  # two backups within a second
            n += 1
            target = target.with_name(f"{stem}-{n}{NAME_SUFFIX}")
    elif target.exists():
        raise BackupError(f"{target} exists: name a new file or a folder")
    target.parent.mkdir(parents=True, exist_ok=True)
    url = settings.database_url
    kind = "sqlite" if url.startswith("sqlite") else "postgresql"
    with tempfile.TemporaryDirectory(prefix=".zhurnal-backup-", dir=target.parent) as tmp:
        tmp = Path(tmp)
        members: dict[str, Path] = {}
        if kind == "sqlite":
            db_file = tmp / "database.sqlite3"
            versions = _dump_sqlite(url, db_file)
        else:
            db_file = tmp / "database.pgdump"
            versions = _dump_postgres(url, db_file)
        members[db_file.name] = db_file
        data_dir = Path(settings.data_dir)
        if data_dir.is_dir():
            for p in sorted(data_dir.rglob("*")):
                if p.is_file() and not p.is_symlink():
                    members["files/" + p.relative_to(data_dir).as_posix()] = p
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION,
            "created_at": now.isoformat(), "database": kind,
            "schema_versions": versions, "plugins": list(settings.enabled_plugins),
            "members": {name: {"sha256": _sha256(p), "size": p.stat().st_size} for name, p in members.items()},
        }
        partial = tmp / "archive.tar.gz"
        with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mtime = len(data), int(now.timestamp())
            tar.addfile(info, io.BytesIO(data))
            for name, p in members.items():
                tar.add(p, arcname=name, recursive=False)
        os.replace(partial, target)
    return BackupInfo(target, now, kind, target.stat().st_size, versions)


# --- reading and checking ------------------------------------------------------------------------

def read_manifest(path: str | os.PathLike) -> dict:
    """The manifest of a backup, without checking its members (fast; for listings)."""
    try:
        with tarfile.open(path, "r:gz") as tar:
            f = tar.extractfile("manifest.json")
            manifest = json.loads(f.read()) if f else None
    except (OSError, tarfile.TarError, KeyError, EOFError, ValueError) as e:
        raise BackupError(f"{path}: not a readable Zhurnal backup ({e.__class__.__name__})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: not a Zhurnal backup (no manifest)")
    if manifest.get("format_version", 0) > FORMAT_VERSION:
        raise BackupError(f"{path}: made by a newer Zhurnal (backup format {manifest['format_version']})")
    return manifest


def _extract_checked(path: Path, into: Path) -> dict:
    """Unpack into ``into`` and check every member against the manifest."""
    manifest = read_manifest(path)
    expected = manifest.get("members") or {}
    seen: set[str] = set()
    try:
        with tarfile.open(path, "r:gz") as tar:
            for m in tar:
                if m.name == "manifest.json":
                    continue
                if m.name not in expected or not m.isfile():
                    raise BackupError(f"{path}: damaged (unexpected member {m.name!r})")
                tar.extract(m, into, filter="data")
                seen.add(m.name)
    except (OSError, tarfile.TarError, EOFError) as e:
        raise BackupError(f"{path}: damaged ({e.__class__.__name__}: {e})") from None
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(f"{path}: damaged ({missing[0]} is missing)")
    for name, meta in expected.items():
        if _sha256(into / name) != meta.get("sha256"):
            raise BackupError(f"{path}: damaged ({name} does not match its checksum)")
    return manifest


def check(path: str | os.PathLike) -> dict:
    """Check a backup completely (every checksum); returns its manifest or raises :class:`BackupError`."""
    with tempfile.TemporaryDirectory(prefix=".zhurnal-check-") as tmp:
        return _extract_checked(Path(path), Path(tmp))


# --- restoring -----------------------------------------------------------------------------------

def _sqlite_is_empty(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return True
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0] == 0
    finally:
        conn.close()


def _postgres_is_empty(url: str) -> bool:
    import psycopg2
    try:
        conn = psycopg2.connect(url)
    except psycopg2.Error as e:
        raise BackupError(f"cannot connect to the target database: {str(e).strip().splitlines()[0]}") from None
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
            return cur.fetchone()[0] == 0
    finally:
        conn.close()


def restore(settings, path: str | os.PathLike, known_versions: dict[str, int]) -> dict:
    """Restore the backup at ``path`` into the (empty) database and data folder of ``settings``.

    :param known_versions: the schema version this code expects per plugin; a backup whose
        versions are newer is refused (restore it with the Zhurnal that made it, then upgrade).
    :returns: the backup's manifest.
    """
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    url = settings.database_url
    kind = "sqlite" if url.startswith("sqlite") else "postgresql"
    manifest = read_manifest(path)
    if manifest.get("database") != kind:
        raise BackupError(f"{path}: a backup of a {manifest.get('database')} database cannot be restored into "
                          f"{kind}; restore it into {manifest.get('database')}, then move it with zhurnal migrate-db")
    newer = sorted(p for p, v in (manifest.get("schema_versions") or {}).items()
                   if v > known_versions.get(p, v))
    if newer:
        raise BackupError(f"{path}: made by a newer Zhurnal (schema of {', '.join(newer)} is newer than this "
                          "version knows)")
    data_dir = Path(settings.data_dir)
    if data_dir.is_dir() and any(data_dir.iterdir()):
        raise BackupError(f"the data folder {data_dir} is not empty: restore only into an empty deployment")
    if kind == "sqlite" and not _sqlite_is_empty(_sqlite_path(url)):
        raise BackupError(f"the database {_sqlite_path(url)} is not empty: restore only into an empty database")
    if kind == "postgresql" and not _postgres_is_empty(url):
        raise BackupError("the target PostgreSQL database is not empty: restore only into an empty database")
    parent = _sqlite_path(url).parent if kind == "sqlite" else Path(tempfile.gettempdir())
    parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".zhurnal-restore-", dir=parent) as tmp:
        tmp = Path(tmp)
        _extract_checked(path, tmp)
        if kind == "sqlite":
            target = _sqlite_path(url)
            for suffix in ("-wal", "-shm"):
                Path(str(target) + suffix).unlink(missing_ok=True)
            os.replace(tmp / "database.sqlite3", target)
        else:
            r = subprocess.run([_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
                                "--single-transaction", "--dbname", url, str(tmp / "database.pgdump")],
                               capture_output=True, text=True)
            if r.returncode:
                raise BackupError("pg_restore failed: " + (r.stderr.strip().splitlines() or ["?"])[-1])
        files = tmp / "files"
        if files.is_dir():
            data_dir.mkdir(parents=True, exist_ok=True)
            for p in files.rglob("*"):
                if p.is_file():
                    dest = data_dir / p.relative_to(files)
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.move(str(p), dest)
    return manifest


# --- the nightly backup and its status ---------------------------------------------------------------

def list_backups(backup_dir: str | os.PathLike) -> list[BackupInfo]:
    """Readable backups in ``backup_dir``, newest first (manifests read; members not checked)."""
    out = []
    d = Path(backup_dir)
    if not d.is_dir():
        return out
    for p in d.glob(f"{NAME_PREFIX}*{NAME_SUFFIX}"):
        try:
            m = read_manifest(p)
            out.append(BackupInfo(p, dt.datetime.fromisoformat(m["created_at"]), m.get("database", "?"),
                                  p.stat().st_size, m.get("schema_versions") or {}))
        except (BackupError, KeyError, ValueError):
            continue
    return sorted(out, key=lambda b: b.created_at, reverse=True)


def prune(backup_dir: str | os.PathLike, keep_days: int, now: dt.datetime | None = None) -> list[Path]:
    """Delete backups older than ``keep_days`` days, always keeping the newest one."""
    now = now or dt.datetime.now(dt.timezone.utc)
    backups = list_backups(backup_dir)
    gone = []
    for b in backups[1:]:
        if now - b.created_at > dt.timedelta(days=keep_days):
            b.path.unlink(missing_ok=True)
            gone.append(b.path)
    return gone


def status(settings, now: dt.datetime | None = None) -> dict:
    """What the admin page shows: the newest backup and whether it is too old."""
    now = now or dt.datetime.now(dt.timezone.utc)
    backups = list_backups(settings.backup_dir)
    last = backups[0] if backups else None
    return {"last": last, "count": len(backups), "stale": last is None or now - last.created_at > STALE_AFTER}
