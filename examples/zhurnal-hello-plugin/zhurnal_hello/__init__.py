"""Hello: an example third-party plugin that greets teachers and counts the school's classes."""
from __future__ import annotations

from zhurnal.core.hookspecs import hookimpl

name = "hello"
title = "Привет"
version = "1.0"
depends = ("roster",)
schema_version = 0  # no tables of its own


def _settings_schema():
    from marshmallow import RAISE, Schema, fields, validate

    class HelloSettings(Schema):
        """``[plugins.hello]`` in zhurnal.toml, checked at start-up (a bad value stops it with one line)."""
        class Meta:
            unknown = RAISE

        #: a line shown under the greeting, e.g. the school's motto
        motto = fields.Str(load_default="", validate=validate.Length(max=200))

    return HelloSettings


settings_schema = _settings_schema()


@hookimpl
def zhurnal_permissions():
    from zhurnal.core.access import Permission
    return [Permission("hello.greet", "Open the hello page", roles=("teacher",))]


@hookimpl
def zhurnal_blueprints():
    from .views import bp
    return [bp]


@hookimpl
def zhurnal_nav_items(user, school):
    from .views import nav_items
    return nav_items(user, school)


@hookimpl
def zhurnal_cli_commands():
    from .cli import hello
    return [hello]
