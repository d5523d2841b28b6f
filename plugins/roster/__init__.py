"""School roster: years and periods, classes, students, guardians, subjects, staff and study groups."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from core.hookspecs import hookimpl

name = "roster"
title = "Школа и классы"
version = "1.0"
depends: tuple[str, ...] = ()
schema_version = 3


def _upgrade_to_2(migrator):
    from .models import upgrade_to_2
    upgrade_to_2(migrator)


class RosterSettings(Schema):
    """``[plugins.roster]`` settings."""
    #: days a one-time activation code on a login slip stays valid
    activation_days = fields.Int(load_default=14, validate=validate.Range(min=1, max=365))


settings_schema = RosterSettings

def _upgrade_to_3(migrator):
    from .models import upgrade_to_3
    upgrade_to_3(migrator)


#: numbered schema upgrades, run by ``zhurnal init`` (see core.db.migrate)
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
def zhurnal_cli_commands():
    from .cli import COMMANDS
    return COMMANDS


@hookimpl
def zhurnal_importers():
    from .importer import import_students
    return {"students": import_students}


@hookimpl
def zhurnal_exporters():
    from .importer import export_students
    return {"students": export_students}


@hookimpl
def zhurnal_personal_data(user_id, person):
    from .service import personal_data
    return personal_data(user_id, person)


@hookimpl
def zhurnal_school_holidays(school_id, date_from, date_to):
    """The school's holidays (every academic year overlapping the dates), for the kernel's working days."""
    from .models import AcademicYear, Holiday
    rows = (Holiday.select(Holiday.start, Holiday.end).join(AcademicYear)
            .where((AcademicYear.school == school_id) & (Holiday.start <= date_to) & (Holiday.end >= date_from)))
    import datetime as dt
    days = set()
    for h in rows:
        d = max(h.start, date_from)
        while d <= min(h.end, date_to):
            days.add(d)
            d += dt.timedelta(days=1)
    return days


@hookimpl
def zhurnal_audit_vocabulary():
    from .audit_words import vocabulary
    return vocabulary()
