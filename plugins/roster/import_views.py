"""The class-list import page: upload, a preview of how every column is read (with a choice for each,
remembered for the school), a dry run, and the import — the same import as the CLI and the API.

The uploaded file travels with the preview form (base64 in a hidden field): the web tier keeps no
state between the preview and the import.
"""
from __future__ import annotations

import base64
import binascii
import io

from flask import flash, g, render_template, request
from flask_babel import gettext as _

from .import_headers import IGNORE, MAPPABLE, TITLE, recognise
from .importer import COLUMNS, EXPORT_KEYS, import_students, save_mapping, saved_mapping


def _choices() -> list[tuple[str, str]]:
    return [("", _("— do not import —"))] + [(k, TITLE[k]) for k in MAPPABLE]


def import_post(school, cls):
    """GET: the upload form. POST: ``action`` = ``preview`` (default: read, recognise, dry run),
    ``check`` (dry run with the chosen mapping) or ``import`` (write, with the chosen mapping)."""
    report, status, payload, filename, chosen = None, 200, "", "", {}
    if request.method == "POST":
        action = request.form.get("action") or "preview"
        upload = request.files.get("file")
        if upload is not None and upload.filename:
            data, filename = upload.read(), upload.filename
        else:
            filename = (request.form.get("filename") or "")[:200]
            try:
                data = base64.b64decode(request.form.get("payload") or "", validate=True)
            except (binascii.Error, ValueError):
                data = b""
        if not data and not filename:
            flash(_("Choose a CSV or XLSX file."), "error")
            status = 422
        else:
            mapping = None
            if action in ("check", "import") and request.form.get("mapped") == "1":
                mapping = {}
                count = request.form.get("columns", "")
                for i in range(min(int(count), 300) if count.isdigit() else 0):
                    caption = (request.form.get(f"caption-{i}") or "")[:200]
                    key = request.form.get(f"map-{i}") or ""
                    if caption and key in MAPPABLE + ("",):
                        mapping[caption] = key
            dry_run = action != "import" or request.form.get("dry_run") in ("1", "on")
            if upload is not None and upload.filename and action == "preview":
                dry_run = True
            report = import_students(io.BytesIO(data), filename, school, g.user, dry_run, only_class=cls,
                                     mapping=mapping)
            if mapping and request.form.get("save_mapping") == "1" and (report.ok or report.columns):
                saved = saved_mapping(school)
                remember = {}
                for c, k in mapping.items():
                    rule = recognise(c)  # what the importer makes of it without the school's mapping
                    if k != ("" if rule in (None, IGNORE) else rule) or c in saved:
                        remember[c] = k
                if remember:
                    save_mapping(school, remember, by=g.user)
            chosen = {c: ("" if k in (None, IGNORE) else k) for c, k in report.columns}
            payload = base64.b64encode(data).decode("ascii") if not report.written else ""
            status = 200 if report.ok else 422
    return render_template("roster/import.html", cls=cls, report=report, titles=[TITLE[k] for k in EXPORT_KEYS],
                           aliases=COLUMNS, payload=payload, filename=filename, chosen=chosen,
                           choices=_choices()), status
