"""Which roster records an account is, for a 152-FZ access request (``zhurnal_personal_data_subjects``).

A student's account is their ``Student`` record; a guardian's account is their ``Guardian`` record and
the guardian of the children linked to it (and only those: never another family's).
"""
from __future__ import annotations

from .models import Guardian, Student, StudentGuardian


def subjects(user_id: int) -> list[dict]:
    out: list[dict] = []
    st, gd = Student._meta.table_name, Guardian._meta.table_name
    for (sid,) in Student.select(Student.id).where(Student.user == user_id).order_by(Student.id).tuples():
        out.append({"kind": "student", "id": sid, "relation": "self", "object_type": st})
    guardians = [g for (g,) in Guardian.select(Guardian.id).where(Guardian.user == user_id).order_by(Guardian.id)
                 .tuples()]
    for gid in guardians:
        out.append({"kind": "guardian", "id": gid, "relation": "self", "object_type": gd})
    if guardians:
        kids = (Student.select(Student.id, Student.last_name, Student.first_name, Student.middle_name)
                .join(StudentGuardian, on=(StudentGuardian.student == Student.id))
                .where(StudentGuardian.guardian.in_(guardians)).distinct().order_by(Student.id))
        for s in kids:
            out.append({"kind": "student", "id": s.id, "relation": "child", "object_type": st,
                        "label": " ".join(x for x in (s.last_name, s.first_name, s.middle_name) if x)})
    return out
