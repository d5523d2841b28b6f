"""The class list import's report: the kernel's :class:`zhurnal.core.import_report.ImportReport` worded
for students, with the guardians the file names."""
from __future__ import annotations

from dataclasses import dataclass

from zhurnal.core.import_report import ImportReport, RowError

__all__ = ["ImportReport", "RowError", "StudentsReport"]


@dataclass
class StudentsReport(ImportReport):
    #: distinct guardians in the file, and how many of them are new to the school
    guardians: int = 0
    guardians_created: int = 0

    def describe(self) -> str:
        from flask_babel import gettext
        if not self.ok:
            return super().describe()
        if self.dry_run or not self.written:
            return gettext("The file is correct: %(rows)d rows. Only checked, nothing written: %(created)d students "
                           "would be added, %(updated)d changed.", rows=self.rows, created=self.created,
                           updated=self.updated)
        return gettext("Imported %(rows)d rows: %(created)d students added, %(updated)d changed.",
                       rows=self.rows, created=self.created, updated=self.updated)

    def extra(self) -> dict:
        return {"guardians": self.guardians, "guardians_created": self.guardians_created}
