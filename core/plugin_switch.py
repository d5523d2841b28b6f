"""The per-school plugin switch: one row per school and plugin (``core_school_plugin``).

The rows are the truth. ``core_school.disabled_plugins`` stays as a cache of them (read with
the account on every request, in the same statement), rewritten from the rows in the same
transaction as each switch, after the school's row is locked: two admins switching two
plugins at once are applied one after the other and neither change is lost.
"""
from __future__ import annotations

import peewee as pw

from .db import BaseModel, database, utcnow
from .identity.models import School


class SchoolPlugin(BaseModel):
    school = pw.ForeignKeyField(School, on_delete="CASCADE")
    plugin = pw.CharField(max_length=64)
    enabled = pw.BooleanField()
    updated_at = pw.DateTimeField(default=utcnow)
    updated_by = pw.IntegerField(null=True)

    class Meta:
        table_name = "core_school_plugin"
        indexes = ((("school", "plugin"), True),)


MODELS = [SchoolPlugin]


def _lock_school(school_id: int) -> None:
    """Take the school row's lock (PostgreSQL) or the write lock (SQLite) before reading the rows."""
    School.update(disabled_plugins=School.disabled_plugins).where(School.id == school_id).execute()


def switch(school_id: int, name: str, enabled: bool, *, by_id: int | None, refuse=None) -> str:
    """Record one switch and refresh the school's cache; call inside a transaction.

    :param refuse: called with the set of plugins switched off (read under the lock) before
        writing; it raises to refuse (e.g. a dependency is off)
    :returns: the new comma-separated list of plugins switched off
    """
    _lock_school(school_id)
    if refuse is not None:
        refuse(off_names(school_id))
    (SchoolPlugin.insert(school=school_id, plugin=name, enabled=enabled, updated_at=utcnow(), updated_by=by_id)
     .on_conflict(conflict_target=[SchoolPlugin.school, SchoolPlugin.plugin],
                  update={SchoolPlugin.enabled: enabled, SchoolPlugin.updated_at: utcnow(),
                          SchoolPlugin.updated_by: by_id})
     .execute())
    off = ",".join(sorted(off_names(school_id)))
    School.update(disabled_plugins=off).where(School.id == school_id).execute()
    return off


def off_names(school_id: int) -> set[str]:
    return {p for (p,) in SchoolPlugin.select(SchoolPlugin.plugin).where(
        (SchoolPlugin.school == school_id) & (SchoolPlugin.enabled == False)).tuples()}  # noqa: E712


def migrate_legacy_column() -> int:
    """Copy the comma-separated column of databases from before core 4 into rows; how many."""
    n = 0
    with database.atomic():
        for school_id, text in School.select(School.id, School.disabled_plugins).tuples():
            for name in sorted({p for p in (text or "").split(",") if p}):
                SchoolPlugin.insert(school=school_id, plugin=name, enabled=False).on_conflict_ignore().execute()
                n += 1
    return n
