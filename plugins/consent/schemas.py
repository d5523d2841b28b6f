"""Request and response schemas of the consent API."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, validate
from zhurnal.core import fields

from zhurnal.core.api import PageArgs

from .models import ALL_STATUSES, STATUSES

MAX_ID = 2 ** 63 - 1


class DocumentIn(Schema):
    number = fields.Str(required=True, validate=validate.Length(min=1, max=50),
                        metadata={"description": "the number of the signed form (or of the written withdrawal)"})
    kept_at = fields.Str(load_default="", validate=validate.Length(max=200),
                         metadata={"description": "where the signed paper is kept"})


class DocumentField(fields.Field):
    """``{"number", "kept_at"}``, or a plain string taken as the form's number."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = {"number": value}
        if not isinstance(value, dict):
            raise ValidationError("Invalid input type.")
        return DocumentIn().load(value)


_DOCUMENT_OPENAPI = [
    {"type": "string", "minLength": 1, "maxLength": 50},
    {"type": "object", "additionalProperties": False, "required": ["number"],
     "properties": {"number": {"type": "string", "minLength": 1, "maxLength": 50},
                    "kept_at": {"type": "string", "maxLength": 200}}},
]


class ConsentIn(Schema):
    status = fields.Str(required=True, validate=validate.OneOf(STATUSES))
    date = fields.Date(required=True, metadata={"description": "the date on the signed paper"})
    document = DocumentField(required=True, metadata={"description": "{number, kept_at} or the number alone",
                                                      "oneOf": _DOCUMENT_OPENAPI})
    student_ids = fields.List(fields.Int(strict=True, validate=validate.Range(min=1, max=MAX_ID)),
                              validate=validate.Length(min=1, max=30), load_default=None,
                              metadata={"description": "the children the paper covers (default: all the "
                                                       "guardian's children the registrar may register for)"})


class DocumentOut(Schema):
    number = fields.Str()
    kept_at = fields.Str()


class UserRef(Schema):
    id = fields.Int()
    name = fields.Str()


class RecordOut(Schema):
    id = fields.Int()
    guardian_id = fields.Int()
    student_id = fields.Int()
    status = fields.Str()
    date = fields.Date()
    document = fields.Nested(DocumentOut)
    text_version = fields.Int()
    registered_by = fields.Nested(UserRef, allow_none=True)
    registered_at = fields.DateTime()
    via = fields.Str()


class HistoryOut(Schema):
    guardian_id = fields.Int()
    status = fields.Str(metadata={"description": "current status over the guardian's children: one of "
                                                 + ", ".join(ALL_STATUSES) + " or mixed"})
    items = fields.List(fields.Nested(RecordOut))
    total = fields.Int()
    page = fields.Int()
    per_page = fields.Int()


class RegisteredOut(Schema):
    guardian_id = fields.Int()
    status = fields.Str()
    student_ids = fields.List(fields.Int())
    records = fields.List(fields.Nested(RecordOut))


class ChildStatusOut(Schema):
    student_id = fields.Int()
    status = fields.Str()
    date = fields.Date(allow_none=True)


class ClassRowOut(Schema):
    guardian_id = fields.Int()
    guardian = fields.Str()
    login = fields.Str(allow_none=True)
    student_ids = fields.List(fields.Int())
    status = fields.Str(metadata={"description": "granted, refused, withdrawn, none (nothing registered) or "
                                                 "mixed (differs between the children)"})
    children = fields.List(fields.Nested(ChildStatusOut))


class ClassConsentsOut(Schema):
    class_id = fields.Int()
    items = fields.List(fields.Nested(ClassRowOut))
    total = fields.Int()


class HistoryArgs(PageArgs):
    pass


class ClassArgs(Schema):
    status = fields.Str(load_default=None, validate=validate.OneOf(ALL_STATUSES + ("mixed", "paper")),
                        metadata={"description": "only guardians with this status; paper: those who get paper "
                                                 "(refused, withdrawn or nothing registered for some child)"})


def record(r, users: dict) -> dict:
    u = users.get(r.registered_by_id)
    return {"id": r.id, "guardian_id": r.guardian_id, "student_id": r.student_id, "status": r.status, "date": r.date,
            "document": {"number": r.document_number, "kept_at": r.document_kept_at},
            "text_version": r.text.version, "registered_by": {"id": u.id, "name": u.display_name} if u else None,
            "registered_at": r.registered_at, "via": r.via}


def users_by_id(ids) -> dict:
    from zhurnal.core.identity.models import User
    ids = {i for i in ids if i}
    return {u.id: u for u in User.select().where(User.id.in_(list(ids)))} if ids else {}


def class_row(row: dict) -> dict:
    return {"guardian_id": row["guardian_id"], "guardian": row["guardian"], "login": row["login"],
            "student_ids": row["student_ids"], "status": row["status"],
            "children": [{"student_id": c["student_id"], "status": c["status"],
                          "date": c["record"].date if c["record"] else None} for c in row["children"]]}
