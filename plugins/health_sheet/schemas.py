"""Request and response schemas of the health sheet API, and the dumps pages share with it."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, validate, validates_schema
from zhurnal.core import fields

from zhurnal.core.clock import today

from .models import (HEALTH_GROUPS, PE_FIELDS, PE_GROUP_LABELS, PE_GROUPS, REASON_LABELS, REASONS, ROMAN,
                     SHEET_FIELDS, SOURCE_LABELS)

TEXT = validate.Length(max=2000)


class HealthSheetIn(Schema):
    """A whole sheet (PUT replaces it); ``version`` is the one the editor loaded, 0 for a new sheet."""
    version = fields.Int(required=True, validate=validate.Range(min=0))
    health_group = fields.Int(load_default=None, allow_none=True, validate=validate.OneOf(HEALTH_GROUPS))
    pe_group = fields.Str(load_default=None, allow_none=True, validate=validate.OneOf(PE_GROUPS))
    pe_valid_from = fields.Date(load_default=None, allow_none=True)
    pe_valid_to = fields.Date(load_default=None, allow_none=True)
    pe_limits = fields.Str(load_default="", validate=TEXT)
    recommendations = fields.Str(load_default="", validate=TEXT)
    allergies = fields.Str(load_default="", validate=TEXT)
    notes = fields.Str(load_default="", validate=TEXT)

    @validates_schema
    def _period(self, data, **kwargs):
        a, b = data.get("pe_valid_from"), data.get("pe_valid_to")
        if a and b and b < a:
            raise ValidationError(_("The end of the period is before its start."), "pe_valid_to")
        if (a or b or (data.get("pe_limits") or "").strip()) and not data.get("pe_group"):
            raise ValidationError(_("Choose the PE group the period and limits belong to."), "pe_group")


class MedicalCertificateIn(Schema):
    date_from = fields.Date(required=True)
    date_to = fields.Date(required=True)
    issued_by = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    number = fields.Str(load_default="", validate=validate.Length(max=50))
    reason = fields.Str(load_default="illness", validate=validate.OneOf(REASONS))

    @validates_schema
    def _dates(self, data, **kwargs):
        a, b = data.get("date_from"), data.get("date_to")
        if not (data.get("issued_by") or "").strip():
            raise ValidationError(_("Say who issued the certificate."), "issued_by")
        if a and b and b < a:
            raise ValidationError(_("The certificate ends before it starts."), "date_to")
        if a and b and (b - a).days > 366:
            raise ValidationError(_("A certificate covers at most a year."), "date_to")
        if a and a > today() + dt.timedelta(days=366):
            raise ValidationError(_("The certificate starts too far in the future."), "date_from")


class HealthPersonOut(Schema):
    id = fields.Int()
    name = fields.Str()


class MedicalCertificateRef(Schema):
    id = fields.Int()
    date_from = fields.Date()
    date_to = fields.Date()


class HealthSheetOut(Schema):
    """A student's sheet. The PE view carries only the student, ``view``, the ``pe_*`` fields and ``pe_current``."""
    student_id = fields.Int()
    student_name = fields.Str()
    class_id = fields.Int(allow_none=True)
    class_name = fields.Str(allow_none=True)
    view = fields.Str(metadata={"description": "full | pe"})
    exists = fields.Bool()
    health_group = fields.Int(allow_none=True)
    health_group_label = fields.Str(allow_none=True)
    pe_group = fields.Str(allow_none=True)
    pe_group_label = fields.Str(allow_none=True)
    pe_valid_from = fields.Date(allow_none=True)
    pe_valid_to = fields.Date(allow_none=True)
    pe_current = fields.Bool(metadata={"description": "the PE group's period includes today"})
    pe_limits = fields.Str()
    recommendations = fields.Str()
    allergies = fields.Str()
    notes = fields.Str()
    source = fields.Str(allow_none=True)
    source_label = fields.Str(allow_none=True)
    entered_by = fields.Nested(HealthPersonOut, allow_none=True)
    updated_at = fields.DateTime(allow_none=True)
    version = fields.Int()
    certificate_today = fields.Nested(MedicalCertificateRef, allow_none=True,
                                      metadata={"description": "an active certificate covering today"})


class HealthVersionOut(Schema):
    version = fields.Int()
    entered_at = fields.DateTime()
    entered_by = fields.Nested(HealthPersonOut, allow_none=True)
    source = fields.Str()
    source_label = fields.Str()
    via = fields.Str()
    changed = fields.List(fields.Str())
    health_group = fields.Int(allow_none=True)
    health_group_label = fields.Str(allow_none=True)
    pe_group = fields.Str(allow_none=True)
    pe_group_label = fields.Str(allow_none=True)
    pe_valid_from = fields.Date(allow_none=True)
    pe_valid_to = fields.Date(allow_none=True)
    pe_limits = fields.Str()
    recommendations = fields.Str()
    allergies = fields.Str()
    notes = fields.Str()


class HealthHistoryOut(Schema):
    items = fields.List(fields.Nested(HealthVersionOut))
    total = fields.Int()
    page = fields.Int()
    per_page = fields.Int()


class MedicalCertificateOut(Schema):
    id = fields.Int()
    student_id = fields.Int()
    date_from = fields.Date()
    date_to = fields.Date()
    issued_by = fields.Str()
    number = fields.Str()
    reason = fields.Str()
    reason_label = fields.Str()
    source = fields.Str()
    created_by = fields.Nested(HealthPersonOut, allow_none=True)
    created_at = fields.DateTime()
    removed_at = fields.DateTime(allow_none=True)
    removed_by = fields.Nested(HealthPersonOut, allow_none=True)


class MedicalCertificateList(Schema):
    items = fields.List(fields.Nested(MedicalCertificateOut))
    total = fields.Int()
    page = fields.Int()
    per_page = fields.Int()


class ClassHealthOut(Schema):
    class_id = fields.Int()
    class_name = fields.Str()
    view = fields.Str()
    date = fields.Date()
    rows = fields.List(fields.Nested(HealthSheetOut))
    summary = fields.Dict()


# --- dumps (plain dicts; pages render them, the API passes them through the schemas) -----------

def person(user) -> dict | None:
    return {"id": user.id, "name": user.display_name} if user is not None else None


def pe_label(code: str | None) -> str | None:
    return _(PE_GROUP_LABELS[code]) if code in PE_GROUP_LABELS else None


def pe_current(rec, day: dt.date) -> bool:
    if rec is None or not rec.pe_group:
        return False
    return (rec.pe_valid_from is None or rec.pe_valid_from <= day) and (rec.pe_valid_to is None or day <= rec.pe_valid_to)


def sheet(student, rec, view: str, *, users: dict | None = None, cert=None, day: dt.date | None = None,
          school_class=None) -> dict:
    """One student's sheet as a dict: everything for ``view="full"``, only the PE part for ``"pe"``.

    ``users`` maps user id -> User (for ``entered_by``) so a class table needs no query per row.
    """
    day = day or today()
    class_id = student.school_class_id
    cls = school_class or (student.school_class if class_id else None)
    out = {"student_id": student.id, "student_name": student.full_name,
           "class_id": class_id, "class_name": cls.name if cls is not None else None,
           "view": view, "pe_current": pe_current(rec, day)}
    for f in PE_FIELDS:
        out[f] = getattr(rec, f) if rec is not None else ("" if f == "pe_limits" else None)
    out["pe_group_label"] = pe_label(out["pe_group"])
    if view != "full":
        return out
    for f in SHEET_FIELDS:
        if f not in PE_FIELDS:
            out[f] = getattr(rec, f) if rec is not None else (None if f == "health_group" else "")
    out["health_group_label"] = ROMAN.get(out["health_group"])
    out["exists"] = rec is not None
    out["version"] = rec.version if rec is not None else 0
    out["source"] = rec.source if rec is not None else None
    out["source_label"] = _(SOURCE_LABELS[rec.source]) if rec is not None and rec.source in SOURCE_LABELS else None
    out["updated_at"] = rec.updated_at if rec is not None else None
    if rec is not None and rec.entered_by_id:
        u = (users or {}).get(rec.entered_by_id) or rec.entered_by
        out["entered_by"] = person(u)
    else:
        out["entered_by"] = None
    out["certificate_today"] = ({"id": cert.id, "date_from": cert.date_from, "date_to": cert.date_to}
                                if cert is not None else None)
    return out


def version(v, prev, users: dict) -> dict:
    out = {f: getattr(v, f) for f in SHEET_FIELDS}
    out.update(version=v.version, entered_at=v.entered_at, source=v.source, via=v.via,
               entered_by=person(users.get(v.entered_by_id)) if v.entered_by_id else None,
               # the first version "changed" what it filled in
               changed=[f for f in SHEET_FIELDS if (getattr(v, f) not in (None, "") if prev is None
                                                    else getattr(prev, f) != getattr(v, f))])
    out["pe_group_label"] = pe_label(v.pe_group)
    out["health_group_label"] = ROMAN.get(v.health_group)
    out["source_label"] = _(SOURCE_LABELS.get(v.source, v.source))
    return out


def certificate(c, users: dict) -> dict:
    return {"id": c.id, "student_id": c.student_id, "date_from": c.date_from, "date_to": c.date_to,
            "issued_by": c.issued_by, "number": c.number, "reason": c.reason,
            "reason_label": _(REASON_LABELS.get(c.reason, c.reason)), "source": c.source,
            "created_by": person(users.get(c.created_by_id)) if c.created_by_id else None,
            "created_at": c.created_at, "removed_at": c.removed_at,
            "removed_by": person(users.get(c.removed_by_id)) if c.removed_by_id else None}


def users_by_id(ids) -> dict:
    from zhurnal.core.identity.models import User
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.id: u for u in User.select(User.id, User.display_name).where(User.id.in_(list(ids)))}
