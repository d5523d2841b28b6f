"""Reading and writing plain tables: CSV and XLSX, the way schools actually keep them.

Shared by every plugin that imports or exports files (roster, health_sheet, ...).
Generic, knows nothing of students: an importer describes its columns with
:class:`Column`; :func:`read_table` finds the header row (title rows above it
are fine), maps the columns by their usual Russian names and returns the data
rows with the row numbers a spreadsheet shows. CSV may be UTF-8 (with or
without BOM), UTF-16 or cp1251, delimited by ``;``, ``,`` or tab.
Errors are :class:`FileError` with an English msgid (translated by the report).
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from typing import Callable, Iterable

from core.i18n import N_


class FileError(Exception):
    """The file as a whole cannot be read; ``message`` is an English msgid with ``params``."""

    def __init__(self, message: str, **params) -> None:
        super().__init__(message)
        self.message, self.params = message, params


@dataclass(frozen=True)
class Column:
    """A column an importer understands.

    :param key: the importer's name for it
    :param title: the title written on export and shown in messages («Дата рождения»)
    :param aliases: other titles schools use (compared after :func:`normalize_header`)
    """
    key: str
    title: str
    aliases: tuple[str, ...] = ()

    def matches(self, header: str) -> bool:
        h = normalize_header(header)
        return bool(h) and (h == normalize_header(self.title) or h in {normalize_header(a) for a in self.aliases})


@dataclass
class Table:
    header_row: int
    #: column key -> the title as written in the file (for messages)
    titles: dict[str, str]
    #: (row number, {column key: cell value}) for every row that is not blank
    rows: list[tuple[int, dict]] = field(default_factory=list)
    #: headers no column matched
    ignored: list[str] = field(default_factory=list)


def normalize_header(text) -> str:
    s = str(text or "").replace("\u00a0", " ").strip().lower().replace("ё", "е")
    s = re.sub(r"e[\s-]?mail", "email", s)
    s = re.sub(r"\s+", " ", s)
    return s.strip(" *:.")


_FORMULA = re.compile(r"[=@\t\r]|[+\-].*[^0-9\s()+\-.]")


def defuse(text: str) -> str:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe
    (phone numbers like +7 910 111-22-33 stay as they are); :func:`clean` removes it again."""
    return "'" + text if text and _FORMULA.match(text) else text


def clean(value):
    """A cell as Python sees it: trimmed text, ints for whole numbers, dates for midnight datetimes."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = re.sub(r"\s+", " ", value.replace("\u00a0", " ")).strip()
        return value[1:] if value.startswith("'") and _FORMULA.match(value[1:]) else value
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    return value


def as_text(value) -> str:
    """A cell as text: dates as 05.03.2015, numbers without ".0"."""
    value = clean(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.strftime("%d.%m.%Y")
    return str(value)


_DATE_FORMATS = ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")


def parse_date(value) -> dt.date:
    """05.03.2015, 5.3.2015, 2015-03-05, 05/03/2015, an XLSX date cell or an Excel day number.

    :raises ValueError: anything else
    """
    value = clean(value)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int) and 1 <= value <= 80000:  # a date cell formatted as a number
        from openpyxl.utils.datetime import from_excel
        return from_excel(value).date()
    text = re.sub(r"\s*(г\.?|года)$", "", str(value).strip())
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(value)


# --- reading ---------------------------------------------------------------------------------

def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1251", errors="replace")


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (";", "\t", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


def _csv_rows(data: bytes) -> list[tuple[int, list]]:
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        return [(n, [clean(c) for c in row]) for n, row in enumerate(reader, 1)]
    except csv.Error as e:
        raise FileError(N_("The CSV file cannot be read: %(reason)s."), reason=str(e)) from None


def _xlsx_rows(data: bytes) -> list[tuple[int, list]]:
    from openpyxl import load_workbook
    try:
        wb = load_workbook(io.BytesIO(data), data_only=True)
    except Exception:  # noqa: BLE001 - any failure means the same to the user
        raise FileError(N_("The XLSX file cannot be read: it is damaged or not an Excel workbook.")) from None
    ws = wb.worksheets[0]
    out = []
    for row in ws.iter_rows():
        if row:
            out.append((row[0].row, [clean(c.value) for c in row]))
    return out


def raw_rows(data: bytes, filename: str = "") -> list[tuple[int, list]]:
    """(row number, cells) of the first sheet of an XLSX file or of a CSV file."""
    name = (filename or "").lower()
    if data.startswith(b"PK\x03\x04"):
        return _xlsx_rows(data)
    if data.startswith(b"\xd0\xcf\x11\xe0") or name.endswith(".xls"):
        raise FileError(N_("Old Excel files (.xls) are not supported: save the file as XLSX or CSV."))
    if name.endswith((".xlsx", ".xlsm")):
        raise FileError(N_("The XLSX file cannot be read: it is damaged or not an Excel workbook."))
    if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileError(N_("This is not a CSV or XLSX file."))
    return _csv_rows(data)


def read_table(source, filename: str, columns: Iterable[Column], header_ok: Callable[[set], bool], *,
               max_rows: int = 5000, header_scan: int = 10) -> Table:
    """Read a CSV or XLSX file (bytes, a binary stream or a path).

    The header is the first of the top ``header_scan`` rows whose recognised
    columns satisfy ``header_ok(keys)``. Blank rows are skipped.

    :raises FileError: unreadable file, no header, a column given twice, too many rows
    """
    if isinstance(source, (bytes, bytearray)):
        data = bytes(source)
    elif hasattr(source, "read"):
        data = source.read()
    else:
        with open(source, "rb") as fh:
            data = fh.read()
    if not data.strip():
        raise FileError(N_("The file is empty."))
    rows = raw_rows(data, filename)
    columns = list(columns)
    for pos, (rowno, cells) in enumerate(rows[:header_scan]):
        found: dict[str, int] = {}
        titles: dict[str, str] = {}
        ignored = []
        for i, cell in enumerate(cells):
            header = as_text(cell)
            col = next((c for c in columns if c.matches(header)), None)
            if col is None:
                if header:
                    ignored.append(header)
                continue
            if col.key in found:
                raise FileError(N_("The column «%(column)s» is given twice (row %(row)d)."), column=header, row=rowno)
            found[col.key], titles[col.key] = i, header
        if header_ok(set(found)):
            table = Table(header_row=rowno, titles=titles, ignored=ignored)
            for n, cells in rows[pos + 1:]:
                values = {k: (cells[i] if i < len(cells) else "") for k, i in found.items()}
                if all(v == "" for v in values.values()):
                    continue
                table.rows.append((n, values))
                if len(table.rows) > max_rows:
                    raise FileError(N_("The file has more than %(max)d rows; split it."), max=max_rows)
            return table
    raise FileError(N_("No header row found. The first row must name the columns, e.g. %(columns)s."),
                    columns=", ".join(f"«{c.title}»" for c in columns[:4]))


# --- writing ---------------------------------------------------------------------------------

def write_table(target, fmt: str, titles: list[str], rows: list[list], *, sheet_title: str = "Sheet") -> None:
    """Write ``rows`` under ``titles`` to a path or binary stream.

    CSV: UTF-8 with BOM, ``;``-delimited, dates as 05.03.2015 (what Excel in
    Russia opens as is). XLSX: dates are date cells shown as ДД.ММ.ГГГГ.
    """
    if fmt == "csv":
        buf = io.StringIO(newline="")
        w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
        w.writerow(titles)
        for row in rows:
            w.writerow([defuse(as_text(v)) for v in row])
        payload = codecs.BOM_UTF8 + buf.getvalue().encode("utf-8")
        if hasattr(target, "write"):
            target.write(payload)
        else:
            with open(target, "wb") as fh:
                fh.write(payload)
        return
    if fmt != "xlsx":
        raise ValueError(f"unknown format {fmt!r}")
    from openpyxl import Workbook
    from openpyxl.styles import Font
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title[:31]
    ws.append(titles)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text, never a formula
    widths = [len(t) for t in titles]
    for row in ws.iter_rows(min_row=2):
        for i, cell in enumerate(row):
            if isinstance(cell.value, dt.date):
                cell.number_format = "DD.MM.YYYY"
            widths[i] = max(widths[i], len(as_text(cell.value)))
    from openpyxl.utils import get_column_letter
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = min(60, w + 2)
    ws.freeze_panes = "A2"
    wb.save(target)
