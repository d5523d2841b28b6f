"""Reading and writing plain tables: CSV and XLSX, the way schools actually keep them.

Shared by every plugin that imports or exports files (roster, health_sheet, ...).
Generic, knows nothing of students: an importer describes its columns with
:class:`Column`; :func:`read_table` finds the header row (title rows above it
are fine), maps the columns by their usual Russian names and returns the data
rows with the row numbers a spreadsheet shows. CSV may be UTF-8 (with or
without BOM), UTF-16 or cp1251, delimited by ``;``, ``,`` or tab, with CRLF line ends and
line breaks inside quoted cells. XLSX merged cells carry their value into every cell they
cover, so a merged title is one row of the same text and a two-level header ("Мать" over
"ФИО" and "Телефон") reads as "Мать ФИО", "Мать Телефон" (:func:`find_header`). A totals
footer ("Итого", "Всего") ends the data. An importer with its own vocabulary passes a
``recognise(caption) -> key | None`` instead of :class:`Column` aliases.
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

from zhurnal.core.i18n import N_


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
    if isinstance(value, str):  # spaces collapsed; line breaks inside a cell kept (one guardian per line)
        lines = (re.sub(r"\s+", " ", line).strip() for line in value.replace("\u00a0", " ").splitlines())
        value = "\n".join(line for line in lines if line)
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
    out, line = [], 1
    try:
        for row in reader:  # numbered by the line each record starts on (a quoted cell may span lines)
            out.append((line, [clean(c) for c in row]))
            line = reader.line_num + 1
        return out
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
    # a merged range shows its value in every cell it covers (a title over the table, "Мать" over two columns)
    first_row = out[0][0] if out else 1
    for rng in ws.merged_cells.ranges:
        value = clean(ws.cell(rng.min_row, rng.min_col).value)
        for r in range(rng.min_row, rng.max_row + 1):
            pos = r - first_row
            if not 0 <= pos < len(out):
                continue
            cells = out[pos][1]
            if len(cells) < rng.max_col:
                cells.extend([""] * (rng.max_col - len(cells)))
            for c in range(rng.min_col, rng.max_col + 1):
                cells[c - 1] = value
    return out


def raw_rows(data: bytes, filename: str = "") -> list[tuple[int, list]]:
    """(row number, cells) of the first sheet of an XLSX file (Excel's row numbers) or of a CSV file
    (the line each record starts on)."""
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


def read_bytes(source) -> bytes:
    """The bytes of ``source`` (bytes, a binary stream or a path). :raises FileError: an empty file"""
    if isinstance(source, (bytes, bytearray)):
        data = bytes(source)
    elif hasattr(source, "read"):
        data = source.read()
    else:
        with open(source, "rb") as fh:
            data = fh.read()
    if not data.strip():
        raise FileError(N_("The file is empty."))
    return data


@dataclass
class Header:
    """Where the header is and what its columns are: ``rows`` (one or two row numbers), ``captions``
    (column index -> the caption as shown, two levels joined), ``keys`` (column index -> key) and
    ``data_from`` (position in the rows list of the first row under it)."""
    rows: tuple[int, ...]
    captions: dict[int, str]
    keys: dict[int, str]
    data_from: int

    @property
    def unknown(self) -> list[str]:
        return [c for i, c in sorted(self.captions.items()) if i not in self.keys]


def _captions(top: list, below: list | None) -> dict[int, str]:
    """Captions of one header row, or of two read as one. A group caption written once over its
    sub-captions (a CSV saved from merged cells: "Мать;;" over "ФИО;Телефон") covers the empty
    cells after it while the row below goes on."""
    out = {}
    group = ""
    for i in range(max(len(top), len(below or []))):
        a = as_text(top[i]) if i < len(top) else ""
        b = as_text(below[i]) if below is not None and i < len(below) else ""
        if below is not None:
            if a and b:
                group = a
            elif not a and b and group:
                a = group
            else:
                group = ""
        text = a if not b or b == a else b if not a else f"{a} {b}"
        if text:
            out[i] = text
    return out


def find_header(rows: list[tuple[int, list]], recognise: Callable[[str], str | None],
                header_ok: Callable[[set], bool], *, header_scan: int = 12) -> Header | None:
    """The header among the top ``header_scan`` rows: the row, or two rows read as one (a merged group
    caption over its sub-captions), whose recognised keys satisfy ``header_ok`` and are the most.
    Title and preamble rows above it are skipped."""
    best: Header | None = None
    for pos in range(min(header_scan, len(rows))):
        for depth in (1, 2):
            if pos + depth > len(rows):
                continue
            below = rows[pos + 1][1] if depth == 2 else None
            captions = _captions(rows[pos][1], below)
            keys = {}
            for i, text in captions.items():
                key = recognise(text)
                if key:
                    keys[i] = key
            if not header_ok(set(keys.values())):
                continue
            cand = Header(tuple(r for r, _c in rows[pos:pos + depth]), captions, keys, pos + depth)
            # the most distinct columns wins; on a tie the higher, single row (a header row read
            # together with the first data row recognises nothing more)
            if best is None or len(set(keys.values())) > len(set(best.keys.values())):
                best = cand
    return best


_FOOTER = re.compile(r"^(итого|всего|total)\b", re.IGNORECASE)


def is_footer(cells: Iterable) -> bool:
    """A totals row under the data ("Итого: 25", "Всего учащихся 25")."""
    first = next((as_text(c) for c in cells if as_text(c)), "")
    return bool(_FOOTER.match(first))


def read_table(source, filename: str, columns: Iterable[Column], header_ok: Callable[[set], bool], *,
               max_rows: int = 5000, header_scan: int = 10,
               recognise: Callable[[str], str | None] | None = None) -> Table:
    """Read a CSV or XLSX file (bytes, a binary stream or a path).

    The header is found by :func:`find_header` (columns recognised by ``recognise`` when given,
    else by ``columns``). Blank rows are skipped; a totals footer ends the data.

    :raises FileError: unreadable file, no header, a column given twice, too many rows
    """
    rows = raw_rows(read_bytes(source), filename)
    columns = list(columns)
    if recognise is None:
        def recognise(text: str) -> str | None:
            return next((c.key for c in columns if c.matches(text)), None)
    header = find_header(rows, recognise, header_ok, header_scan=header_scan)
    if header is None:
        raise FileError(N_("No header row found. The first row must name the columns, e.g. %(columns)s."),
                        columns=", ".join(f"«{c.title}»" for c in columns[:4]))
    found: dict[str, int] = {}
    titles: dict[str, str] = {}
    for i, key in sorted(header.keys.items()):
        if key in found:
            raise FileError(N_("The column «%(column)s» is given twice (row %(row)d)."), column=header.captions[i],
                            row=header.rows[-1])
        found[key], titles[key] = i, header.captions[i]
    table = Table(header_row=header.rows[-1], titles=titles, ignored=header.unknown)
    for n, cells in rows[header.data_from:]:
        values = {k: (cells[i] if i < len(cells) else "") for k, i in found.items()}
        if all(v == "" for v in values.values()):
            continue
        if is_footer(cells):
            break
        table.rows.append((n, values))
        if len(table.rows) > max_rows:
            raise FileError(N_("The file has more than %(max)d rows; split it."), max=max_rows)
    return table


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
