"""Import of a class's health sheet from a spreadsheet (XLSX, or CSV): all or nothing.

Each row names a student of the class (surname, name, patronymic and date of
birth, to tell namesakes apart) and their health data. The whole file is
checked first; every problem is reported with its row number, column and a
message, and nothing is written unless every row is valid.

Offered as importer kind ``health`` (``zhurnal import health FILE``: the file
then needs a «Класс» column, or the students are looked up in the whole school)
and on the class page for the class teacher and the nurse.
"""
from __future__ import annotations

import datetime as dt
import re

from flask import current_app, has_request_context
from flask_babel import force_locale, gettext

from zhurnal.core.import_report import ImportReport
from zhurnal.core.tabular import Column, FileError, normalize_header, parse_date, read_table
from zhurnal.plugins.roster import service as roster
from zhurnal.plugins.roster.models import SchoolClass, Student

from . import service

MAX_ROWS = 2000
TEXT_MAX = 2000

#: field -> accepted headers (compared lower-case, "ё" as "е", without punctuation at the end)
HEADERS = {
    "last_name": ("фамилия",),
    "first_name": ("имя",),
    "middle_name": ("отчество",),
    "birth_date": ("дата рождения",),
    "class_name": ("класс",),
    "health_group": ("группа здоровья",),
    "pe_group": ("физкультурная группа", "группа по физкультуре", "группа для занятий физкультурой",
                 "медицинская группа"),
    "pe_valid_from": ("действует с",),
    "pe_valid_to": ("действует до", "срок действия"),
    "pe_limits": ("ограничения", "ограничения по физкультуре"),
    "recommendations": ("рекомендации",),
    "allergies": ("аллергии", "аллергия"),
    "notes": ("примечания", "примечание"),
}
#: how a missing column is named in the report
TITLES = {"last_name": "Фамилия", "first_name": "Имя", "birth_date": "Дата рождения",
          "health_group": "Группа здоровья", "pe_group": "Физкультурная группа"}
REQUIRED = ("last_name", "first_name", "birth_date", "health_group", "pe_group")
TEXT_FIELDS = ("pe_limits", "recommendations", "allergies", "notes")


def _(msgid: str, /, **kw) -> str:
    """Translate in the request's language; outside a request (CLI) in the deployment's default.

    (Named ``_`` so that ``python -m zhurnal.core.i18n update`` extracts the messages.)
    """
    if has_request_context():
        return gettext(msgid, **kw)
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "ru")):
        return gettext(msgid, **kw)


class HealthReport(ImportReport):
    """The health sheet import's report (the kernel's, worded for health sheets)."""

    def describe(self) -> str:
        if self.errors:
            return _("Nothing was imported: correct the file and try again.")
        if self.written:
            return _("Imported %(rows)d rows: %(created)d new sheets, %(updated)d changed, %(unchanged)d unchanged.",
                     rows=self.rows, created=self.created, updated=self.updated, unchanged=self.unchanged)
        return _("The file is correct: %(rows)d rows. Nothing was written (check only).", rows=self.rows)


# --- reading the file -----------------------------------------------------------------------------

def _norm(s) -> str:
    s = re.sub(r"\s+", " ", str(s or "")).strip().lower().replace("ё", "е")
    return s.rstrip(" :*.")


def _recognise(caption: str) -> str | None:
    n = normalize_header(caption)
    return next((f for f, accepted in HEADERS.items() if n in accepted), None)


def _header_ok(keys: set) -> bool:
    """A header names the student: at least the surname and the name."""
    return {"last_name", "first_name"} <= keys


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


ROMAN_IN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5}


def parse_health_group(v) -> int:
    if isinstance(v, (int, float)) and float(v).is_integer() and 1 <= int(v) <= 5:
        return int(v)
    s = str(v).strip().upper().replace("І", "I").replace("Ⅰ", "I").replace("Ⅱ", "II").replace("Ⅲ", "III")
    s = re.sub(r"\s*(ГРУППА|ГР\.?)\s*", "", s).strip()
    if s in ROMAN_IN:
        return ROMAN_IN[s]
    if s.isdigit() and 1 <= int(s) <= 5:
        return int(s)
    raise ValueError(s)


def parse_pe_group(v) -> str:
    s = _norm(v)
    if s.startswith("осн"):
        return "main"
    if s.startswith("подг"):
        return "preparatory"
    if s.startswith("спец") or s.startswith("смг"):
        return "special"
    if s.startswith("освоб"):
        return "exempt"
    raise ValueError(s)


def _key(last, first, birth) -> tuple:
    return (_norm(last), _norm(first), birth)


# --- the importer ------------------------------------------------------------------------------------

def import_health(stream, filename, school, user, dry_run, school_class: SchoolClass | None = None) -> HealthReport:
    """Check (and unless ``dry_run`` write) a health sheet file; see the module's docstring."""
    report = HealthReport(kind="health", filename=filename or "", dry_run=bool(dry_run))
    try:
        table = read_table(stream, filename or "", [Column(f, t) for f, t in TITLES.items()], _header_ok,
                           max_rows=MAX_ROWS, recognise=_recognise)
    except FileError as e:
        report.file_error(e, row=1)
        return report
    header_row, names = table.header_row, table.titles
    for f in REQUIRED:
        if f not in names:
            report.error(header_row, TITLES[f], _("The column is missing."))
    if report.errors:
        return report
    if not table.rows:
        report.error(header_row + 1, "", _("There are no rows with students."))
        return report

    index = _StudentIndex(school, school_class)
    seen: dict[int, int] = {}
    parsed: list[tuple[Student, dict]] = []
    for rownum, cells in table.rows:
        report.rows += 1

        def cell(f):
            return cells.get(f)

        def err(f, message):
            report.error(rownum, names.get(f, TITLES.get(f, "")), message)

        values: dict = {}
        ok = True
        for f in ("last_name", "first_name"):
            if _blank(cell(f)):
                err(f, _("Fill in this cell."))
                ok = False
        birth = None
        if _blank(cell("birth_date")):
            err("birth_date", _("Fill in this cell."))
            ok = False
        else:
            try:
                birth = parse_date(cell("birth_date"))
            except ValueError:
                err("birth_date", _("Not a date: write it as 01.09.2014."))
                ok = False
        if _blank(cell("health_group")):
            err("health_group", _("Fill in this cell."))
        else:
            try:
                values["health_group"] = parse_health_group(cell("health_group"))
            except ValueError:
                err("health_group", _("The health group is I, II, III, IV or V."))
        if _blank(cell("pe_group")):
            err("pe_group", _("Fill in this cell."))
        else:
            try:
                values["pe_group"] = parse_pe_group(cell("pe_group"))
            except ValueError:
                err("pe_group", _("The PE group is «основная», «подготовительная», «специальная» or «освобождён»."))
        for f in ("pe_valid_from", "pe_valid_to"):
            values[f] = None
            if not _blank(cell(f)):
                try:
                    values[f] = parse_date(cell(f))
                except ValueError:
                    err(f, _("Not a date: write it as 01.09.2014."))
        if values.get("pe_valid_from") and values.get("pe_valid_to") and values["pe_valid_to"] < values["pe_valid_from"]:
            err("pe_valid_to", _("The end of the period is before its start."))
        for f in TEXT_FIELDS:
            v = cell(f)
            values[f] = "" if _blank(v) else str(v).strip()
            if len(values[f]) > TEXT_MAX:
                err(f, _("The text is too long: at most %(n)d characters.", n=TEXT_MAX))
        if not ok:
            continue
        student, problem = index.find(cell("last_name"), cell("first_name"), cell("middle_name"), birth,
                                      cell("class_name"))
        if student is None:
            err("last_name", problem)
            continue
        if student.id in seen:
            err("last_name", _("This student is already in row %(row)d.", row=seen[student.id]))
            continue
        seen[student.id] = rownum
        parsed.append((student, values))
    if report.errors or dry_run:
        return report
    counts = service.import_sheets(parsed, by=user, school_id=getattr(school, "id", school), filename=filename or "")
    report.created, report.updated, report.unchanged = counts["created"], counts["updated"], counts["unchanged"]
    report.written = True
    return report


class _StudentIndex:
    """Finds a row's student among the class (or the school's current classes)."""

    def __init__(self, school, school_class: SchoolClass | None) -> None:
        self.school_class = school_class
        self.by_key: dict[tuple, list[Student]] = {}
        self.classes: dict[str, int] = {}
        if school_class is not None:
            students = roster.class_students(school_class.id)
        else:
            year = roster.current_year(school, _today())
            classes = roster.classes(school, year) if year else []
            self.classes = {_norm(c.name): c.id for c in classes}
            students = list(Student.select().where(Student.school_class.in_(list(self.classes.values()) or [-1]) &
                                                   Student.left_at.is_null()))
        for s in students:
            self.by_key.setdefault(_key(s.last_name, s.first_name, s.birth_date), []).append(s)

    def find(self, last, first, middle, birth, class_name) -> tuple[Student | None, str]:
        found = self.by_key.get(_key(last, first, birth), [])
        where = self.school_class.name if self.school_class is not None else None
        if self.school_class is None and not _blank(class_name):
            cid = self.classes.get(_norm(class_name))
            if cid is None:
                return None, _("There is no class %(name)s this school year.", name=str(class_name).strip())
            found = [s for s in found if s.school_class_id == cid]
            where = str(class_name).strip()
        if len(found) > 1 and not _blank(middle):
            found = [s for s in found if _norm(s.middle_name) == _norm(middle)]
        if not found:
            if where:
                return None, _("No such student in class %(name)s (check the name and the date of birth).",
                               name=where)
            return None, _("No such student in the school (check the name and the date of birth).")
        if len(found) > 1:
            return None, _("Several students have this name and date of birth: add the patronymic.")
        s = found[0]
        if not _blank(middle) and s.middle_name and _norm(s.middle_name) != _norm(middle):
            return None, _("The patronymic differs from the class list (%(name)s).", name=s.full_name)
        return s, ""


def _today() -> dt.date:
    from zhurnal.core.clock import today
    return today()
