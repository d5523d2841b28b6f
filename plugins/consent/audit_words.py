"""How the consent registry's audit entries read (``zhurnal_audit_vocabulary``).

Registrations and reads name the guardian (``roster_guardian``) or the class
(``roster_class``), which the roster's vocabulary resolves; a published form
version names ``consent_text``.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from zhurnal.core.audit_view import AuditVocabulary

from .models import ConsentText


def _texts(ids):
    rows = ConsentText.select(ConsentText.id, ConsentText.version).where(
        ConsentText.id.in_([int(i) for i in ids if str(i).isdigit()]))
    return {str(t.id): (_l("consent form, version %(v)d", v=t.version), None) for t in rows}


def vocabulary() -> AuditVocabulary:
    return AuditVocabulary(
        actions={"consent.record.register": _l("registered a consent paper"),
                 "consent.record.read": _l("read the consent registry"),
                 "consent.export": _l("exported the consent registry"),
                 "consent.text.publish": _l("published a version of the consent form")},
        objects={"consent_text": _texts},
        kinds={_l("Consents"): ["consent"]},
    )
