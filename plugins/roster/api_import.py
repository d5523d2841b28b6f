"""Roster API: the class list upload (CSV or XLSX), into one class or a whole school."""
from __future__ import annotations

import io

from flask import g, request
from flask_babel import gettext as _

from zhurnal.core.api import ApiError, endpoint, invalid
from zhurnal.core.identity.models import School

from . import lookup
from .blueprints import api as bp
from .inputs import ImportArgs


def _import_upload(school, only_class, args) -> dict:
    """The class-list upload both import endpoints share: multipart ``file``, an optional ``mapping``
    (JSON: caption -> column key, "" for "do not import"); 422 with the report when refused."""
    import json
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise invalid({"file": _("Attach a CSV or XLSX file.")})
    mapping = None
    raw = request.form.get("mapping")
    if raw:
        from .import_headers import KEYS
        try:
            mapping = json.loads(raw)
        except ValueError:
            mapping = None
        if not isinstance(mapping, dict) or not all(
                isinstance(c, str) and len(c) <= 200 and k in KEYS + ("",) for c, k in mapping.items()):
            raise invalid({"mapping": _("Give the mapping as a JSON object: caption -> column key.")})
    from .importer import import_students
    report = import_students(io.BytesIO(upload.read()), upload.filename, school, g.user, args["dry_run"],
                             only_class=only_class, mapping=mapping)
    if not report.ok:
        raise ApiError(422, "invalid_file", report.summary(), {"file": report.summary()}, **report.to_dict())
    return report.to_dict()


@endpoint(bp, "/classes/<int:class_id>/import", ["POST"], query=ImportArgs,
          summary="Upload a class list into one class (multipart 'file': CSV or XLSX; optional 'mapping': JSON "
                  "caption -> column key). All rows or nothing; dry_run=1 only checks")
def import_class(class_id, args):
    cls = lookup.find_class(class_id, "roster.import")
    return _import_upload(School.get_by_id(cls.school_id), cls, args)


@endpoint(bp, "/schools/<int:school_id>/import", ["POST"], query=ImportArgs,
          summary="Upload the class lists of a school (rows name their class; multipart 'file', optional "
                  "'mapping'). All rows or nothing; dry_run=1 only checks")
def import_school(school_id, args):
    school = lookup.find_school(school_id, "roster.import")
    return _import_upload(school, None, args)
