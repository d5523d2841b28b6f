"""The audit log as a director reads it: who did what to whom, in words, with links.

Each plugin describes its own entries through ``zhurnal_audit_vocabulary`` with an
:class:`AuditVocabulary`: a phrase per action code (``journal.mark.create`` -> «поставил(а)
отметку»), a resolver per object type that turns a page's object ids into names and links (called
once per type per page, never per row), the groups of actions offered as the «kind» filter, and how
to find the entries that concern one class.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable

import peewee as pw
from flask import current_app
from flask_babel import lazy_gettext as _l

from . import audit

#: resolver: object ids (as recorded, strings) -> {id: (label, url or None)}
Resolver = Callable[[list[str]], dict[str, tuple[str, str | None]]]
#: class filter: class id -> [(object_type, query selecting the matching object ids as text)]
ClassObjects = Callable[[int], list[tuple[str, pw.Query]]]


@dataclass
class AuditVocabulary:
    actions: dict[str, str] = field(default_factory=dict)
    objects: dict[str, Resolver] = field(default_factory=dict)
    #: {group label: [action prefixes]} shown in the «kind» filter
    kinds: dict[str, list[str]] = field(default_factory=dict)
    class_objects: ClassObjects | None = None
    #: school id -> [(class id, name)] offered in the class filter (the roster answers)
    class_choices: Callable[[int], list[tuple[int, str]]] | None = None


def kernel_vocabulary() -> AuditVocabulary:
    from .identity.models import User

    def users(ids: list[str]) -> dict:
        rows = User.select(User.id, User.display_name, User.login).where(User.id.in_([int(i) for i in ids if i.isdigit()]))
        return {str(u.id): (f"{u.display_name} ({u.login})", None) for u in rows}
    return AuditVocabulary(
        actions={
            "core.login": _l("signed in"), "core.login.failed": _l("failed to sign in"),
            "core.account.locked": _l("account locked after failed sign-ins"), "core.account.lock": _l("locked an account"),
            "core.account.unlock": _l("unlocked an account"), "core.user.create": _l("created an account"),
            "core.password.change": _l("changed a password"), "core.password.reset": _l("reset a password"),
            "core.plugin.enable": _l("switched a module on"), "core.plugin.disable": _l("switched a module off"),
            "core.credentials.compromised": _l("reported credentials compromised"),
            "core.compromise.notified": _l("notified the head of school and support"),
            "core.activation.issue": _l("issued a one-time activation code"),
            "core.activation.use": _l("activated an account with a one-time code"),
            "core.token.create": _l("created an API token"), "core.token.revoke": _l("revoked an API token"),
            "core.audit.verified": _l("checked the audit log"), "core.audit.export": _l("exported the audit log"), "core.event": _l("system event"),
            "core.notify.retry": _l("queued failed notifications again"),
            "core.notify.outbox.read": _l("read a notification sent to someone else"),
            "core.notify.school": _l("changed the school's notification settings"),
        },
        objects={"core_user": users},
        kinds={_l("Sign-ins and accounts"): ["core.login", "core.account", "core.user", "core.password", "core.token",
                                             "core.activation"],
               _l("Security incidents"): ["core.credentials", "core.compromise"],
               _l("Modules"): ["core.plugin"]},
    )


def vocabularies() -> list[AuditVocabulary]:
    host = current_app.extensions["zhurnal"].plugins
    return [kernel_vocabulary()] + [v for vs in host.per_plugin("zhurnal_audit_vocabulary").values()
                                    for v in ([vs] if isinstance(vs, AuditVocabulary) else (vs or []))]


def _phrase(action: str, actions: dict[str, str]) -> str | None:
    """The phrase of the longest known prefix of ``action`` (``roster.student.read`` -> ``roster.student``)."""
    parts = action.split(".")
    for n in range(len(parts), 0, -1):
        hit = actions.get(".".join(parts[:n]))
        if hit is not None:
            return str(hit)
    return None


@dataclass
class Line:
    entry: audit.AuditEntry
    what: str
    whom: str
    url: str | None
    details: list[tuple[str, str]]
    invalid: bool


def _details(data: str) -> list[tuple[str, str]]:
    try:
        payload = json.loads(data or "{}")
    except ValueError:
        return [("", data)]
    out = []
    for k, v in (payload.items() if isinstance(payload, dict) else []):
        if isinstance(v, list) and len(v) == 2:
            out.append((k, f"{_plain(v[0])} → {_plain(v[1])}"))
        else:
            out.append((k, _plain(v)))
    return out


def _plain(v) -> str:
    if v is None or v == "":
        return "—"
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def describe(entries: list[audit.AuditEntry], invalid: set[int]) -> list[Line]:
    """The page's entries in words: one resolver call per object type on the page."""
    vocab = vocabularies()
    actions: dict[str, str] = {}
    resolvers: dict[str, Resolver] = {}
    for v in vocab:
        actions.update(v.actions)
        resolvers.update(v.objects)
    ids_by_type: dict[str, set[str]] = defaultdict(set)
    for e in entries:
        if e.object_type and e.object_id:
            ids_by_type[e.object_type].add(e.object_id)
    names: dict[tuple[str, str], tuple[str, str | None]] = {}
    for otype, ids in ids_by_type.items():
        fn = resolvers.get(otype)
        if fn is None:
            continue
        for oid, label in fn(sorted(ids)).items():
            names[(otype, oid)] = label
    out = []
    for e in entries:
        label, url = names.get((e.object_type, e.object_id), (None, None))
        whom = label or (f"{e.object_type} {e.object_id}" if e.object_type else "")
        out.append(Line(e, _phrase(e.action, actions) or e.action, whom, url, _details(e.data), e.id in invalid))
    return out


def kinds() -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for v in vocabularies():
        for label, prefixes in v.kinds.items():
            merged.setdefault(str(label), []).extend(prefixes)
    return merged


def for_kind(q, label: str):
    prefixes = kinds().get(label)
    if not prefixes:
        return q
    cond = None
    for p in prefixes:
        c = audit.AuditEntry.action.startswith(p)
        cond = c if cond is None else (cond | c)
    return q.where(cond)


def for_class(q, class_id: int):
    """Entries whose object belongs to the class (its students, their marks, ...), as plugins say."""
    cond = None
    for v in vocabularies():
        if v.class_objects is None:
            continue
        for otype, ids_query in v.class_objects(class_id):
            c = (audit.AuditEntry.object_type == otype) & audit.AuditEntry.object_id.in_(ids_query)
            cond = c if cond is None else (cond | c)
    return q.where(cond) if cond is not None else q.where(audit.AuditEntry.id < 0)


def class_choices(school_id: int | None) -> list[tuple[int, str]]:
    if school_id is None:
        return []
    out: list[tuple[int, str]] = []
    for v in vocabularies():
        if v.class_choices is not None:
            out.extend(v.class_choices(school_id))
    return out


def people(text: str):
    """Accounts whose login or name contains ``text`` (the «person» filter)."""
    from .identity.models import User
    t = text.strip().lower()
    return User.select(User.id).where(pw.fn.LOWER(User.login).contains(t) | pw.fn.LOWER(User.display_name).contains(t))
