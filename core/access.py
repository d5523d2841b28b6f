"""Permissions, scopes and the one question every view asks: :func:`can`.

Plugins declare permissions with default role grants through the
``zhurnal_permissions`` hook; the deployment may grant more in ``[grants]``.
A user holds roles through :class:`~zhurnal.core.identity.models.RoleAssignment` rows,
each with a scope: the deployment, a school, a class or a student. A permission
is allowed on an object when one of the user's roles is granted it, that role's
scope contains the object (the owning plugin tells the object's
:class:`Scope` through ``zhurnal_object_scope``) and, where the permission
names a check for that role, the check agrees (e.g. "teaches this group").
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

from flask import abort, current_app, g, has_app_context

from . import db
from .identity.models import ROLES, SCOPES, RoleAssignment


@dataclass(frozen=True)
class Permission:
    """A permission a plugin checks.

    :param name: ``<plugin>.<object>.<verb>``
    :param label: human description (English; shown to admins)
    :param roles: roles granted it by default
    :param checks: optional ``{role: fn(user, obj, scope) -> bool}``; a role listed
        here needs its check to pass in addition to the scope match
    """
    name: str
    label: str
    roles: tuple[str, ...] = ()
    checks: dict = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Role:
    """A role a plugin adds to the kernel's (``zhurnal_roles``), e.g. a school psychologist.

    :param name: unique, lower case (``psychologist``); what grants and assignments name
    :param label: English msgid shown (translated) on account pages
    :param scopes: what an assignment of it may be scoped to (``school``, ``class``, ``student``)
    """
    name: str
    label: str
    scopes: tuple[str, ...] = ("school",)


@dataclass(frozen=True)
class Scope:
    """Where an object belongs.

    ``school_wide`` marks objects that belong to the school as a whole (the school
    itself, its subjects, years, holidays): a role scoped to one of the school's
    classes or students matches them too, so a parent may read the holidays.
    """
    school_id: int | None
    class_ids: frozenset = frozenset()
    student_ids: frozenset = frozenset()
    school_wide: bool = False

    @classmethod
    def of(cls, school_id, class_ids: Iterable[int] = (), student_ids: Iterable[int] = (), *,
           school_wide: bool = False) -> "Scope":
        return cls(school_id, frozenset(class_ids), frozenset(student_ids), school_wide)


@dataclass
class Visible:
    """Where a user holds a permission: for filtering lists."""
    everything: bool = False
    schools: set = field(default_factory=set)
    classes: set = field(default_factory=set)
    students: set = field(default_factory=set)

    @property
    def nothing(self) -> bool:
        return not (self.everything or self.schools or self.classes or self.students)


class AccessRegistry:
    """Permissions and grants of one application."""

    def __init__(self, declared: list[Permission], extra_grants: dict[str, list[str]],
                 roles: list[Role] = ()) -> None:
        from .plugins import PluginError
        #: every role: the kernel's and those plugins add; name -> Role
        self.roles: dict[str, Role] = {r: Role(r, r, SCOPES) for r in ROLES}
        for r in roles:
            if r.name in self.roles:
                raise PluginError(f"the role {r.name!r} is declared twice")
            bad = [x for x in r.scopes if x not in SCOPES]
            if bad:
                raise PluginError(f"role {r.name!r} names the unknown scope {bad[0]!r}")
            self.roles[r.name] = r
        self.permissions: dict[str, Permission] = {}
        for p in declared:
            if p.name in self.permissions:
                raise PluginError(f"two plugins declare the permission {p.name!r}")
            bad = [r for r in p.roles if r not in self.roles]
            if bad:
                raise PluginError(f"permission {p.name!r} grants the unknown role {bad[0]!r}")
            self.permissions[p.name] = p
        self.grants: dict[str, set[str]] = {r: set() for r in self.roles}
        for p in declared:
            for r in p.roles:
                self.grants[r].add(p.name)
        for role, perms in (extra_grants or {}).items():
            if role not in self.roles:
                raise PluginError(f"invalid setting grants.{role}: unknown role")
            for name in perms:
                if name not in self.permissions:
                    raise PluginError(f"invalid setting grants.{role}: unknown permission {name!r}")
                self.grants[role].add(name)


def _registry() -> AccessRegistry:
    return current_app.extensions["zhurnal"].access


def assignments(user) -> list[RoleAssignment]:
    """The user's role assignments, loaded once per request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    cache = g.setdefault("_zh_assignments", {})
    if user.id not in cache:
        cache[user.id] = db.by_key(RoleAssignment, RoleAssignment.user, user.id)
    return cache[user.id]


def roles(user) -> set[str]:
    return {a.role for a in assignments(user)}


def scope_of(obj) -> Scope | None:
    if isinstance(obj, Scope):
        return obj
    hook = current_app.extensions["zhurnal"].plugins.hook.zhurnal_object_scope
    oid = getattr(obj, "id", None)
    if oid is None:  # not saved yet: no identity to cache by (id() of a dead object is reused)
        return hook(obj=obj)
    cache = g.setdefault("_zh_scopes", {})
    # the class itself, not its name: two plugins may both have a "Note"
    key = (type(obj), oid)
    if key not in cache:
        cache[key] = hook(obj=obj)
    return cache[key]


def _matches(a: RoleAssignment, scope: Scope) -> bool:
    if a.scope_type == "deployment":
        return True
    if a.scope_type == "school":
        return scope.school_id is not None and a.school_id == scope.school_id
    if scope.school_wide and a.scope_type in ("class", "student"):
        return scope.school_id is not None and a.school_id == scope.school_id
    if a.scope_type == "class":
        return a.scope_id in scope.class_ids
    if a.scope_type == "student":
        return a.scope_id in scope.student_ids
    return False


def can(user, perm: str, obj=None) -> bool:
    """May ``user`` do ``perm`` (on ``obj``)? Without ``obj``: anywhere at all."""
    reg = _registry()
    p = reg.permissions.get(perm)
    if p is None:
        raise KeyError(f"unknown permission {perm!r}")
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    held = [a for a in assignments(user) if perm in reg.grants[a.role]]
    if not held:
        return False
    if obj is None:
        return True
    scope = scope_of(obj)
    if scope is None:
        return False
    for a in held:
        if _matches(a, scope):
            check: Callable | None = p.checks.get(a.role)
            if check is None or check(user, obj, scope):
                return True
    return False


def require(user, perm: str, obj=None, *, hidden: bool = False) -> None:
    """Abort 403 (or 404 when ``hidden``: the user may not know it exists) unless allowed."""
    if not can(user, perm, obj):
        abort(404 if hidden else 403)


def visible(user, perm: str) -> Visible:
    """Where ``user`` holds ``perm``: to filter list queries. Checks are not applied."""
    reg = _registry()
    v = Visible()
    for a in assignments(user):
        if perm not in reg.grants[a.role]:
            continue
        if a.scope_type == "deployment":
            v.everything = True
        elif a.scope_type == "school":
            v.schools.add(a.school_id)
        elif a.scope_type == "class":
            v.classes.add(a.scope_id)
        elif a.scope_type == "student":
            v.students.add(a.scope_id)
    return v


def grant(user, role: str, *, school=None, scope_type: str = "school", scope_id: int | None = None) -> RoleAssignment:
    """Give ``user`` a role (the kernel's or one a plugin declared); idempotent."""
    known = _registry().roles if has_app_context() else dict.fromkeys(ROLES)
    if role not in known:
        raise ValueError(f"unknown role {role!r}")
    allowed = getattr(known[role], "scopes", SCOPES)
    if scope_type != "deployment" and scope_type not in allowed:
        raise ValueError(f"the role {role!r} cannot be scoped to a {scope_type}")
    school_id = getattr(school, "id", school)
    if scope_type == "school" and scope_id is None:
        scope_id = school_id
    ra, _ = RoleAssignment.get_or_create(user=user, role=role, scope_type=scope_type, scope_id=scope_id,
                                         defaults={"school": school_id})
    return ra


def revoke(user, role: str, *, scope_type: str, scope_id: int | None) -> int:
    return RoleAssignment.delete().where(
        (RoleAssignment.user == user) & (RoleAssignment.role == role) &
        (RoleAssignment.scope_type == scope_type) & (RoleAssignment.scope_id == scope_id)).execute()
