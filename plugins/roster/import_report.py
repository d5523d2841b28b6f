"""The report every import gives: every problem with its row (as the spreadsheet numbers it), the
column (as captioned in the file) and an English msgid translated when shown; notes (ignored
columns); counts; and a summary. Generic: any plugin's importer may use it.
"""
from __future__ import annotations

from dataclasses import dataclass, field


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
    #: distinct guardians in the file, and how many of them are new to the school
    guardians: int = 0
    guardians_created: int = 0
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
                    "guardians": self.guardians, "guardians_created": self.guardians_created,
                    "columns": [{"caption": c, "key": k} for c, k in self.columns],
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


