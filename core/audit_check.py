"""Checking the audit log: the whole hash chain (:func:`verify`), and a signed statement of
its head kept outside the database (:func:`digest`, checked later by :func:`check_anchor`).

Writing the chain is :mod:`zhurnal.core.audit`, which also answers these names
(``audit.verify()``). What the checks do and do not prove: docs/SECURITY.md.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from .audit import _CANON, GENESIS, AuditEntry, AuditHead, _digest, keys
from .db import database, is_postgres, utcnow


@dataclass
class Problem:
    entry_id: int | None
    message: str

    def __str__(self) -> str:
        return f"entry {self.entry_id}: {self.message}" if self.entry_id else self.message


def verify(batch: int = 5000) -> list[Problem]:
    """Walk the whole chain; return every inconsistency found (empty: intact).

    The chain and its head are read in one snapshot: entries appended meanwhile by
    other processes are not seen, instead of showing up as a head that runs ahead of
    the chain.
    """
    outer = database.in_transaction()
    with (database.atomic() if is_postgres() else database.atomic("DEFERRED")):  # a read: no write lock
        if is_postgres() and not outer:
            database.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return _verify(batch)


def _verify(batch: int) -> list[Problem]:
    problems: list[Problem] = []
    prev_hash, prev_id, count = GENESIS, 0, 0
    last = 0
    _current, known = keys()
    keyed_seen, last_keyed = False, True
    while True:
        rows = list(AuditEntry.select().where(AuditEntry.id > last).order_by(AuditEntry.id).limit(batch))
        if not rows:
            break
        for e in rows:
            count += 1
            if e.prev_hash != prev_hash:
                if e.id != prev_id + 1:
                    problems.append(Problem(e.id, f"entries {prev_id + 1}..{e.id - 1} are missing (deleted)"))
                else:
                    problems.append(Problem(e.id, "does not follow the previous entry (inserted or reordered)"))
            if e.key_id is not None and e.key_id not in known:
                problems.append(Problem(e.id, f"is signed with key {e.key_id!r}, which is not configured "
                                              "(keep old keys in security.audit_keys after a rotation)"))
                expected = e.hash
            else:
                expected = _digest(e.prev_hash, e.at, e.user_id, e.login, e.ip, e.action, e.object_type,
                                   e.object_id, e.school_id, e.data, e.key_id, known.get(e.key_id))
            if expected != e.hash:
                problems.append(Problem(e.id, f"was altered (action {e.action!r}, at {e.at:%Y-%m-%d %H:%M:%S})"))
            elif e.key_id is None and keyed_seen:
                problems.append(Problem(e.id, "is unsigned although signed entries come before it "
                                              "(rewritten with plain hashes)"))
            keyed_seen = keyed_seen or e.key_id is not None
            last_keyed = e.key_id is not None
            prev_hash, prev_id = e.hash, e.id
        last = rows[-1].id
    if count and not last_keyed:  # the kernel signs every entry since schema 4 (whose upgrade signs one)
        problems.append(Problem(prev_id, "the chain ends with an unsigned entry although a key is configured: "
                                         "entries were rewritten with plain hashes"))
    head = AuditHead.get_or_none(AuditHead.id == 1)
    if head is None:
        if count:
            problems.append(Problem(None, "the audit head record is missing"))
    else:
        if head.last_id != prev_id or head.last_hash != prev_hash:
            problems.append(Problem(head.last_id, f"the log ends at entry {prev_id} but its head says {head.last_id}: "
                                                  "the last entries were deleted or the head was altered"))
        elif head.count != count:
            problems.append(Problem(None, f"the head counts {head.count} entries, the log holds {count}"))
    return problems


# --- anchoring the chain outside the database ---------------------------------------------------

def _digest_mac(d: dict, key: bytes) -> str:
    body = _CANON.encode([d["entry_id"], d["hash"], d["count"], d["at"], d["key_id"]])
    return hmac.new(key, body.encode("utf-8"), hashlib.sha256).hexdigest()


def digest() -> dict:
    """A signed statement of the chain's head now: its last entry, that entry's hash, how many
    entries. Kept outside the database, it pins everything up to that entry."""
    head = AuditHead.get_or_none(AuditHead.id == 1)
    key_id, all_keys = keys()
    d = {"entry_id": head.last_id if head else 0, "hash": head.last_hash if head else GENESIS,
         "count": head.count if head else 0, "at": utcnow().isoformat(timespec="seconds") + "Z", "key_id": key_id}
    d["mac"] = _digest_mac(d, all_keys[key_id])
    return d


def check_anchor(d: dict) -> list[Problem]:
    """Problems with a saved :func:`digest`: forged, or the chain no longer holds its head."""
    try:
        key = keys()[1].get(d["key_id"])
        if key is None:
            return [Problem(None, f"digest of {d.get('at')}: key {d['key_id']!r} is not configured")]
        if not hmac.compare_digest(_digest_mac(d, key), str(d["mac"])):
            return [Problem(None, f"digest of {d.get('at')}: its signature is wrong (not a digest of this deployment)")]
        entry_id, expected = int(d["entry_id"]), str(d["hash"])
    except (KeyError, TypeError, ValueError):
        return [Problem(None, "digest: not a digest written by 'zhurnal audit digest'")]
    if entry_id == 0:
        return []
    e = AuditEntry.get_or_none(AuditEntry.id == entry_id)
    if e is None:
        return [Problem(entry_id, f"is missing although the digest of {d['at']} ends there (deleted)")]
    if e.hash != expected:
        return [Problem(entry_id, f"differs from the digest of {d['at']}: the chain was rewritten up to here")]
    return []
