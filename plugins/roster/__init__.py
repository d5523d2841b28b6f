"""School roster: years and periods, classes, students, guardians, subjects, staff and study groups."""
from __future__ import annotations

from marshmallow import Schema, validate

from zhurnal.core import fields
from zhurnal.core.hookspecs import hookimpl

from . import signals  # noqa: F401  (declares its signals before the audit connects to every signal)

name = "roster"
title = "Школа и классы"
version = "1.0"
depends: tuple[str, ...] = ()
schema_version = 4


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


def _upgrade_to_4(migrator):
    from .models import contacts_to_guardians
    contacts_to_guardians()


#: numbered schema upgrades, run by ``zhurnal init`` (see core.migrations.migrate)
migrations = {2: _upgrade_to_2, 3: _upgrade_to_3, 4: _upgrade_to_4}


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
    from .blueprints import all_blueprints
    return all_blueprints()


@hookimpl
def zhurnal_nav_items(user, school):
    from .views_dashboard import nav_items
    return nav_items(user, school)


@hookimpl
def zhurnal_dashboard_widgets(user, school):
    from .views_dashboard import dashboard_widgets
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
def zhurnal_personal_data_subjects(user_id):
    from .personal import subjects
    return subjects(user_id)


@hookimpl
def zhurnal_contact_address(user, kind):
    """A guardian's e-mail and phone live in their Guardian record, not on the account; a
    student's in their Student record when it has them."""
    if kind not in ("email", "phone"):
        return None
    from .models import Guardian, Student
    row = Guardian.select(getattr(Guardian, kind)).where(Guardian.user == user.id).tuples().first()
    if row is not None:
        return (row[0] or "").strip()
    # a student's own contact, when the roster has one (else the account's)
    row = Student.select(getattr(Student, kind)).where(Student.user == user.id).tuples().first()
    return (row[0] or "").strip() or None if row is not None else None


@hookimpl
def zhurnal_contact_addresses(user_ids, kind):
    if kind not in ("email", "phone"):
        return None
    from .models import Guardian, Student
    out = {}
    ids = list(user_ids)
    for i in range(0, len(ids), 500):
        for uid, value in Student.select(Student.user, getattr(Student, kind)).where(
                Student.user.in_(ids[i:i + 500]) & (getattr(Student, kind) != "")).tuples():
            out[uid] = value.strip()
        for uid, value in Guardian.select(Guardian.user, getattr(Guardian, kind)).where(
                Guardian.user.in_(ids[i:i + 500])).tuples():
            out[uid] = (value or "").strip()
    return out


@hookimpl
def zhurnal_notification_audience(student_id):
    """The student's guardians with an account, and the student's own account."""
    from .models import Guardian, Student, StudentGuardian
    people = [{"user_id": u, "role": "guardian"} for (u,) in
              Guardian.select(Guardian.user).join(StudentGuardian, on=(StudentGuardian.guardian == Guardian.id))
              .where((StudentGuardian.student == student_id) & Guardian.user.is_null(False)).tuples()]
    row = Student.select(Student.user, Student.left_at).where(Student.id == student_id).tuples().first()
    if row is None:
        return []
    if row[1] is not None:
        return []  # left the school: nobody is told any more
    if row[0] is not None:
        people.append({"user_id": row[0], "role": "student"})
    return people


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
