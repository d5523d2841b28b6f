"""Appending to the audit log: the entry returned is the one stored, the head follows, on any SQLite too."""
from __future__ import annotations

import sqlite3

from zhurnal.core import audit


def test_record_returns_the_entry_as_stored_and_moves_the_head(make_app):
    app = make_app()
    with app.app_context():
        first = audit.record("test.one", object_type="t", object_id=1, ip="test", data={"b": 2, "a": "ё"})
        second = audit.record("test.two", object_type="t", object_id=2, ip="test")
        stored = audit.AuditEntry.get_by_id(second.id)
        assert [(e.id, e.prev_hash, e.hash, e.data) for e in (first, second)] == [
            (first.id, audit.AuditEntry.get_by_id(first.id).prev_hash, audit.AuditEntry.get_by_id(first.id).hash,
             '{"a": "ё", "b": 2}'),
            (stored.id, first.hash, stored.hash, "{}")]
        head = audit.AuditHead.get_by_id(1)
        assert (head.last_id, head.last_hash, head.count) == (second.id, second.hash, audit.AuditEntry.select().count())
        assert audit.verify() == []


def test_the_first_entry_of_an_empty_log_creates_the_head(make_app):
    app = make_app()
    with app.app_context():
        audit.AuditEntry.delete().execute()
        audit.AuditHead.delete().execute()
        e = audit.record("test.first", object_type="t", object_id=1, ip="test")
        assert e.prev_hash == audit.GENESIS
        audit.record("test.second", object_type="t", object_id=2, ip="test")
        assert audit.AuditHead.get_by_id(1).count == 2
        assert audit.verify() == []


def test_sqlite_without_returning_locks_then_reads(make_app, monkeypatch):
    """SQLite before 3.35 has no UPDATE ... RETURNING: the head is locked and read in two statements."""
    app = make_app()
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 34, 1))
    with app.app_context():
        before = audit.AuditEntry.select().count()
        for i in range(3):
            audit.record("test.old_sqlite", object_type="t", object_id=i, ip="test")
        assert audit.AuditEntry.select().count() == before + 3
        assert audit.verify() == []
