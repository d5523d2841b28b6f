"""``zhurnal.core.access.can``: roles, scopes, checks and the list filter ``visible``."""
from __future__ import annotations

import types

import pytest
from flask import g

from zhurnal.core import access
from zhurnal.core.access import Permission, Scope
from zhurnal.core.hookspecs import hookimpl
from zhurnal.core.identity import service
from zhurnal.core.identity.models import School


class Thing:
    """An object of a test plugin: belongs to a school, a class and a student."""

    def __init__(self, id, school_id, class_id=None, student_id=None, owner=None):
        self.id, self.school_id, self.class_id, self.student_id, self.owner = id, school_id, class_id, student_id, owner


class OtherThing(Thing):
    pass


def make_things_plugin():
    m = types.ModuleType("things")
    m.name, m.title, m.version, m.depends = "things", "Things", "1", ()
    m.zhurnal_permissions = hookimpl(lambda: [
        Permission("things.thing.read", "Read things", roles=("teacher", "parent", "class_teacher")),
        Permission("things.thing.write", "Write things", roles=("teacher",),
                   checks={"teacher": lambda user, obj, scope: obj.owner == user.id}),
    ])

    @hookimpl
    def zhurnal_object_scope(obj):
        if isinstance(obj, Thing) and not isinstance(obj, OtherThing):
            return Scope.of(obj.school_id, [obj.class_id] if obj.class_id else [],
                            [obj.student_id] if obj.student_id else [])
        return None
    m.zhurnal_object_scope = zhurnal_object_scope
    return m


@pytest.fixture
def env(make_app):
    app = make_app(plugins=["things"], extra_plugins=[make_things_plugin()])
    with app.app_context():
        a = School.create(name="A", short_name="A")
        b = School.create(name="B", short_name="B")
        users = {}
        for login, role, kw in (("t", "teacher", {"school": a}),
                                ("ct", "class_teacher", {"school": a, "scope_type": "class", "scope_id": 7}),
                                ("p", "parent", {"school": a, "scope_type": "student", "scope_id": 70}),
                                ("adm", "admin", {"scope_type": "deployment", "scope_id": None}),
                                ("nobody", None, {})):
            u, _ = service.create_user(login, login, password="Parol-dlya-testa-1", school=a, must_change=False)
            if role:
                access.grant(u, role, **kw)
            users[login] = u
    return types.SimpleNamespace(app=app, a=a.id, b=b.id, u=users)


def test_scopes_and_checks(env):
    u = env.u
    mine = Thing(1, env.a, class_id=7, student_id=70, owner=u["t"].id)
    theirs = Thing(2, env.a, class_id=8, student_id=80, owner=12345)
    elsewhere = Thing(3, env.b, class_id=9, student_id=90, owner=u["t"].id)
    with env.app.test_request_context():
        can = access.can
        assert can(u["t"], "things.thing.read", mine) and can(u["t"], "things.thing.read", theirs)
        assert not can(u["t"], "things.thing.read", elsewhere)  # another school
        assert can(u["t"], "things.thing.write", mine)
        assert not can(u["t"], "things.thing.write", theirs)  # the check says no
        assert can(u["ct"], "things.thing.read", mine) and not can(u["ct"], "things.thing.read", theirs)
        assert can(u["p"], "things.thing.read", mine) and not can(u["p"], "things.thing.read", theirs)
        assert not can(u["p"], "things.thing.write", mine)
        assert can(u["adm"], "core.audit.read", School.get_by_id(env.b))
        assert not can(u["adm"], "things.thing.read", mine)  # admins are not granted everything
        assert not can(u["nobody"], "things.thing.read")
        assert not can(None, "things.thing.read")
        assert can(u["t"], "things.thing.read")  # anywhere at all
        assert not can(u["t"], "things.thing.read", OtherThing(4, env.a))  # nobody tells its scope: no
        assert can(u["t"], "things.thing.read", Scope.of(env.a))
        with pytest.raises(KeyError):
            can(u["t"], "things.nope")


def test_scope_cache_tells_classes_apart(env):
    """Two objects with one id but of different classes (two plugins' "Thing") are not confused."""
    u = env.u
    with env.app.test_request_context():
        assert access.can(u["t"], "things.thing.read", Thing(5, env.a))
        assert not access.can(u["t"], "things.thing.read", OtherThing(5, env.a))
        assert access.can(u["t"], "things.thing.read", Thing(None, env.a))
        assert not access.can(u["t"], "things.thing.read", Thing(None, env.b))


def test_visible_and_require(env):
    u = env.u
    with env.app.test_request_context():
        v = access.visible(u["t"], "things.thing.read")
        assert v.schools == {env.a} and not v.everything and not v.nothing
        assert access.visible(u["ct"], "things.thing.read").classes == {7}
        assert access.visible(u["p"], "things.thing.read").students == {70}
        assert access.visible(u["adm"], "core.audit.read").everything
        assert access.visible(u["nobody"], "things.thing.read").nothing
        from werkzeug.exceptions import Forbidden, NotFound
        with pytest.raises(Forbidden):
            access.require(u["p"], "things.thing.write")
        with pytest.raises(NotFound):
            access.require(u["p"], "things.thing.read", Thing(9, env.b), hidden=True)
        access.require(u["t"], "things.thing.read")


def test_grant_is_idempotent_and_revocable(env):
    u = env.u["nobody"]
    with env.app.app_context():
        a1 = access.grant(u, "teacher", school=env.a)
        a2 = access.grant(u, "teacher", school=env.a)
        assert a1.id == a2.id
        with pytest.raises(ValueError):
            access.grant(u, "janitor", school=env.a)
    with env.app.test_request_context():
        assert access.roles(u) == {"teacher"}
    with env.app.app_context():
        assert access.revoke(u, "teacher", scope_type="school", scope_id=env.a) == 1
    with env.app.test_request_context():
        assert access.roles(u) == set()
