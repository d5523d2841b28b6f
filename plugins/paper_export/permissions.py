"""Who may print what.

* an extract of one student: the guardians of that student (their own child only), the
  class teacher of the student's class, the administrator; nobody else (404, audited);
* a class's batches, the handover register, schedules and archives: the class teacher of
  that class and the administrator (the director and deputy too for the archive);
* login slips: whoever may issue accounts in the roster (``roster.accounts.issue``).
"""
from __future__ import annotations

from zhurnal.core.access import Permission

EXTRACT = "paper_export.extract.read"
CLASS = "paper_export.class.print"
ARCHIVE = "paper_export.archive.make"
SLIPS = "roster.accounts.issue"

PERMISSIONS = [
    Permission(EXTRACT, "Download a student's journal extract as PDF (recorded and audited)",
               roles=("class_teacher", "admin", "parent")),
    Permission(CLASS, "Print a class's extracts, keep the handover register and schedules",
               roles=("class_teacher", "admin")),
    Permission(ARCHIVE, "Print and verify a class's journal archive", roles=("class_teacher", "admin", "director", "deputy")),
]
