"""Health sheet (лист здоровья): health and PE groups, recommendations, allergies, medical certificates.

Health data is a special category of personal data (152-FZ): it is shown only
to those who need it (see :mod:`.permissions`), every read is audited, every
edit is versioned. A medical certificate is announced with the
``medical_certificate_changed`` signal; the journal, when enabled, justifies the
absences it covers. This plugin never imports the journal.
"""
from __future__ import annotations

from marshmallow import Schema, validate
from zhurnal.core import fields

from zhurnal.core.hookspecs import hookimpl

from . import signals  # noqa: F401  (declares its signals before the audit connects to every signal)

name = "health_sheet"
title = "Лист здоровья"
version = "1.0"
depends: tuple[str, ...] = ("roster",)
schema_version = 1


class HealthSheetSettings(Schema):
    """``[plugins.health_sheet]`` settings."""
    #: subjects whose teachers get the PE view of their students
    pe_subjects = fields.List(fields.Str(validate=validate.Length(min=1)), load_default=lambda: ["Физическая культура"],
                              validate=validate.Length(min=1))


settings_schema = HealthSheetSettings


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
    from .models import HealthRecord, HealthVersion, MedicalCertificate
    if isinstance(obj, (HealthRecord, HealthVersion, MedicalCertificate)):
        from zhurnal.core.access import scope_of
        return scope_of(obj.student)
    return None


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
def zhurnal_student_card_sections(student, user):
    from .views import card_sections
    return card_sections(student, user)


@hookimpl
def zhurnal_absence_justification(student_id, day):
    from .models import MedicalCertificate
    cert = (MedicalCertificate.select(MedicalCertificate.id)
            .where((MedicalCertificate.student == student_id) & MedicalCertificate.removed_at.is_null() &
                   (MedicalCertificate.date_from <= day) & (MedicalCertificate.date_to >= day))
            .order_by(MedicalCertificate.id).first())
    return f"health_sheet:certificate:{cert.id}" if cert else None


@hookimpl
def zhurnal_importers():
    from .importer import import_health
    return {"health": import_health}


@hookimpl
def zhurnal_personal_data(user_id, person, viewer):
    from .personal import export
    return export(user_id, person, viewer)


@hookimpl
def zhurnal_audit_vocabulary():
    from .audit_words import vocabulary
    return vocabulary()
