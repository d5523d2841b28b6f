"""Journal API: marking scales, the scale of a subject, kinds of work.
"""
from __future__ import annotations


from flask import g
from marshmallow import Schema, validate

from zhurnal.core import access, fields
from zhurnal.core.api import endpoint, forbidden, invalid, not_found
from zhurnal.plugins.roster.models import Subject

from . import service
from .api_common import _call, _require, _school_id, bp


@endpoint(bp, "/scales", ["GET"], summary="Marking scales and kinds of work of the school, and which subject "
                                          "uses which scale")
def list_scales():
    if g.get("school") is None or not access.can(g.user, "journal.read"):
        raise forbidden()
    from .models import MarkScale, SubjectScale
    subjects = {str(subj): code for subj, code in SubjectScale.select(SubjectScale.subject, MarkScale.code)
                .join(MarkScale).where(MarkScale.school == g.school.id).tuples()}
    return {"scales": [{"code": s.code, "name": s.name, "values": list(s.values), "numeric": s.numeric}
                       for s in service.scales(g.school)],
            "default": service.scale_for(-1, g.school.id).code,
            "kinds": [{"code": k.code, "name": k.name, "weight": k.weight} for k in service.work_kinds(g.school)],
            "subjects": subjects}


class ScaleIn(Schema):
    name = fields.Str(required=True, validate=validate.Length(min=1, max=60))
    #: the marks, best first
    values = fields.List(fields.Str(validate=validate.Length(min=1, max=8)), required=True,
                         validate=validate.Length(min=1, max=20))
    #: mark -> the number averages use; marks left out are not averaged (pass/fail)
    numeric = fields.Dict(keys=fields.Str(), values=fields.Float(), load_default=dict)
    #: make it the school's default scale (subjects without their own scale use it)
    default = fields.Bool(load_default=False)


@endpoint(bp, "/scales/<code>", ["PUT"], summary="Add a marking scale to the school or change one (and make it "
                                                 "the default)", body=ScaleIn)
def set_scale(code: str, body):
    _require("journal.settings.manage", g.school)
    if not code.isidentifier() or len(code) > 20:
        raise invalid({"code": "Latin letters, digits and _ only, up to 20."})
    sc = _call(service.set_scale, g.school, code, body["name"], body["values"], body["numeric"],
               default=body["default"], by=g.user)
    return {"code": sc.code, "name": sc.name, "values": list(sc.values), "numeric": sc.numeric,
            "default": service.scale_for(-1, g.school.id).code == sc.code}


class SubjectScaleIn(Schema):
    #: a scale code of the school, or null for the school's default
    scale = fields.Str(required=True, allow_none=True)


@endpoint(bp, "/subjects/<id:subject_id>/scale", ["PUT"], summary="Mark a subject on another scale",
          body=SubjectScaleIn)
def set_subject_scale(subject_id: int, body):
    subject = Subject.get_or_none(Subject.id == subject_id)
    if subject is None or subject.school_id != _school_id():
        raise not_found("No such subject.")
    _require("journal.settings.manage", g.school)
    codes = [s.code for s in service.scales(g.school)]
    if body["scale"] is not None and body["scale"] not in codes:
        raise invalid({"scale": f"Must be one of: {', '.join(codes)}."})
    service.set_subject_scale(subject, body["scale"], by=g.user)
    s = service.scale_for(subject.id, subject.school_id)
    return {"subject_id": subject.id, "scale": s.code, "values": list(s.values)}


class WorkKindIn(Schema):
    name = fields.Str(required=True, validate=validate.Length(min=1, max=60))
    weight = fields.Float(required=True, validate=validate.Range(min=0.1, max=10))


@endpoint(bp, "/work-kinds/<code>", ["PUT"], summary="Add a kind of work or change its name and weight",
          body=WorkKindIn)
def set_work_kind(code: str, body):
    _require("journal.settings.manage", g.school)
    if not code.isidentifier() or len(code) > 20:
        raise invalid({"code": "Latin letters, digits and _ only, up to 20."})
    wk = service.set_work_kind(g.school, code, body["name"], body["weight"], by=g.user)
    return {"code": wk.code, "name": wk.name, "weight": wk.weight}
