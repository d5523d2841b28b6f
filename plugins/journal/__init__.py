"""Electronic class journal: timetable, lessons, marks, attendance, term marks and remarks.

Other plugins (diary, analytics) read :mod:`zhurnal.plugins.journal.models` and the read
functions of :mod:`zhurnal.plugins.journal.service`; only the service writes.
"""
from __future__ import annotations

from zhurnal.core.hookspecs import hookimpl

from . import signals  # noqa: F401  (declares its signals before the audit connects to every signal)

name = "journal"
title = "Электронный журнал"
version = "1.0"
depends: tuple[str, ...] = ("roster",)
schema_version = 3


def _upgrade_to_2(migrator):
    """Lessons record when attendance was taken."""
    import peewee as pw
    from playhouse.migrate import migrate
    migrate(migrator.add_column("journal_lesson", "attendance_taken_at", pw.DateTimeField(null=True)))


def _upgrade_to_3(migrator):
    """A pupil's marks by when they changed: the diary's "new since your last visit" reads a few rows
    instead of the pupil's whole year."""
    from playhouse.migrate import migrate
    migrate(migrator.add_index("journal_mark", ("student_id", "updated_at"), False))


#: numbered schema upgrades, run by ``zhurnal init`` (see core.migrations.migrate)
migrations = {2: _upgrade_to_2, 3: _upgrade_to_3}


@hookimpl
def zhurnal_models():
    from .models import MODELS
    return MODELS


@hookimpl
def zhurnal_permissions():
    from .permissions import PERMISSIONS
    return PERMISSIONS


@hookimpl
def zhurnal_object_scope(obj):
    from .scope import scope_of
    return scope_of(obj)


@hookimpl
def zhurnal_demo_seed(ctx):
    from .demo import seed
    seed(ctx)


@hookimpl
def zhurnal_blueprints():
    from .api import bp as api_bp
    from .views import bp as views_bp
    return [views_bp, api_bp]


@hookimpl
def zhurnal_nav_items(user, school):
    from .views import nav_items
    return nav_items(user, school)


@hookimpl
def zhurnal_dashboard_widgets(user, school):
    from .views import dashboard_widgets
    return dashboard_widgets(user, school)


@hookimpl
def zhurnal_app_ready(app):
    from zhurnal.core.signals import connect, named
    from .receivers import on_medical_certificate_changed
    # the health sheet is optional (not in depends): its signal is found by name, not imported
    connect(named("medical-certificate-changed"), on_medical_certificate_changed, app=app, owner="journal")


@hookimpl
def zhurnal_personal_data(user_id, person):
    if person.get("kind") != "student":
        return None
    from .service import personal_data
    return personal_data(person["id"])


@hookimpl
def zhurnal_student_card_sections(student, user):
    from .views import card_sections
    return card_sections(student, user)


@hookimpl
def zhurnal_cli_commands():
    from .cli import journal
    return [journal]


@hookimpl
def zhurnal_notification_current(event, student_id, data):
    from .notices import still_current
    return still_current(event, student_id, data)


@hookimpl
def zhurnal_notification_details(event, student_id, data):
    from .notices import details
    return details(event, student_id, data)


@hookimpl
def zhurnal_revert_write(entry, by):
    from .revert import revert
    return revert(entry, by)


@hookimpl
def zhurnal_audit_vocabulary():
    from .audit_words import vocabulary
    return vocabulary()
