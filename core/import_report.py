"""The report every import gives, whatever it imports (a class list, a health sheet, ...).

Every problem carries its row (as the spreadsheet numbers it; None: the whole file), the column
(as captioned in the file) and a message: an English msgid formatted with ``params`` and
translated when shown (a message the importer already translated passes through unchanged).
Notes (e.g. ignored columns), the counts, the columns as read, and a summary complete it.

The ``zhurnal import`` command, the import pages and the API answer it the same way: ``ok``
(nothing was written unless every row is valid), ``lines()`` for text, ``to_dict()`` for JSON.
An importer words its own summary (what it adds and changes) by overriding :meth:`ImportReport.
describe` and adds its own figures with :meth:`ImportReport.extra`; the file itself is read by
:mod:`zhurnal.core.tabular`, whose :class:`~zhurnal.core.tabular.FileError` becomes one error of the report.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .tabular import FileError


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
    filename: str = ""
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    written: bool = False
    #: (caption as in the file, key it is read as; None unknown, "-" not imported), for the preview
    columns: list[tuple[str, str | None]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    notes: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, row: int | None, column: str | None, message: str, **params) -> None:
        self.errors.append(RowError(row, column, message, params))

    def note(self, row: int | None, column: str | None, message: str, **params) -> None:
        self.notes.append(RowError(row, column, message, params))

    def file_error(self, e: FileError, row: int | None = None) -> None:
        """The file as a whole cannot be read (``row``: where to show it, None for the file)."""
        self.error(row, None, e.message, **e.params)

    def bad_rows(self) -> list[int]:
        return sorted({e.row for e in self.errors if e.row is not None})

    # -- wording: an importer overrides these two --
    def describe(self) -> str:
        """The summary line (translated): what the import did or would do."""
        from flask_babel import gettext, ngettext
        if not self.ok:
            return ngettext("%(num)d error in the file; nothing was imported.",
                            "%(num)d errors in the file; nothing was imported.", len(self.errors))
        if self.dry_run or not self.written:
            return gettext("The file is correct: %(rows)d rows. Nothing was written (check only).", rows=self.rows)
        return gettext("Imported %(rows)d rows: %(created)d added, %(updated)d changed.",
                       rows=self.rows, created=self.created, updated=self.updated)

    def extra(self) -> dict:
        """The importer's own figures, added to :meth:`to_dict`."""
        return {}

    # -- rendering (translated in the request's language, or the default one outside a request) --
    def text(self, e: RowError) -> str:
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
            return self.describe()

    def lines(self) -> list[str]:
        """The report as text lines: every error, the notes, then the summary."""
        with _locale():
            return [self.text(e) for e in self.errors] + [self.text(n) for n in self.notes] + [self.describe()]

    def to_dict(self) -> dict:
        with _locale():
            errors = [{"row": e.row, "column": e.column, "message": self.text(e)} for e in self.errors]
            notes = [self.text(n) for n in self.notes]
            summary = self.describe()
            return {"ok": self.ok, "kind": self.kind, "filename": self.filename, "dry_run": self.dry_run,
                    "rows": self.rows, "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                    "written": self.written, **self.extra(),
                    "columns": [{"caption": c, "key": k} for c, k in self.columns],
                    "errors": errors, "notes": notes, "summary": summary,
                    "lines": [e["message"] for e in errors] + notes + [summary]}



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
