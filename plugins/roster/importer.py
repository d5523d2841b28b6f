"""Import and export of class lists (CSV, XLSX) and the report every import gives.

The pattern, for any plugin that imports a table (copy it):

1. describe the columns (:class:`core.tabular.Column`, with the titles schools use);
2. read the file with :func:`core.tabular.read_table`; a :class:`core.tabular.FileError`
   becomes the report's only error;
3. check **every** row and collect **every** problem in an :class:`ImportReport`
   (row number, column, message) — never stop at the first;
4. only when the report is clean, and it is not a dry run, hand the checked plan
   to ``service.py``, which writes all of it in one transaction (or nothing).

Messages are English msgids with parameters; :meth:`ImportReport.lines` translates
them in the request's language, or the deployment's default (Russian) in the CLI.
The column titles themselves (Класс, Фамилия, ...) are the file format: Russian.
"""
from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field

from marshmallow import ValidationError

from core import access
from core.i18n import N_

from . import service
from .models import Guardian, SchoolClass, Student, StudentGuardian
from .schemas import BAD_BIRTH_DATE, BAD_EMAIL, BAD_NAME, BAD_PHONE, TOO_LONG, _birth_date
from core.tabular import Column, FileError, as_text, parse_date, read_table, write_table


# --- the report (generic) -----------------------------------------------------------------------

@dataclass
class RowError:
    """One problem: ``row`` as the spreadsheet numbers it (None: the whole file),
    ``column`` as titled in the file, ``message`` an English msgid formatted with ``params``."""
    row: int | None
    column: str | None
    message: str
    params: dict = field(default_factory=dict)


@dataclass
class ImportReport:
    """What an import found and did. ``ok`` only when no row has an error."""
    kind: str
    filename: str
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    written: bool = False
    errors: list[RowError] = field(default_factory=list)
    notes: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, row: int | None, column: str | None, message: str, **params) -> None:
        self.errors.append(RowError(row, column, message, params))

    def note(self, row: int | None, column: str | None, message: str, **params) -> None:
        self.notes.append(RowError(row, column, message, params))

    def bad_rows(self) -> list[int]:
        return sorted({e.row for e in self.errors if e.row is not None})

    # -- rendering (translated) --
    def _text(self, e: RowError) -> str:
        from flask_babel import gettext
        msg = gettext(e.message, **e.params)
        if e.row is not None and e.column:
            return gettext("Row %(row)d, «%(column)s»: %(message)s", row=e.row, column=e.column, message=msg)
        if e.row is not None:
            return gettext("Row %(row)d: %(message)s", row=e.row, message=msg)
        if e.column:
            return gettext("Column «%(column)s»: %(message)s", column=e.column, message=msg)
        return msg

    def summary(self) -> str:
        with _locale():
            return self._summary()

    def _summary(self) -> str:
        from flask_babel import gettext, ngettext
        if not self.ok:
            return ngettext("%(num)d error in the file; nothing was imported.",
                            "%(num)d errors in the file; nothing was imported.", len(self.errors))
        if self.dry_run or not self.written:
            return gettext("The file is correct: %(rows)d rows. Only checked, nothing written: %(created)d students "
                           "would be added, %(updated)d changed.", rows=self.rows, created=self.created,
                           updated=self.updated)
        return gettext("Imported %(rows)d rows: %(created)d students added, %(updated)d changed.",
                       rows=self.rows, created=self.created, updated=self.updated)

    def lines(self) -> list[str]:
        """The report as text lines: every error, the notes, then a summary."""
        with _locale():
            return [self._text(e) for e in self.errors] + [self._text(n) for n in self.notes] + [self._summary()]

    def to_dict(self) -> dict:
        with _locale():
            return {"ok": self.ok, "kind": self.kind, "filename": self.filename, "dry_run": self.dry_run,
                    "rows": self.rows, "created": self.created, "updated": self.updated, "written": self.written,
                    "errors": [{"row": e.row, "column": e.column, "message": self._text(e)} for e in self.errors],
                    "notes": [self._text(n) for n in self.notes], "summary": self._summary()}


class _locale:
    """Translate in the request's language; outside a request (the CLI) in the default one."""

    def __enter__(self):
        from flask import current_app, has_app_context, has_request_context
        self._ctx = None
        if has_app_context() and not has_request_context():
            from flask_babel import force_locale
            self._ctx = force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "ru"))
            self._ctx.__enter__()
        return self

    def __exit__(self, *exc):
        if self._ctx is not None:
            self._ctx.__exit__(*exc)
        return False


# --- the class list format ---------------------------------------------------------------------------

COLUMNS = [
    Column("class", "Класс", ("класс", "кл", "class")),
    Column("last_name", "Фамилия", ("фамилия ученика", "фамилия обучающегося", "last name", "last_name")),
    Column("first_name", "Имя", ("имя ученика", "имя обучающегося", "first name", "first_name")),
    Column("middle_name", "Отчество", ("отчество ученика", "отчество обучающегося", "middle_name")),
    Column("full_name", "ФИО", ("фио ученика", "фио обучающегося", "ф.и.о", "ф. и. о", "ф.и.о. ученика")),
    Column("birth_date", "Дата рождения", ("д.р", "др", "дата рожд", "birth_date")),
    Column("gender", "Пол", ("gender", "sex")),
    Column("address", "Адрес", ("адрес проживания", "адрес регистрации", "домашний адрес", "address")),
    Column("g_last_name", "Фамилия родителя", ("фамилия представителя", "фамилия законного представителя")),
    Column("g_first_name", "Имя родителя", ("имя представителя", "имя законного представителя")),
    Column("g_middle_name", "Отчество родителя", ("отчество представителя", "отчество законного представителя")),
    Column("g_full_name", "ФИО родителя", ("фио представителя", "фио законного представителя")),
    Column("g_phone", "Телефон родителя", ("тел. родителя", "телефон представителя",
                                          "телефон законного представителя")),
    Column("g_email", "Email родителя", ("email представителя", "эл. почта родителя",
                                        "электронная почта родителя", "почта родителя")),
    Column("relation", "Кем приходится", ("степень родства", "родство", "relation")),
]
TITLE = {c.key: c.title for c in COLUMNS}
#: what an export writes, in this order (and what an import of it reads back)
EXPORT_KEYS = ("class", "last_name", "first_name", "middle_name", "birth_date", "gender", "address",
               "g_last_name", "g_first_name", "g_middle_name", "g_phone", "g_email", "relation")

GENDER_IN = {"м": "m", "муж": "m", "мужской": "m", "мальчик": "m", "m": "m", "male": "m",
             "ж": "f", "жен": "f", "женский": "f", "девочка": "f", "f": "f", "female": "f"}
GENDER_OUT = {"m": "м", "f": "ж"}
RELATION_IN = {"мать": "mother", "мама": "mother", "mother": "mother",
               "отец": "father", "папа": "father", "father": "father",
               "опекун": "guardian", "попечитель": "guardian", "законный представитель": "guardian",
               "guardian": "guardian",
               "другое": "other", "другой": "other", "бабушка": "other", "дедушка": "other", "тетя": "other",
               "дядя": "other", "брат": "other", "сестра": "other", "other": "other"}
RELATION_OUT = {"mother": "мать", "father": "отец", "guardian": "опекун", "other": "другое"}

_NAME = re.compile(r"[^\W\d_]+(?:[ '’\-][^\W\d_]+)*")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _header_ok(keys: set) -> bool:
    return ("last_name" in keys and "first_name" in keys) or "full_name" in keys


def _key(*parts) -> tuple:
    return tuple(str(p or "").strip().lower().replace("ё", "е") for p in parts)


def _digits(phone: str) -> str:
    return re.sub(r"\D", "", phone or "")


def _name(value) -> str:
    """Trim and, for a name written all in capitals or all in small letters, capitalise it."""
    s = re.sub(r"\s+", " ", as_text(value)).strip()
    return s.title() if s and (s.isupper() or s.islower()) else s


@dataclass
class _Row:
    """One checked row."""
    no: int
    school_class: SchoolClass
    student: dict
    guardian: dict | None
    relation: str


class _Checker:
    """Checks the rows of one class list file against one school."""

    def __init__(self, school, user, report: ImportReport, only_class: SchoolClass | None) -> None:
        self.school, self.user, self.report, self.only_class = school, user, report, only_class
        self.year = service.current_year(school)
        self.classes = {(c.parallel, c.letter): c for c in
                        SchoolClass.select().where((SchoolClass.school == school.id) &
                                                   (SchoolClass.year == (self.year.id if self.year else 0)))}
        self.titles: dict[str, str] = {}

    def err(self, row: int, key: str | None, message: str, **params) -> None:
        self.report.error(row, self.titles.get(key, TITLE.get(key)) if key else None, message, **params)

    def may_write(self, obj) -> bool:
        if self.user is None:  # the command line: the operator
            return True
        return access.can(self.user, "roster.import", obj) and access.can(self.user, "roster.student.write", obj)

    # -- one row --------------------------------------------------------------------------------
    def row(self, no: int, cells: dict) -> _Row | None:
        errors_before = len(self.report.errors)
        cls = self._class(no, cells)
        student = self._student(no, cells)
        guardian, relation = self._guardian(no, cells)
        if len(self.report.errors) > errors_before:
            return None
        return _Row(no, cls, student, guardian, relation)

    def _class(self, no: int, cells: dict) -> SchoolClass | None:
        raw = as_text(cells.get("class", ""))
        if not raw:
            if self.only_class is not None:
                return self.only_class
            self.err(no, "class", N_("The class is missing; write it like 5А."))
            return None
        parsed = service.parse_class_name(raw)
        if parsed is None:
            self.err(no, "class", N_("«%(value)s» is not a class; write it like 5А."), value=raw)
            return None
        cls = self.classes.get(parsed)
        name = f"{parsed[0]}{parsed[1]}"
        if cls is None:
            self.err(no, "class", N_("There is no class %(value)s in the school year %(year)s."), value=name,
                     year=self.year.name if self.year else "—")
            return None
        if self.only_class is not None and cls.id != self.only_class.id:
            self.err(no, "class", N_("This row is for class %(value)s, but the list is loaded into class %(target)s."),
                     value=name, target=self.only_class.name)
            return None
        if not self.may_write(cls):
            self.err(no, "class", N_("You may not change the list of class %(value)s."), value=name)
            return None
        return cls

    def _names(self, no: int, cells: dict, prefix: str, required: bool) -> dict:
        last, first, middle = (_name(cells.get(prefix + k, "")) for k in ("last_name", "first_name", "middle_name"))
        full = _name(cells.get(prefix + "full_name", ""))
        if full and not (last or first):
            parts = [_name(p) for p in full.split(" ")]
            last, first, middle = parts[0], " ".join(parts[1:2]), " ".join(parts[2:])
        missing = {"": (N_("The last name is missing."), N_("The first name is missing.")),
                   "g_": (N_("The guardian's last name is missing."), N_("The guardian's first name is missing."))}
        out = {}
        for key, value, miss in (("last_name", last, missing[prefix][0]), ("first_name", first, missing[prefix][1]),
                                 ("middle_name", middle, None)):
            col = prefix + key if prefix + key in self.titles or prefix + "full_name" not in self.titles \
                else prefix + "full_name"
            if not value:
                if miss and required:
                    self.err(no, col, miss)
            elif len(value) > 100:
                self.err(no, col, TOO_LONG)
            elif not _NAME.fullmatch(value):
                self.err(no, col, BAD_NAME)
            out[key] = value
        return out

    def _student(self, no: int, cells: dict) -> dict:
        data = self._names(no, cells, "", True)
        raw = cells.get("birth_date", "")
        data["birth_date"] = None
        if raw != "":
            try:
                data["birth_date"] = parse_date(raw)
                _birth_date(data["birth_date"])
            except ValidationError:
                self.err(no, "birth_date", BAD_BIRTH_DATE)
            except ValueError:
                self.err(no, "birth_date", N_("«%(value)s» is not a date; write it like 05.03.2015."),
                         value=as_text(raw))
        gender = as_text(cells.get("gender", "")).lower().strip(".")
        data["gender"] = None
        if gender:
            data["gender"] = GENDER_IN.get(gender)
            if data["gender"] is None:
                self.err(no, "gender", N_("Write the sex as «м» or «ж»."))
        data["address"] = as_text(cells.get("address", ""))
        if len(data["address"]) > 300:
            self.err(no, "address", TOO_LONG)
        return data

    def _guardian(self, no: int, cells: dict) -> tuple[dict | None, str]:
        keys = ("g_last_name", "g_first_name", "g_middle_name", "g_full_name", "g_phone", "g_email")
        relation_raw = as_text(cells.get("relation", "")).lower().replace("ё", "е")
        if not any(as_text(cells.get(k, "")) for k in keys):
            if relation_raw:
                self.err(no, "relation", N_("The guardian's name is missing."))
            return None, "guardian"
        data = self._names(no, cells, "g_", True)
        data["phone"] = as_text(cells.get("g_phone", ""))
        digits = len(_digits(data["phone"]))
        if data["phone"] and (not re.fullmatch(r"[0-9+()\-\s]*", data["phone"]) or not 6 <= digits <= 15):
            self.err(no, "g_phone", BAD_PHONE)
        data["email"] = as_text(cells.get("g_email", "")).lower()
        if data["email"] and (not _EMAIL.fullmatch(data["email"]) or len(data["email"]) > 200):
            self.err(no, "g_email", BAD_EMAIL)
        relation = RELATION_IN.get(relation_raw, None) if relation_raw else "guardian"
        if relation is None:
            self.err(no, "relation", N_("Write who the guardian is: мать, отец, опекун or другое."))
            relation = "other"
        return data, relation


class _Planner:
    """Turns checked rows into a plan: which students and guardians exist, what changes."""

    def __init__(self, school, user, report: ImportReport, checker: _Checker) -> None:
        self.school, self.user, self.report, self.checker = school, user, report, checker
        self.students: dict[tuple, list[Student]] = {}
        for st in Student.select().where((Student.school == school.id) & Student.left_at.is_null()):
            self.students.setdefault(_key(st.last_name, st.first_name, st.middle_name), []).append(st)
        self.guardians: dict[tuple, list[Guardian]] = {}
        for gd in Guardian.select().where(Guardian.school == school.id):
            self.guardians.setdefault(_key(gd.last_name, gd.first_name, gd.middle_name), []).append(gd)
        self.by_id = {gd.id: gd for gds in self.guardians.values() for gd in gds}
        self.links: dict[int, dict[int, str]] = {}
        for sid, gid, rel in StudentGuardian.select(StudentGuardian.student, StudentGuardian.guardian,
                                                    StudentGuardian.relation).join(Student).where(
                Student.school == school.id).tuples():
            self.links.setdefault(sid, {})[gid] = rel
        self.plans: dict[tuple, service.StudentPlan] = {}
        self.first_row: dict[tuple, _Row] = {}
        self.guardian_plans: dict[tuple, service.GuardianPlan] = {}

    def add(self, row: _Row) -> None:
        d = row.student
        key = _key(d["last_name"], d["first_name"], d["middle_name"], d["birth_date"])
        plan = self.plans.get(key)
        if plan is None:
            existing = self._match(row)
            if existing is False:
                return
            data = dict(d) if existing is None else {
                k: v for k, v in d.items() if v not in ("", None) and getattr(existing, k) != v}
            plan = service.StudentPlan(rows=[row.no], school_class=row.school_class, existing=existing, data=data)
            self.plans[key] = plan
            self.first_row[key] = row
        else:
            first = self.first_row[key]
            for k, col in (("gender", "gender"), ("address", "address")):
                if d[k] not in ("", None) and first.student[k] not in ("", None) and d[k] != first.student[k]:
                    self.checker.err(row.no, col, N_("The same student is in row %(first)d with another value here."),
                                     first=first.no)
            if row.school_class.id != first.school_class.id:
                self.checker.err(row.no, "class", N_("The same student is in row %(first)d with another class."),
                                 first=first.no)
            plan.rows.append(row.no)
        if row.guardian is not None:
            gp = self._guardian_plan(plan, row.guardian)
            if all(gp is not p for p, _rel in plan.guardians):
                plan.guardians.append((gp, row.relation))

    def _match(self, row: _Row):
        """The existing student this row is about, None for a new one, False after an error."""
        d = row.student
        same_name = self.students.get(_key(d["last_name"], d["first_name"], d["middle_name"]), [])
        cands = [s for s in same_name if d["birth_date"] is None or s.birth_date in (None, d["birth_date"])]
        if not cands:  # a corrected birth date: the one pupil of that name in the class
            cands = [s for s in same_name if s.school_class_id == row.school_class.id]
        if len(cands) > 1:
            in_class = [s for s in cands if s.school_class_id == row.school_class.id]
            cands = in_class if len(in_class) == 1 else cands
        if len(cands) > 1:
            self.checker.err(row.no, "last_name", N_("Several students of the school are called %(name)s; "
                                                     "give the birth date to tell them apart."),
                             name=cands[0].full_name)
            return False
        if not cands:
            return None
        st = cands[0]
        if st.school_class_id != row.school_class.id and not self.checker.may_write(st):
            current = SchoolClass.get_by_id(st.school_class_id).name if st.school_class_id else "—"
            self.checker.err(row.no, "class", N_("%(name)s is in class %(current)s; only that class's teacher or "
                                                 "the administration can move them."),
                             name=st.full_name, current=current)
            return False
        return st

    def _guardian_plan(self, plan: service.StudentPlan, d: dict) -> service.GuardianPlan:
        name = _key(d["last_name"], d["first_name"], d["middle_name"])
        existing = None
        if plan.existing is not None:  # a guardian already linked to this student, by name
            linked = self.links.get(plan.existing.id, {})
            existing = next((self.by_id[g] for g in linked if g in self.by_id and
                             _key(self.by_id[g].last_name, self.by_id[g].first_name,
                                  self.by_id[g].middle_name) == name), None)
        if existing is None:  # the same person for a sibling: same name and phone or email
            existing = next((gd for gd in self.guardians.get(name, [])
                             if (d["phone"] and _digits(gd.phone) == _digits(d["phone"])) or
                             (d["email"] and gd.email.lower() == d["email"])), None)
        key = ("id", existing.id) if existing else ("new",) + name + (_digits(d["phone"]) or d["email"],)
        gp = self.guardian_plans.get(key)
        if gp is None:
            if existing is None:
                data = dict(d)
            else:
                data = {k: v for k, v in d.items() if v and getattr(existing, k) != v}
            gp = service.GuardianPlan(existing=existing, data=data)
            self.guardian_plans[key] = gp
        return gp

    def would_change(self, plan: service.StudentPlan) -> bool:
        if plan.existing is None:
            return False
        if plan.data or plan.school_class.id != plan.existing.school_class_id:
            return True
        linked = self.links.get(plan.existing.id, {})
        return any(gp.existing is None or gp.data or linked.get(gp.existing.id) != rel for gp, rel in plan.guardians)


def import_students(stream, filename: str, school, user, dry_run: bool, *, only_class: SchoolClass | None = None
                    ) -> ImportReport:
    """Import a class list (students and their guardians) from CSV or XLSX: all rows or none.

    :param user: who imports (a class teacher only into their own class); ``None`` from the CLI
    :param only_class: the list is loaded into this class (rows may omit «Класс»)
    """
    report = ImportReport(kind="students", filename=filename or "", dry_run=dry_run)
    try:
        table = read_table(stream, filename or "", COLUMNS, _header_ok)
    except FileError as e:
        report.error(None, None, e.message, **e.params)
        return report
    checker = _Checker(school, user, report, only_class)
    checker.titles = table.titles
    if "class" not in table.titles and only_class is None:
        report.error(table.header_row, None, N_("There is no column «Класс»."))
        return report
    for header in table.ignored:
        report.note(table.header_row, header, N_("This column is not imported."))
    report.rows = len(table.rows)
    if not table.rows:
        report.error(None, None, N_("There are no rows under the header."))
        return report
    planner = _Planner(school, user, report, checker)
    for no, cells in table.rows:
        row = checker.row(no, cells)
        if row is not None:
            planner.add(row)
    report.errors.sort(key=lambda e: (e.row or 0))
    plans = list(planner.plans.values())
    report.created = sum(1 for p in plans if p.existing is None)
    report.updated = sum(1 for p in plans if planner.would_change(p))
    if not report.ok or dry_run:
        return report
    try:
        report.created, report.updated = service.apply_import(school, plans, source=filename or "", by=user)
    except service.StaleEdit:
        report.error(None, None, N_("The class list changed while the file was imported; nothing was written. "
                                    "Try again."))
        return report
    report.written = True
    return report


# --- export ------------------------------------------------------------------------------------------

def export_rows(school, classes: list[SchoolClass]) -> list[list]:
    """One row per student and guardian (a student without guardians: one row), in the import's columns."""
    ids = [c.id for c in classes]
    by_id = {c.id: c for c in classes}
    if not ids:
        return []
    students = list(Student.select().where(Student.school_class.in_(ids) & Student.left_at.is_null()))
    order = {r: i for i, r in enumerate(("mother", "father", "guardian", "other"))}
    links: dict[int, list] = {}
    for link in (StudentGuardian.select(StudentGuardian, Guardian).join(Guardian)
                 .where(StudentGuardian.student.in_([s.id for s in students] or [0]))):
        links.setdefault(link.student_id, []).append(link)
    students.sort(key=lambda s: (by_id[s.school_class_id].parallel, by_id[s.school_class_id].letter,
                                 s.last_name, s.first_name, s.middle_name, s.id))
    rows = []
    for s in students:
        base = [by_id[s.school_class_id].name, s.last_name, s.first_name, s.middle_name, s.birth_date or "",
                GENDER_OUT.get(s.gender, ""), s.address]
        gl = sorted(links.get(s.id, []), key=lambda l: (order.get(l.relation, 9), l.guardian.last_name, l.guardian_id))
        if not gl:
            rows.append(base + [""] * 6)
        for link in gl:
            gd = link.guardian
            rows.append(base + [gd.last_name, gd.first_name, gd.middle_name, gd.phone, gd.email,
                                RELATION_OUT.get(link.relation, "")])
    return rows


def classes_for_export(school, class_name: str | None) -> list[SchoolClass]:
    """The classes of the current year, or the one named.

    :raises LookupError: no such class (one line)
    """
    if class_name:
        cls = service.class_by_name(school, class_name)
        if cls is None:
            year = service.current_year(school)
            raise LookupError(f"no class {class_name} in the school year {year.name if year else '-'}")
        return [cls]
    return service.classes(school)


def export_bytes(school, classes: list[SchoolClass], fmt: str) -> tuple[bytes, int]:
    rows = export_rows(school, classes)
    buf = io.BytesIO()
    write_table(buf, fmt, [TITLE[k] for k in EXPORT_KEYS], rows, sheet_title="Ученики")
    return buf.getvalue(), len(rows)


def export_students(path, school, class_name) -> int:
    """``zhurnal export students FILE [--class 5А]``: the class lists in the import's columns."""
    classes = classes_for_export(school, class_name)
    fmt = "xlsx" if str(path).lower().endswith(".xlsx") else "csv"
    rows = export_rows(school, classes)
    write_table(path, fmt, [TITLE[k] for k in EXPORT_KEYS], rows, sheet_title="Ученики")
    service.record_export(school, [c.id for c in classes], len(rows), fmt)
    return len(rows)
