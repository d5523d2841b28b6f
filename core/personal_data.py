"""The data subject's access request (152-FZ, art. 14): everything the operator holds about a person.

:func:`export` gathers, for one account:

* the kernel's own data: the account, its roles, sessions and API tokens (never secrets),
  notification addresses and deliveries, and who received the person's data: the reads and exports
  of their records in the audit log, and the notifications about a student that went out
  (``sent_about``: to whom, by which channel, when);
* every enabled plugin's sections, through ``zhurnal_personal_data`` (see :mod:`zhurnal.core.hookspecs`),
  once for each record the account *is* (``zhurnal_personal_data_subjects``: a student's record,
  a guardian's record...), merged under the plugin's name;
* for a guardian, the same for each of their children, as a section of its own.

Surfaces: ``GET /api/v1/me/personal-data`` (one's own; a guardian also gets the children's),
``GET /api/v1/users/<id>/personal-data`` (administration; audited as a read of personal data),
the page «Мои персональные данные» on the profile with a JSON download, and
``zhurnal personal-data export --login X [FILE]``.
"""
from __future__ import annotations

import datetime as dt
import json
import logging

from flask import current_app

from . import access, audit
from .db import utcnow

log = logging.getLogger("zhurnal.personal_data")

#: audit actions that hand a person's data to someone (reads, exports, printed extracts)
_ACCESS_SUFFIXES = (".read", ".export", ".print", ".download", ".view")


def _plain(v):
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    return v


def _ext():
    return current_app.extensions["zhurnal"]


def subjects_of(user) -> list[dict]:
    """The records ``user`` is (``relation`` ``"self"``) or is a guardian of (``"child"``), as the
    plugins enabled for the user's school say (``zhurnal_personal_data_subjects``)."""
    ext = _ext()
    answers = ext.plugins.hook_for(ext.school_by_id(user.school_id)).zhurnal_personal_data_subjects(
        user_id=user.id)
    out, seen = [], set()
    for answer in answers:
        for s in answer or []:
            key = (s.get("kind"), s.get("id"), s.get("relation", "self"))
            if s.get("kind") and s.get("id") is not None and key not in seen:
                seen.add(key)
                out.append({"relation": "self", **s})
    return out


def _plugin_sections(school, user_id, persons: list[dict], viewer) -> dict:
    """``{plugin: {section: data}}`` of the plugins enabled for ``school``, merged over ``persons``."""
    host = _ext().plugins
    only = set(host.infos) - host.disabled_for(school)
    merged: dict = {}
    for person in persons:
        answers = host.per_plugin("zhurnal_personal_data", only=only, user_id=user_id,
                                  person={"kind": person["kind"], "id": person["id"]}, viewer=viewer)
        for plugin, data in answers.items():
            if data:
                merged.setdefault(plugin, {}).update(data)
    return merged


def _accesses(objects: list[tuple[str, str]], exclude_user_id: int | None) -> list[dict]:
    """Audit entries reading or exporting any of ``objects`` (``(object_type, object_id)``), by
    someone other than the person themselves: who received the data, when, how."""
    if not objects:
        return []
    return [{"at": _plain(e.at), "by_user_id": e.user_id, "by_login": e.login, "action": e.action,
             "object_type": e.object_type, "object_id": e.object_id, "ip": e.ip}
            for e in accesses_query(objects, exclude_user_id)]


def accesses_query(objects: list[tuple[str, str]], exclude_user_id: int | None):
    """The query of :func:`_accesses` (``objects`` not empty): it reads the audit through its
    ``(object_type, object_id)`` index, one range per object."""
    from .audit import AuditEntry
    cond = None
    for otype, oid in objects:
        c = (AuditEntry.object_type == otype) & (AuditEntry.object_id == str(oid))
        cond = c if cond is None else (cond | c)
    suffix = None
    for s in _ACCESS_SUFFIXES:
        c = AuditEntry.action.endswith(s)
        suffix = c if suffix is None else (suffix | c)
    q = AuditEntry.select().where(cond & suffix).order_by(AuditEntry.id)
    if exclude_user_id is not None:
        q = q.where((AuditEntry.user_id != exclude_user_id) | AuditEntry.user_id.is_null())
    return q


def _sent_about(student_ids: list[int]) -> list[dict]:
    """Notifications about these students that went out (to their guardians): who received what, when."""
    from .identity.models import User
    from .notify.models import SENT, Delivery, Notification
    if not student_ids:
        return []
    rows = (Delivery.select(Delivery.channel, Delivery.sent_at, Notification.event, Notification.student_id,
                            User.display_name)
            .join(Notification).switch(Delivery).join(User, on=(Delivery.user == User.id))
            .where(Notification.student_id.in_(student_ids) & (Delivery.status == SENT))
            .order_by(Delivery.id).tuples())
    return [{"student_id": sid, "event": event, "channel": channel, "recipient": name, "sent_at": _plain(at)}
            for channel, at, event, sid, name in rows]


def _notifications(user) -> dict:
    from .notify import channels_for
    from .notify.models import Delivery, Notification
    ext = _ext()
    addresses = {}
    for code, ch in channels_for(ext.school_by_id(user.school_id)).items():
        try:
            addresses[code] = ch.address_for(user)
        except Exception:  # a channel's own look-up failing must not hide the rest of the export
            log.exception("channel %s: address_for failed in a personal data export", code)
            addresses[code] = None
    rows = (Delivery.select(Delivery, Notification.event).join(Notification)
            .where(Delivery.user == user.id).order_by(Delivery.id))
    return {
        "addresses": {k: v for k, v in addresses.items() if v},
        "deliveries": [{"event": d.notification.event, "channel": d.channel, "address": d.address,
                        "status": d.status, "created_at": _plain(d.created_at), "sent_at": _plain(d.sent_at),
                        "last_error": d.last_error} for d in rows],
    }


def _kernel_sections(user) -> dict:
    from .identity.models import ApiToken, UserSession
    return {
        "account": {"id": user.id, "login": user.login, "display_name": user.display_name, "email": user.email,
                    "phone": user.phone, "school_id": user.school_id, "locale": user.locale,
                    "is_active": user.is_active, "created_at": _plain(user.created_at),
                    "last_login_at": _plain(user.last_login_at)},
        "roles": [{"role": a.role, "scope_type": a.scope_type, "scope_id": a.scope_id, "school_id": a.school_id}
                  for a in access.assignments(user)],
        "sessions": [{"created_at": _plain(s.created_at), "last_seen_at": _plain(s.last_seen_at),
                      "ended_at": _plain(s.ended_at), "ip": s.ip, "user_agent": s.user_agent, "via": s.via}
                     for s in UserSession.select().where(UserSession.user == user.id).order_by(UserSession.id)],
        "api_tokens": [{"name": t.name, "prefix": t.prefix, "created_at": _plain(t.created_at),
                        "last_used_at": _plain(t.last_used_at), "revoked_at": _plain(t.revoked_at)}
                       for t in ApiToken.select().where(ApiToken.user == user.id).order_by(ApiToken.id)],
        "notifications": _notifications(user),
    }


def export(user, *, viewer=None, with_children: bool = True) -> dict:
    """Everything held about ``user``'s account and the records it is (JSON-serialisable).

    :param viewer: who asks (the user themselves, their guardian, an administrator), passed to the
        plugins, which withhold special-category data (health) from those who may not see it;
        ``None``: the operator on the command line
    :param with_children: for a guardian, add a section per child (``children``)
    """
    ext = _ext()
    school = ext.school_by_id(user.school_id)
    subjects = subjects_of(user)
    own = [s for s in subjects if s["relation"] == "self"]
    persons = own or [{"kind": "staff", "id": user.id}]
    objects = [("core_user", str(user.id))] + [(s["object_type"], str(s["id"])) for s in own if s.get("object_type")]
    out = {
        "generated_at": _plain(utcnow().replace(microsecond=0)),
        "subject": {"user_id": user.id, "login": user.login, "display_name": user.display_name,
                    "records": [{k: s[k] for k in ("kind", "id") if k in s} for s in own]},
        "kernel": _kernel_sections(user) | {
            "accesses": _accesses(objects, user.id),
            "sent_about": _sent_about([s["id"] for s in own if s["kind"] == "student"])},
        "plugins": _plugin_sections(school, user.id, persons, viewer),
    }
    if with_children:
        children = []
        for s in subjects:
            if s["relation"] != "child":
                continue
            child_objects = [(s["object_type"], str(s["id"]))] if s.get("object_type") else []
            children.append({"kind": s["kind"], "id": s["id"], "name": s.get("label", ""),
                             "accesses": _accesses(child_objects, None),
                             "sent_about": _sent_about([s["id"]]) if s["kind"] == "student" else [],
                             "plugins": _plugin_sections(school, None, [s], viewer)})
        out["children"] = children
    return out


def record_read(user, *, by, via: str) -> None:
    """Audit the export as a read of ``user``'s personal data (``core.personal_data.read``)."""
    audit.record("core.personal_data.read", user, user=by, school_id=user.school_id, data={"via": via})


def as_json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, default=str)
