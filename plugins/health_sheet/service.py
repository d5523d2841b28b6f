"""The health sheet's service API: the only place that writes its tables.

Every write is audited in its own transaction; certificate changes are
announced after commit with :data:`zhurnal.plugins.health_sheet.signals.medical_certificate_changed`
(the journal listens and justifies the absences a certificate covers).
Reads of health data are audited too: call :func:`record_read` whenever a page,
an API call or a card section shows a student's health data.
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable, NamedTuple

import peewee as pw

from zhurnal.core import access, audit
from zhurnal.core.db import database, utcnow
from zhurnal.core.errors import StaleEdit
from zhurnal.plugins.roster.models import Student

from . import signals
from .models import HealthRecord, HealthVersion, MedicalCertificate, SHEET_FIELDS


class CurrentSheet(NamedTuple):
    """A student's sheet as it is now: the ``current`` of a :class:`~zhurnal.core.errors.StaleEdit`
    raised by :func:`save_sheet` (``record`` is ``None`` while nothing has been saved)."""
    student: Student
    record: HealthRecord | None


class AlreadyRemoved(Exception):
    """The certificate was removed before."""


EMPTY = {"health_group": None, "pe_group": None, "pe_valid_from": None, "pe_valid_to": None,
         "pe_limits": "", "recommendations": "", "allergies": "", "notes": ""}


# --- reads ------------------------------------------------------------------------------------

def sheet_of(student_id: int) -> HealthRecord | None:
    return HealthRecord.get_or_none(HealthRecord.student == student_id)


def sheets_of(student_ids: Iterable[int]) -> dict[int, HealthRecord]:
    ids = list(student_ids)
    if not ids:
        return {}
    return {r.student_id: r for r in HealthRecord.select().where(HealthRecord.student.in_(ids))}


def history(student_id: int):
    """Versions of a student's sheet, newest first (a query, to be paged)."""
    return (HealthVersion.select().where(HealthVersion.student == student_id)
            .order_by(HealthVersion.version.desc()))


def certificates(student_id: int, include_removed: bool = False):
    q = MedicalCertificate.select().where(MedicalCertificate.student == student_id)
    if not include_removed:
        q = q.where(MedicalCertificate.removed_at.is_null())
    return q.order_by(MedicalCertificate.date_from.desc(), MedicalCertificate.id.desc())


def certificates_covering(student_ids: Iterable[int], day: dt.date) -> dict[int, MedicalCertificate]:
    """Active certificates that cover ``day``, one per student (the latest ending)."""
    ids = list(student_ids)
    if not ids:
        return {}
    out: dict[int, MedicalCertificate] = {}
    for c in (MedicalCertificate.select().where(
            MedicalCertificate.student.in_(ids) & MedicalCertificate.removed_at.is_null() &
            (MedicalCertificate.date_from <= day) & (MedicalCertificate.date_to >= day))
            .order_by(MedicalCertificate.date_to)):
        out[c.student_id] = c
    return out


def record_read(student_ids: Iterable[int], *, via: str, view: str, school_id: int | None,
                obj=None, user=None) -> None:
    """Audit a read of health data: who (the request's user), why (``via``), which students."""
    ids = sorted(set(student_ids))
    kw = {"object_type": "roster_student", "object_id": ids[0]} if obj is None and len(ids) == 1 else {}
    audit.record("health_sheet.read", obj, school_id=school_id, user=user,
                 data={"via": via, "students": ids, "view": view}, **kw)


def record_denied(user, *, status: int, path: str, method: str, view_args: dict) -> None:
    """A refused look at (or change of) health data: ``health_sheet.access.denied`` in the audit,
    as the diary records refused looks at a student's diary."""
    oid = next((v for k, v in (view_args or {}).items() if k.endswith("_id")), None)
    otype = next((k[:-3] for k in (view_args or {}) if k.endswith("_id")), None)
    with database.atomic():
        audit.record("health_sheet.access.denied", object_type=otype and f"health_{otype}", object_id=oid,
                     user=user, data={"status": status, "path": path, "method": method})


def audit_refusals(bp) -> None:
    """Record every 403/404 a logged-in user gets from ``bp`` (pages and API)."""
    from flask import g, request

    @bp.after_request
    def _refused(resp):
        if resp.status_code in (403, 404) and g.get("user") is not None:
            record_denied(g.user, status=resp.status_code, path=request.path, method=request.method,
                          view_args=request.view_args or {})
        return resp


# --- writes -----------------------------------------------------------------------------------

def source_for(user, student: Student) -> str:
    """"nurse" when a nurse enters the data, else "nurse_data" (a class teacher copying the nurse's data)."""
    for a in access.assignments(user):
        if a.role == "nurse" and (a.scope_type == "deployment" or a.school_id == student.school_id):
            return "nurse"
    return "nurse_data"


def _clean(data: dict) -> dict:
    out = dict(EMPTY)
    out.update({k: data[k] for k in SHEET_FIELDS if k in data})
    for k in ("pe_limits", "recommendations", "allergies", "notes"):
        out[k] = (out[k] or "").strip()
    if not out["pe_group"]:
        out["pe_group"] = None
    return out


def _version_row(record: HealthRecord, values: dict, version: int, source: str, via: str, by) -> None:
    HealthVersion.create(record=record.id, student=record.student_id, version=version, source=source, via=via,
                         entered_by=getattr(by, "id", by), **values)


def save_sheet(student: Student, data: dict, *, version: int | None, by=None, via: str = "api",
               source: str | None = None) -> tuple[HealthRecord, bool]:
    """Replace a student's sheet with ``data``; returns (record, changed).

    ``version`` is the version the editor loaded (0 when there was no sheet);
    ``None`` skips the check (imports). A stale version raises :class:`~zhurnal.core.errors.StaleEdit`
    carrying the :class:`CurrentSheet`.
    Every change keeps the previous state in :class:`HealthVersion`.
    """
    values = _clean(data)
    source = source or source_for(by, student)
    try:
        with database.atomic():
            return _save(student, values, version, by, via, source)
    except pw.IntegrityError:
        # two first saves at once: the unique student index refused the second
        raise StaleEdit(CurrentSheet(student, sheet_of(student.id))) from None


def _save(student, values, version, by, via, source):
    by_id = getattr(by, "id", by)
    current = sheet_of(student.id)
    if current is None:
        if version not in (None, 0):
            raise StaleEdit(CurrentSheet(student, None))
        rec = HealthRecord.create(school=student.school_id, student=student.id, source=source, entered_by=by_id,
                                  version=1, updated_at=utcnow(), **values)
        _version_row(rec, values, 1, source, via, by_id)
        audit.record("health_sheet.sheet.create", rec, user=by, school_id=student.school_id,
                     data={"student": student.id, "source": source, "via": via,
                           "fields": sorted(k for k, v in values.items() if v not in (None, ""))})
        return rec, True
    if version is not None and version != current.version:
        raise StaleEdit(CurrentSheet(student, current))
    diff = {k: [_plain(getattr(current, k)), _plain(v)] for k, v in values.items() if getattr(current, k) != v}
    if not diff:
        return current, False
    q = HealthRecord.update(source=source, entered_by=by_id, updated_at=utcnow(),
                            version=HealthRecord.version + 1, **values).where(
        (HealthRecord.id == current.id) & (HealthRecord.version == current.version))
    if q.execute() == 0:
        raise StaleEdit(CurrentSheet(student, sheet_of(student.id)))
    _version_row(current, values, current.version + 1, source, via, by_id)
    audit.record("health_sheet.sheet.update", current, user=by, school_id=student.school_id,
                 data={"student": student.id, "source": source, "via": via, "version": current.version + 1,
                       "changed": sorted(diff)})
    return HealthRecord.get_by_id(current.id), True


def _plain(v):
    return v.isoformat() if isinstance(v, dt.date) else v


def import_sheets(rows: list[tuple[Student, dict]], *, by=None, school_id: int, filename: str = "") -> dict:
    """Write imported sheets, all or nothing; returns counts {created, updated, unchanged}."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    with database.atomic():
        for student, data in rows:
            before = sheet_of(student.id)
            _, changed = save_sheet(student, data, version=None, by=by, via="import")
            counts["created" if before is None else "updated" if changed else "unchanged"] += 1
        audit.record("health_sheet.import", None, object_type="health_sheet", user=by, school_id=school_id,
                     data={"file": filename, "students": sorted(s.id for s, _ in rows), **counts})
    return counts


def add_certificate(student: Student, data: dict, *, by=None, via: str = "api",
                    source: str | None = None) -> MedicalCertificate:
    """Record a medical certificate; after commit the journal may justify the absences it covers."""
    source = source or source_for(by, student)
    with database.atomic():
        cert = MedicalCertificate.create(
            school=student.school_id, student=student.id, date_from=data["date_from"], date_to=data["date_to"],
            issued_by=data["issued_by"].strip(), number=(data.get("number") or "").strip(),
            reason=data.get("reason") or "illness", source=source, created_by=getattr(by, "id", by))
        audit.record("health_sheet.certificate.add", cert, user=by, school_id=student.school_id,
                     data={"student": student.id, "from": cert.date_from.isoformat(),
                           "to": cert.date_to.isoformat(), "reason": cert.reason, "source": source, "via": via})
    signals.send(signals.medical_certificate_changed, certificate_id=cert.id, student_id=student.id,
                 date_from=cert.date_from, date_to=cert.date_to, action="added", by=by, school_id=student.school_id)
    return cert


def remove_certificate(cert: MedicalCertificate, *, by=None, via: str = "api") -> MedicalCertificate:
    """Withdraw a certificate (it is kept, marked removed); the journal restores the absences."""
    with database.atomic():
        n = (MedicalCertificate.update(removed_at=utcnow(), removed_by=getattr(by, "id", by))
             .where((MedicalCertificate.id == cert.id) & MedicalCertificate.removed_at.is_null()).execute())
        if n == 0:
            raise AlreadyRemoved()
        audit.record("health_sheet.certificate.remove", cert, user=by, school_id=cert.school_id,
                     data={"student": cert.student_id, "from": cert.date_from.isoformat(),
                           "to": cert.date_to.isoformat(), "via": via})
    cert = MedicalCertificate.get_by_id(cert.id)
    signals.send(signals.medical_certificate_changed, certificate_id=cert.id, student_id=cert.student_id,
                 date_from=cert.date_from, date_to=cert.date_to, action="removed", by=by, school_id=cert.school_id)
    return cert
