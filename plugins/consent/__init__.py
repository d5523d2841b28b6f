"""Consent registry (152-FZ): who consented to the processing of a child's personal data
and to its electronic delivery, who refused or withdrew, and who has nothing registered.

Consent is registered per guardian **and child** from a signed paper (versioned
form texts, printable); the history is append-only. The plugin answers
``zhurnal_consent_granted`` (the notification pipeline sends a child's data to a
guardian only on ``True``; the diary shows a guardian a notice instead of the
child's data on ``False``) and ``zhurnal_paper_delivery_guardians`` (paper export).

Setting ``[plugins.consent] web_requires_consent`` (default ``true``): with
``false`` the web diary shows the data to guardians without consent (the school
relaxed the web part); outgoing channels are never relaxed.
"""
from __future__ import annotations

from marshmallow import Schema

from zhurnal.core import fields
from zhurnal.core.hookspecs import hookimpl

from . import signals  # noqa: F401  (declares consent_changed before the audit connects to every signal)

name = "consent"
title = "Согласия на обработку данных"
version = "1.0"
depends: tuple[str, ...] = ("roster",)
schema_version = 1


class ConsentSettings(Schema):
    """``[plugins.consent]`` settings."""
    #: the web diary withholds a child's data from a guardian without granted consent
    web_requires_consent = fields.Bool(load_default=True)


settings_schema = ConsentSettings


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
    from .models import ConsentRecord, ConsentText
    if isinstance(obj, ConsentRecord):
        from zhurnal.core.access import Scope
        from zhurnal.plugins.roster.models import Student
        st = Student.get_by_id(obj.student_id)
        return Scope.of(st.school_id, [st.school_class_id] if st.school_class_id else [], [st.id])
    if isinstance(obj, ConsentText):
        from zhurnal.core.access import Scope
        return Scope.of(obj.school_id, school_wide=True)
    return None


@hookimpl
def zhurnal_consent_granted(user_id, student_id):
    from .service import granted
    return granted(user_id, student_id)


@hookimpl
def zhurnal_paper_delivery_guardians(class_id):
    from .service import paper_delivery_guardians
    return paper_delivery_guardians(class_id)


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
def zhurnal_student_card_sections(student, user):
    from .views import card_sections
    return card_sections(student, user)


@hookimpl
def zhurnal_metrics():
    from .service import metrics
    return metrics()


@hookimpl
def zhurnal_audit_vocabulary():
    from .audit_words import vocabulary
    return vocabulary()


@hookimpl
def zhurnal_personal_data(user_id, person):
    if person.get("kind") not in ("guardian", "student"):
        return None
    from .service import personal_data
    return personal_data(person)
