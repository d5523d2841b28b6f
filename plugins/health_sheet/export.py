"""What the health sheet holds about a student, for a 152-FZ subject access request."""
from __future__ import annotations

import datetime as dt

from .models import SHEET_FIELDS, HealthRecord, HealthVersion, MedicalCertificate


def _plain(v):
    return v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v


def personal_data(student_id: int) -> dict | None:
    rec = HealthRecord.get_or_none(HealthRecord.student == student_id)
    certs = list(MedicalCertificate.select().where(MedicalCertificate.student == student_id)
                 .order_by(MedicalCertificate.date_from))
    if rec is None and not certs:
        return None
    versions = list(HealthVersion.select().where(HealthVersion.student == student_id).order_by(HealthVersion.version))
    return {
        "sheet": {f: _plain(getattr(rec, f)) for f in SHEET_FIELDS + ("source", "updated_at", "version")} if rec else None,
        "versions": [{f: _plain(getattr(v, f)) for f in SHEET_FIELDS + ("version", "source", "via", "entered_at")}
                     | {"entered_by": v.entered_by_id} for v in versions],
        "certificates": [{f: _plain(getattr(c, f)) for f in ("date_from", "date_to", "issued_by", "number", "reason",
                                                             "created_at", "removed_at")} for c in certs],
    }
