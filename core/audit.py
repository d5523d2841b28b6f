"""Tamper-evident audit log.

Every entry carries the SHA-256 of the previous entry, and ``core_audit_head``
holds the last id and hash, so :func:`~zhurnal.core.audit_check.verify` finds a row that was altered,
deleted or inserted behind the application's back. Entries are written in the
same transaction as the change they describe (:func:`record`); reads of
personal data are recorded too (``action`` ending in ``.read``).

The audit also *listens* to every domain signal of :mod:`zhurnal.core.signals`: a
signal sent from an application context that recorded no entry at all (a
plugin that forgot to audit its write) is recorded by the listener as
``core.event.<signal>``, so that every domain event leaves a trace. Senders
that audit in their transaction, as they must, are not recorded twice.

The chain is keyed: each entry's hash is an HMAC-SHA256 under a key held outside the
database (``security.audit_keys``, by default derived from ``secret_key``), and the entry
names its key (``key_id``). Someone who can only write to the database can still alter an
entry and recompute plain hashes, but not the HMACs, so :func:`verify` sees the forgery.
Entries written before the key existed (``key_id`` NULL) keep their plain SHA-256; the first
keyed entry covers the last plain one, and once keyed entries exist no plain entry may
follow one, nor end the chain. What this does and does not protect against: docs/SECURITY.md.

Entries are never updated. When credentials are reported compromised, the
entries made with them after the report are listed in ``core_audit_invalid``
instead (see :func:`invalidate_after`).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import sqlite3

import peewee as pw
from flask import g, has_app_context, has_request_context

from .compat import forward
from .db import BaseModel, database, is_postgres, utcnow
from .prepared import Prepared, slot

GENESIS = "0" * 64


class AuditEntry(BaseModel):
    at = pw.DateTimeField(default=utcnow, index=True)
    user_id = pw.IntegerField(null=True, index=True)
    login = pw.CharField(max_length=64, null=True)
    ip = pw.CharField(max_length=64, null=True)
    action = pw.CharField(max_length=100, index=True)
    object_type = pw.CharField(max_length=64, null=True)
    object_id = pw.CharField(max_length=64, null=True)
    school_id = pw.IntegerField(null=True, index=True)
    data = pw.TextField(default="{}")
    prev_hash = pw.CharField(max_length=64)
    hash = pw.CharField(max_length=64)
    #: the key of the HMAC (None: an entry from before the chain was keyed: plain SHA-256)
    key_id = pw.CharField(max_length=16, null=True)

    class Meta:
        table_name = "core_audit"
        indexes = ((("object_type", "object_id"), False),)  # who read a record: core.personal_data

    @property
    def payload(self) -> dict:
        return json.loads(self.data or "{}")


class AuditHead(BaseModel):
    id = pw.IntegerField(primary_key=True)
    last_id = pw.IntegerField(default=0)
    last_hash = pw.CharField(max_length=64, default=GENESIS)
    count = pw.IntegerField(default=0)

    class Meta:
        table_name = "core_audit_head"


class AuditInvalid(BaseModel):
    """An audit entry whose action is void: it was made with credentials reported compromised."""
    entry_id = pw.IntegerField(unique=True)
    report_id = pw.IntegerField(index=True)
    marked_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "core_audit_invalid"


MODELS = [AuditEntry, AuditHead, AuditInvalid]


#: the encoders of json.dumps(..., ensure_ascii=False, separators=(",", ":")) and of the payload,
#: built once (json.dumps builds one per call when given options)
_CANON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_PAYLOAD = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=str)


def _digest(prev: str, at: dt.datetime, user_id, login, ip, action, object_type, object_id,
            school_id, data: str, key_id: str | None = None, key: bytes | None = None) -> str:
    """The entry's hash: HMAC-SHA256 under ``key`` (whose id is hashed too), or for entries of
    before the keyed chain, plain SHA-256."""
    fields_ = [prev, at.isoformat(timespec="microseconds"), user_id, login, ip, action, object_type, object_id,
               school_id, data]
    if key_id is None:
        return hashlib.sha256(_CANON.encode(fields_).encode("utf-8")).hexdigest()
    return hmac.new(key, _CANON.encode(fields_ + [key_id]).encode("utf-8"), hashlib.sha256).hexdigest()


def keys(app=None) -> tuple[str, dict[str, bytes]]:
    """(id of the key that signs new entries, {id: key} of every key that verifies)."""
    from flask import current_app
    app = app or current_app._get_current_object()
    found = app.extensions.get("zhurnal.audit_keys")
    if found is None:
        from .config import parse_audit_keys
        settings = app.extensions["zhurnal"].settings
        derived = hmac.new(settings.secret_key.encode(), b"zhurnal-audit-key", hashlib.sha256).digest()
        # named by a fingerprint: verifying with another secret_key says "key not configured"
        derived_pair = ("sk" + hashlib.sha256(derived).hexdigest()[:8], derived)
        configured = settings.security.get("audit_keys")
        if configured:
            pairs = [derived_pair if k == "secret_key" else (k, hashlib.sha256(b"zhurnal-audit-key:" + v.encode()).digest())
                     for k, v in parse_audit_keys(configured)]
        else:
            pairs = [derived_pair]
        found = app.extensions["zhurnal.audit_keys"] = (pairs[0][0], dict(pairs))
    return found


def _actor():
    if has_request_context():
        from .clientip import client_ip
        return getattr(g, "user", None), client_ip() or None
    return getattr(g, "user", None) if _has_g() else None, "cli"


def _has_g() -> bool:
    return has_app_context()


def record(action: str, obj=None, *, object_type: str | None = None, object_id=None,
           school_id: int | None = None, data: dict | None = None, user=None,
           ip: str | None = None) -> AuditEntry:
    """Append one entry. Call inside the transaction of the change it describes.

    :param action: dotted name, e.g. ``roster.student.update`` or ``roster.student.read``
    :param obj: a model instance; its table name and id are recorded unless given
    :param data: what changed (``{"field": [old, new]}``) or why it was read
    :param user: the actor; defaults to the logged-in user of the request
    """
    actor, actor_ip = _actor()
    user = user if user is not None else actor
    ip = ip if ip is not None else actor_ip
    if obj is not None:
        object_type = object_type or obj._meta.table_name
        # the primary key itself: get_id() is overridden by models such as User (flask-login's "id:epoch")
        object_id = object_id if object_id is not None else obj._pk
    if school_id is None and user is not None:
        school_id = getattr(user, "school_id", None)
    payload = _PAYLOAD.encode(data or {})
    at = utcnow()
    uid = getattr(user, "id", None)
    login = getattr(user, "login", None)
    oid = None if object_id is None else str(object_id)
    if _has_g():
        g._zh_audited = True  # this context left a trace: its signals need no second one
    key_id, all_keys = keys()
    row = {"at": at, "user_id": uid, "login": login, "ip": ip, "action": action, "object_type": object_type,
           "object_id": oid, "school_id": school_id, "data": payload, "key_id": key_id}
    # inside the caller's transaction when there is one (no savepoint needed), else in our own
    with (contextlib.nullcontext() if database.in_transaction() else database.atomic()):
        row["prev_hash"] = _lock_head()
        row["hash"] = h = _digest(row["prev_hash"], at, uid, login, ip, action, object_type, oid, school_id, payload,
                                  key_id, all_keys[key_id])
        if is_postgres():  # the entry and the head in one statement
            entry_id = _APPEND_PG.execute(**row).fetchall()[0][0]
        else:
            entry_id = _APPEND.execute(**row).lastrowid
            _SET_HEAD.execute(last_id=entry_id, last_hash=h)
    return AuditEntry(__no_default__=True, id=entry_id, **row)


# --- the audit listens -------------------------------------------------------------------------

def _plain(value):
    """A signal argument as JSON-friendly data: a row by its id, never its text (personal data)."""
    if isinstance(value, BaseModel):
        return value._pk
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    return str(value)


def _event_receiver(name: str):
    def on_event(sender, **kwargs):
        if _has_g() and g.get("_zh_audited"):
            return None
        actor = kwargs.get("by") or kwargs.get("user")
        data = {k: _plain(v) for k, v in kwargs.items() if k != "school_id"}
        record(f"core.event.{name}", object_type="signal", school_id=kwargs.get("school_id"), data=data,
               user=actor if isinstance(actor, BaseModel) else None)
        if _has_g():
            g.pop("_zh_audited", None)  # the listener's own entry is no trace of the sender's
        return None
    on_event.__name__ = f"audit_{name.replace('-', '_')}"
    return on_event


def install(app) -> None:
    """Connect the audit to every domain signal (see the module's docstring)."""
    from . import signals
    for name, signal in signals.all_signals().items():
        signals.connect(signal, _event_receiver(name), app=app, owner="core")


_ENTRY_COLUMNS = ("at", "user_id", "login", "ip", "action", "object_type", "object_id", "school_id", "data",
                  "prev_hash", "hash", "key_id")


def _insert_entry():
    return AuditEntry.insert({AuditEntry._meta.fields[n]: slot(n) for n in _ENTRY_COLUMNS})


def _append_pg():
    entry = _insert_entry().returning(AuditEntry.id).cte("entry")
    return (AuditHead.update(last_id=entry.c.id, last_hash=slot("hash")).from_(entry)
            .where(AuditHead.id == 1).with_cte(entry).returning(entry.c.id))


#: lock the head row and read the last hash: an UPDATE takes the row's lock (PostgreSQL) or
#: the database's write lock (SQLite) before the read, so concurrent writers append one after
#: another; the count goes up here, the last id and hash once the entry is written
_LOCK_AND_READ = Prepared(lambda: AuditHead.update(count=AuditHead.count + 1)
                            .where(AuditHead.id == 1).returning(AuditHead.last_hash))
#: the same without RETURNING (SQLite before 3.35): lock, then read
_LOCK = Prepared(lambda: AuditHead.update(count=AuditHead.count + 1).where(AuditHead.id == 1))
_READ = Prepared(lambda: AuditHead.select(AuditHead.last_hash).where(AuditHead.id == 1))
_APPEND = Prepared(_insert_entry)
_SET_HEAD = Prepared(lambda: AuditHead.update(last_id=slot("last_id"), last_hash=slot("last_hash"))
                       .where(AuditHead.id == 1))
#: PostgreSQL: the entry and the head's new last id and hash in one statement
_APPEND_PG = Prepared(_append_pg)


def _lock_head() -> str:
    """Lock the head row (concurrent writers append one after another); the last entry's hash."""
    if is_postgres() or sqlite3.sqlite_version_info >= (3, 35):
        rows = _LOCK_AND_READ.execute().fetchall()
    else:
        _LOCK.execute()
        rows = _READ.execute().fetchall()
    if not rows:  # the very first entry of a new database
        AuditHead.insert(id=1).on_conflict_ignore().execute()
        return _lock_head()
    return rows[0][0]


def invalidate_after(user_id: int, since: dt.datetime, report_id: int) -> int:
    """Mark every entry made by ``user_id`` at or after ``since`` as void; return how many."""
    ids = [r[0] for r in AuditEntry.select(AuditEntry.id).where(
        (AuditEntry.user_id == user_id) & (AuditEntry.at >= since)).tuples()]
    for i in ids:
        AuditInvalid.insert(entry_id=i, report_id=report_id).on_conflict_ignore().execute()
    return len(ids)


def query(*, user_id=None, action=None, object_type=None, object_id=None, school_id=None,
          date_from=None, date_to=None):
    q = AuditEntry.select().order_by(AuditEntry.id.desc())
    if user_id is not None:
        q = q.where(AuditEntry.user_id == user_id)
    if action:
        q = q.where(AuditEntry.action.startswith(action))
    if object_type:
        q = q.where(AuditEntry.object_type == object_type)
    if object_id is not None:
        q = q.where(AuditEntry.object_id == str(object_id))
    if school_id is not None:
        q = q.where(AuditEntry.school_id == school_id)
    if date_from:
        q = q.where(AuditEntry.at >= dt.datetime.combine(date_from, dt.time.min))
    if date_to:
        q = q.where(AuditEntry.at < dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min))
    return q


# The chain's checks live in :mod:`zhurnal.core.audit_check`; ``audit.verify()`` etc. still answer.
__getattr__ = forward(__name__, {"Problem", "verify", "digest", "check_anchor"}, "zhurnal.core.audit_check")
