"""The acknowledgement control as a file: CSV (semicolons, BOM: opens in Excel) or XLSX (:mod:`core.tabular`)."""
from __future__ import annotations

import io

from flask import Response
from flask_babel import format_datetime, gettext as _

from core.tabular import write_table


def _status_label(status: str) -> str:
    return {"acknowledged": _("Acknowledged"), "outdated": _("Acknowledged, new data since"),
            "pending": _("Not acknowledged"), "no_account": _("No account"),
            "paper": _("Handed over on paper")}[status]


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
    out = io.BytesIO()
    write_table(out, fmt, table[0], table[1:], sheet_title=f"{data['class'].name} {data['week']:%d.%m.%Y}")
    body = out.getvalue()
    mime = "text/csv; charset=utf-8" if fmt == "csv" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mime,
                    headers={"Content-Disposition": f'attachment; filename="{filename(data, fmt)}"'})
