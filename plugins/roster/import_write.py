"""Writing a checked class-list import (the plan comes from :mod:`.import_apply`), and auditing an export."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from zhurnal.core import audit
from zhurnal.core.db import database
from zhurnal.core.errors import StaleEdit

from .edits import GUARDIAN_FIELDS, STUDENT_FIELDS, changed_fields
from .groups import leave_split_groups
from .models import Guardian, SchoolClass, Student
from .people import link_guardian, link_new
from . import signals


@dataclass
class GuardianPlan:
    """One guardian of an import: an existing record (with ``data`` = changes) or a new one.

    Several rows (siblings) may share one plan; the record is created once.
    """
    existing: Guardian | None
    data: dict
    record: Guardian | None = None


@dataclass
class StudentPlan:
    """One student of an import: a new one (``existing`` is None) or changes to an existing one."""
    rows: list[int]
    school_class: SchoolClass
    existing: Student | None
    data: dict
    guardians: list[tuple[GuardianPlan, str]] = field(default_factory=list)


def apply_import(school, plans: list[StudentPlan], *, source: str = "", by=None) -> tuple[int, int]:
    """Write a checked import in one transaction: all of it or nothing.

    :returns: (students created, students changed)
    :raises StaleEdit: a student changed between the check and the write (nothing is written)
    """
    created = changed = 0
    class_ids: set[int] = set()
    sid = getattr(school, "id", school)
    with database.atomic():
        for plan in plans:
            class_ids.add(plan.school_class.id)
            touched = False
            if plan.existing is None:
                st = Student.create(school=sid, school_class=plan.school_class,
                                    **{k: v for k, v in plan.data.items() if k in STUDENT_FIELDS})
                audit.record("roster.student.create", st, user=by, school_id=sid,
                             data={"class": plan.school_class.id, "name": st.full_name, "via": "import"})
                created += 1
            else:
                st = plan.existing
                diff = changed_fields(st, plan.data, STUDENT_FIELDS)
                moved = plan.school_class.id != st.school_class_id
                if moved:
                    diff["class"] = [st.school_class_id, plan.school_class.id]
                if diff:
                    upd = {k: plan.data[k] for k in STUDENT_FIELDS if k in diff}
                    if moved:
                        upd["school_class"] = plan.school_class.id
                    n = (Student.update(**upd, version=Student.version + 1)
                         .where((Student.id == st.id) & (Student.version == st.version)).execute())
                    if n == 0:
                        raise StaleEdit(Student.get_by_id(st.id))
                    if moved:
                        leave_split_groups(st.id, st.school_class_id)
                    audit.record("roster.student.update", st, user=by, school_id=sid, data={**diff, "via": "import"})
                    touched = True
            for gp, relation in plan.guardians:
                if gp.record is None:
                    if gp.existing is None:
                        gp.record = Guardian.create(school=sid, **{k: v for k, v in gp.data.items() if k in GUARDIAN_FIELDS})
                        audit.record("roster.guardian.create", gp.record, user=by, school_id=sid,
                                     data={"name": gp.record.full_name, "via": "import"})
                    else:
                        gp.record = gp.existing
                        gdiff = changed_fields(gp.existing, gp.data, GUARDIAN_FIELDS)
                        if gdiff:
                            Guardian.update(**{k: gp.data[k] for k in gdiff}, version=Guardian.version + 1).where(
                                Guardian.id == gp.existing.id).execute()
                            audit.record("roster.guardian.update", gp.existing, user=by, school_id=sid,
                                         data={**gdiff, "via": "import"})
                            touched = True
                if plan.existing is None:  # a new pupil has no links yet: no look-up
                    link_new(st, gp.record, relation, by=by)
                elif link_guardian(st, gp.record, relation, by=by):
                    touched = True
            if touched and plan.existing is not None:
                changed += 1
        audit.record("roster.import", object_type="roster_import", school_id=sid, user=by,
                     data={"source": source, "created": created, "changed": changed, "classes": sorted(class_ids)})
    signals.send(signals.roster_imported, class_ids=sorted(class_ids), created=created, updated=changed,
                 by=by, school_id=sid)
    return created, changed


def record_export(school, class_ids: Iterable[int], rows: int, fmt: str, *, by=None) -> None:
    """Audit an export of class lists (names, birth dates, addresses, guardians' contacts)."""
    with database.atomic():
        audit.record("roster.export", object_type="roster_export", school_id=getattr(school, "id", school),
                     user=by, data={"classes": sorted(class_ids), "rows": rows, "format": fmt})
