"""Import and export of class lists (CSV, XLSX): the entry points.

The pattern, for any plugin that imports a table (copy it):

1. read the file with :mod:`zhurnal.core.tabular` (encodings, shapes, merged and two-level headers, footers);
   a :class:`zhurnal.core.tabular.FileError` becomes the report's only error;
2. recognise the columns (:mod:`.import_headers`: captions in Russian and Latin, the school's saved
   mapping, the user's mapping from the preview page);
3. check **every** row and collect **every** problem in a :class:`zhurnal.core.import_report.ImportReport`
   (row number, column, message) — never stop at the first (:mod:`.import_apply`, values by
   :mod:`.import_values`, guardians in every layout by :mod:`.import_guardians`);
4. only when the report is clean, and it is not a dry run, hand the checked plan to ``service.py``,
   which writes all of it in one transaction (or nothing).

Messages are English msgids with parameters, translated by the report in the request's language,
or the deployment's default (Russian) in the CLI. Column titles (Класс, Фамилия, ...) are the file
format: Russian.
"""
from __future__ import annotations

import io

from zhurnal.core.db import database
from zhurnal.core.i18n import N_
from zhurnal.core.tabular import FileError, as_text, find_header, is_footer, normalize_header, raw_rows, read_bytes, write_table

from . import service
from .import_apply import Checker, Planner
from .import_guardians import is_pupil_role, link_people, person_of_role_row
from .import_headers import COLUMNS, EXPORT_KEYS, IGNORE, TITLE, expected_captions, header_ok, recognise
from .import_report import ImportReport, RowError, StudentsReport  # noqa: F401  (ImportReport, RowError: their old home)
from .import_values import GENDER_OUT, RELATION_OUT
from .models import Guardian, ImportMapping, SchoolClass, Student, StudentGuardian

__all__ = ["COLUMNS", "EXPORT_KEYS", "TITLE", "ImportReport", "RowError", "import_students", "export_students",
           "export_bytes", "classes_for_export", "saved_mapping", "save_mapping"]

MAX_ROWS = 5000


def saved_mapping(school) -> dict[str, str]:
    """The school's saved mapping: normalised caption -> key ("" = do not import)."""
    return {c: k for c, k in ImportMapping.select(ImportMapping.caption, ImportMapping.key)
            .where(ImportMapping.school == school.id).tuples()}


def save_mapping(school, mapping: dict[str, str], *, by=None) -> None:
    """Remember how the user mapped captions, for the school's next file."""
    from zhurnal.core import audit
    with database.atomic():
        for caption, k in mapping.items():
            caption = normalize_header(caption)[:200]
            if not caption:
                continue
            ImportMapping.insert(school=school.id, caption=caption, key=k or "").on_conflict(
                conflict_target=[ImportMapping.school, ImportMapping.caption],
                update={ImportMapping.key: k or ""}).execute()
        audit.record("roster.import.mapping", object_type="roster_import_mapping", school_id=school.id, user=by,
                     data={"mapping": mapping})



def import_students(stream, filename: str, school, user, dry_run: bool, *, only_class: SchoolClass | None = None,
                    mapping: dict[str, str] | None = None) -> StudentsReport:
    """Import a class list (pupils and their guardians) from CSV or XLSX: all rows or none.

    :param user: who imports (a class teacher only into their own class); ``None`` from the CLI
    :param only_class: the list is loaded into this class (rows may omit «Класс»)
    :param mapping: captions mapped by the user on the preview page (normalised caption -> key,
        "" for "do not import"); they win over the school's saved mapping and the rules
    """
    report = StudentsReport(kind="students", filename=filename or "", dry_run=dry_run)
    try:
        rows = raw_rows(read_bytes(stream), filename or "")
    except FileError as e:
        report.file_error(e)
        return report
    known = {**saved_mapping(school), **{normalize_header(c): k for c, k in (mapping or {}).items()}}

    def recog(caption: str) -> str | None:
        return recognise(caption, known)

    header = find_header(rows, recog, lambda keys: header_ok(keys - {IGNORE}))
    if header is None:
        seen = next((cells for _n, cells in rows if len({as_text(c) for c in cells if as_text(c)}) >= 2), [])
        # the likeliest header, for the preview page to map by hand
        report.columns = [(as_text(c), recog(as_text(c))) for c in seen if as_text(c)]
        report.error(None, None, N_("No header row found: the columns are captioned %(seen)s; expected captions "
                                    "such as %(expected)s."),
                     seen=", ".join(f"«{as_text(c)}»" for c in seen if as_text(c)) or "—",
                     expected=", ".join(f"«{c}»" for c in expected_captions()))
        return report
    report.columns = [(caption, header.keys.get(i)) for i, caption in sorted(header.captions.items())]
    found: dict[str, int] = {}
    titles: dict[str, str] = {}
    for i, k in sorted(header.keys.items()):
        if k == IGNORE:
            report.note(header.rows[-1], header.captions[i], N_("This column is not imported."))
            continue
        if k in found:
            report.error(header.rows[-1], header.captions[i], N_("This column means the same as «%(other)s»."),
                         other=header.captions[found[k]])
            continue
        found[k], titles[k] = i, header.captions[i]
    if "role" not in found:  # codes and references mean something only in the one-row-per-person layout
        for k in ("person_id", "family", "child"):
            if k in found:
                report.note(header.rows[-1], titles[k], N_("This column is not imported."))
    for caption in header.unknown:
        report.note(header.rows[-1], caption, N_("This column is not recognised and is not imported; "
                                                 "map it on the preview page."))
    if "class" not in found and only_class is None:
        report.error(header.rows[-1], None, N_("There is no column «Класс»."))
    if not report.ok:
        return report
    data_rows = []
    captions = [normalize_header(c) for c in header.captions.values()]
    for no, cells in rows[header.data_from:]:
        values = {k: (cells[i] if i < len(cells) else "") for k, i in found.items()}
        if all(as_text(v) == "" for v in values.values()):
            continue
        if is_footer(cells):
            break
        if [normalize_header(as_text(cells[i])) for i in sorted(header.captions) if i < len(cells)] == captions:
            continue  # the header repeated on every printed page
        data_rows.append((no, values))
    report.rows = len(data_rows)
    if not data_rows:
        report.error(None, None, N_("There are no rows under the header."))
        return report
    if len(data_rows) > MAX_ROWS:
        report.error(None, None, N_("The file has more than %(max)d rows; split it."), max=MAX_ROWS)
        return report
    checker = Checker(school, user, report, only_class, titles)
    checked = _check_rows(checker, data_rows, "role" in found)
    planner = Planner(school, checker)
    for row in checked:
        planner.add(row)
    report.errors.sort(key=lambda e: (e.row or 0))
    plans = list(planner.plans.values())
    report.created = sum(1 for p in plans if p.existing is None)
    report.updated = sum(1 for p in plans if planner.would_change(p))
    report.guardians = len(planner.drafts)
    report.guardians_created = sum(1 for d in planner.drafts if d.plan.existing is None)
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


def _check_rows(checker: Checker, data_rows: list, role_layout: bool) -> list:
    if not role_layout:
        return [r for r in (checker.row(no, cells) for no, cells in data_rows) if r is not None]
    pupils, guardian_rows = {}, []
    for no, cells in data_rows:
        kind = is_pupil_role(cells.get("role", ""))
        if kind is None:
            checker.err(no, "role", N_("Write the role as «ученик» or «родитель» (мать, отец, опекун)."))
        elif kind:
            pupils[no] = cells
        else:
            problems: list = []
            person = person_of_role_row(cells, problems)
            for k, e in problems:
                checker.bad(no, k, e)
            if person is not None:
                guardian_rows.append((no, cells, person))
    links = link_people(pupils, guardian_rows, checker.err)
    out = []
    for no, cells in pupils.items():
        row = checker.row(no, cells, with_guardians=False)
        if row is not None:
            row.guardians = links.get(no, [])
            out.append(row)
    return out


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
                GENDER_OUT.get(s.gender, ""), s.address, s.snils]
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
