"""Who may read and register consent.

By default the class teacher (for the guardians of their class's children), the
director and the administrator register and read; nobody else — not the
deputy, subject teachers, the nurse or families (a guardian signs on paper; the
school registers it). A deployment may grant more in ``[grants]``.
"""
from __future__ import annotations

from zhurnal.core.access import Permission

READ = "consent.record.read"
WRITE = "consent.record.write"
TEXT = "consent.text.manage"

PERMISSIONS = [
    Permission(READ, "See who consented to the processing and electronic delivery of a child's data",
               roles=("admin", "director", "class_teacher")),
    Permission(WRITE, "Register a guardian's signed consent, refusal or withdrawal",
               roles=("admin", "director", "class_teacher")),
    Permission(TEXT, "Publish a new version of the school's consent form", roles=("admin", "director")),
]
