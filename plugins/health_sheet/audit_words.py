"""How the health sheet's audit entries read (``zhurnal_audit_vocabulary``)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from zhurnal.core.audit_view import AuditVocabulary
from zhurnal.plugins.roster.models import Student

from .models import HealthRecord, MedicalCertificate


def _owners(model, ids):
    rows = (model.select(model.id, Student.last_name, Student.first_name).join(Student)
            .where(model.id.in_([int(i) for i in ids if str(i).isdigit()])).objects())
    return {str(r.id): (f"{r.last_name} {r.first_name}", None) for r in rows}


def class_objects(class_id: int):
    pupils = Student.select(Student.id).where(Student.school_class == class_id)
    return [("health_sheet_record", HealthRecord.select(HealthRecord.id.cast("VARCHAR")).where(HealthRecord.student.in_(pupils))),
            ("health_sheet_certificate", MedicalCertificate.select(MedicalCertificate.id.cast("VARCHAR"))
             .where(MedicalCertificate.student.in_(pupils)))]


def vocabulary() -> AuditVocabulary:
    return AuditVocabulary(
        actions={
            "health_sheet.read": _l("read health data"), "health_sheet.sheet.create": _l("filled in a health sheet"),
            "health_sheet.sheet.update": _l("changed a health sheet"), "health_sheet.certificate.add": _l("entered a medical certificate"),
            "health_sheet.certificate.remove": _l("removed a medical certificate"), "health_sheet.import": _l("imported health sheets"),
        },
        objects={"health_sheet_record": lambda ids: _owners(HealthRecord, ids),
                 "health_sheet_certificate": lambda ids: _owners(MedicalCertificate, ids)},
        kinds={_l("Health data"): ["health_sheet"]},
        class_objects=class_objects,
    )
