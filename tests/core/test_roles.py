"""Roles beyond the kernel's: a plugin declares a school psychologist, grants it a permission, the role is
assigned, checked and shown by its label; clashes and unknown roles stop start-up with one line."""
from __future__ import annotations

import types

import pytest

from zhurnal.core import access
from zhurnal.core.access import Permission, Role
from zhurnal.core.config import ConfigError
from zhurnal.core.hookspecs import hookimpl
from zhurnal.core.plugins import PluginError


def psych_plugin(name="psych", roles=(Role("psychologist", "School psychologist", ("school", "class")),)):
    m = types.ModuleType(name)
    m.name, m.title, m.version, m.depends, m.schema_version = name, "Psychologist", "1", (), 0
    m.zhurnal_roles = hookimpl(lambda: list(roles))
    m.zhurnal_permissions = hookimpl(lambda: [Permission(f"{name}.note.write", "Write a psychologist's note",
                                                         roles=("psychologist",))])
    return m


def test_a_plugin_role_is_granted_checked_and_labelled(make_app):
    app = make_app(plugins=["roster", "psych"], extra_plugins=[psych_plugin()])
    from zhurnal.core.identity import service
    from zhurnal.core.identity.models import School
    with app.app_context():
        school = School.create(name="Школа № 1", short_name="Школа № 1")
        u, _pw = service.create_user("psy", "Петрова Анна Игоревна", password="очень-длинный-пароль-1", school=school)
        assert not access.can(u, "psych.note.write", school)
        access.grant(u, "psychologist", school=school)
    with app.app_context():  # role assignments are read once per request
        u = type(u).get_by_id(u.id)
        assert access.can(u, "psych.note.write", school)
        assert "psychologist" in access.roles(u)
        with pytest.raises(ValueError):
            access.grant(u, "psychologist", scope_type="student", scope_id=1)  # not a scope it allows
        with pytest.raises(ValueError):
            access.grant(u, "astrologer", school=school)
        from zhurnal.core.ui import role_label
        with app.test_request_context():
            assert role_label("psychologist") == "School psychologist"


def test_grants_may_name_a_plugin_role(make_app):
    app = make_app(plugins=["roster", "psych"], extra_plugins=[psych_plugin()],
                   grants={"psychologist": ["roster.student.card"]})
    assert "roster.student.card" in app.extensions["zhurnal"].access.grants["psychologist"]


@pytest.mark.parametrize("roles, words", [
    ((Role("teacher", "Teacher again"),), "the role 'teacher' is declared twice"),
    ((Role("psychologist", "P", ("planet",)),), "unknown scope 'planet'"),
])
def test_bad_roles_stop_start_up_with_one_line(make_app, roles, words):
    with pytest.raises((PluginError, ConfigError)) as e:
        make_app(plugins=["roster", "psych"], extra_plugins=[psych_plugin(roles=roles)])
    assert words in str(e.value) and "\n" not in str(e.value)
