"""The acknowledgement control as a file: CSV (semicolons, BOM: opens in Excel) or XLSX."""
from __future__ import annotations

import csv
import io

from flask import Response
from flask_babel import format_datetime, gettext as _


def _status_label(status: str) -> str:
    return {"acknowledged": _("Acknowledged"), "outdated": _("Acknowledged, new data since"),
            "pending": _("Not acknowledged"), "no_account": _("No account")}[status]


def relation_label(relation: str) -> str:
    return {"mother": _("mother"), "father": _("father"), "guardian": _("guardian"),
            "other": _("other")}.get(relation, relation)


def rows(data: dict) -> list[list]:
    """Header and one line per (student, guardian)."""
    out = [[_("Student"), _("Guardian"), _("Relation"), _("Status"), _("Acknowledged at"),
            _("Last opened the diary")]]
    for r in data["rows"]:
        out.append([r["student"], r["guardian"], relation_label(r["relation"]), _status_label(r["status"]),
                    format_datetime(r["acknowledged_at"], "short") if r["acknowledged_at"] else "",
                    format_datetime(r["last_visit_at"], "short") if r["last_visit_at"] else ""])
    return out


def filename(data: dict, ext: str) -> str:
    return f"acknowledgements-{data['class'].id}-{data['week'].isoformat()}.{ext}"


def response(data: dict, fmt: str) -> Response:
    table = rows(data)
    if fmt == "csv":
        buf = io.StringIO()
        buf.write("\ufeff")
        csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows(table)
        body, mime = buf.getvalue().encode("utf-8"), "text/csv; charset=utf-8"
    else:
        from openpyxl import Workbook
        wb = Workbook()
        ws = wb.active
        ws.title = f"{data['class'].name} {data['week']:%d.%m.%Y}"
        for line in table:
            ws.append(line)
        for col, width in zip("ABCDEF", (28, 34, 12, 26, 18, 18)):
            ws.column_dimensions[col].width = width
        ws.freeze_panes = "A2"
        out = io.BytesIO()
        wb.save(out)
        body, mime = out.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mime,
                    headers={"Content-Disposition": f'attachment; filename="{filename(data, fmt)}"'})
