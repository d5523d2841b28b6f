"""The class teacher's control: which guardians acknowledged a week, and when they last looked.

One row per (student, guardian) of the class, in the order of the class list.
A fixed number of queries whatever the size of the class.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

import peewee as pw

from core.identity.models import User
from plugins.journal import service as journal
from plugins.roster import service as roster
from plugins.roster.models import Guardian, SchoolClass, StudentGuardian

from .models import Acknowledgement, Visit
from .week import fingerprint

#: status of a guardian for a week
STATUSES = ("acknowledged", "paper", "outdated", "pending", "no_account")


def class_week(cls: SchoolClass, monday: dt.date) -> dict:
    """Rows and a summary for ``cls`` and the week starting ``monday``.

    ``status`` per row: ``acknowledged`` (the week as it is now), ``outdated``
    (acknowledged, but marks, absences or remarks changed since), ``pending``
    (not acknowledged), ``no_account`` (the guardian cannot log in yet), ``paper`` (not
    acknowledged online, but a paper extract covering the week was handed over: another
    plugin answers ``zhurnal_paper_acknowledgements``).
    """
    sunday = monday + dt.timedelta(days=6)
    students = roster.class_students(cls.id)
    sids = [s.id for s in students]
    links = list(StudentGuardian.select(StudentGuardian, Guardian, User)
                 .join(Guardian).join(User, pw.JOIN.LEFT_OUTER, on=(Guardian.user == User.id))
                 .where(StudentGuardian.student.in_(sids or [-1]))
                 .order_by(StudentGuardian.student, Guardian.id))
    acks = {}
    for a in (Acknowledgement.select().where(Acknowledgement.student.in_(sids or [-1]) &
                                             (Acknowledgement.week == monday))
              .order_by(Acknowledgement.at, Acknowledgement.id)):
        acks[(a.student_id, a.user_id)] = a  # the latest wins
    visits = {(v.student_id, v.user_id): v.last_at for v in
              Visit.select(Visit.student, Visit.user, Visit.last_at).where(Visit.student.in_(sids or [-1]))}
    marks = defaultdict(list)
    for m in journal.marks_for(sids, date_from=monday, date_to=sunday):
        marks[m.student_id].append(m)
    att = defaultdict(list)
    for a in journal.attendance_for(sids, date_from=monday, date_to=sunday):
        att[a.student_id].append(a)
    rem = defaultdict(list)
    for r in journal.remarks_for(sids, monday, sunday):
        rem[r.student_id].append(r)
    current = {sid: fingerprint([(m.id, m.version) for m in marks[sid]], [(a.id, a.version) for a in att[sid]],
                                [r.id for r in rem[sid]]) for sid in sids}

    paper = {}
    for answer in _paper_hook(cls)(student_ids=sids, date_from=monday, date_to=sunday):
        for p in answer or []:
            paper.setdefault(p["student_id"], []).append(p)

    by_student = defaultdict(list)
    for link in links:
        by_student[link.student_id].append(link)
    rows = []
    for st in students:
        for link in by_student.get(st.id, []):
            g = link.guardian
            uid = g.user_id
            ack = acks.get((st.id, uid)) if uid else None
            if uid is None:
                status = "no_account"
            elif ack is None:
                status = "pending"
            else:
                status = "acknowledged" if ack.fingerprint == current[st.id] else "outdated"
            on_paper = [p for p in paper.get(st.id, []) if p["guardian_id"] in (None, g.id)]
            if status != "acknowledged" and on_paper:
                status = "paper"
            rows.append({
                "student_id": st.id, "student": st.short_name, "guardian_id": g.id, "guardian": g.full_name,
                "relation": link.relation, "user_id": uid, "has_account": uid is not None, "status": status,
                "acknowledged_at": ack.at if ack else None,
                "paper_handed_on": max(p["handed_on"] for p in on_paper) if on_paper else None, "last_visit_at": visits.get((st.id, uid)) if uid else None,
            })
    summary = {s: sum(r["status"] == s for r in rows) for s in STATUSES}
    summary["guardians"] = len(rows)
    summary["students"] = len(students)
    summary["students_acknowledged"] = len({r["student_id"] for r in rows if r["status"] == "acknowledged"})
    return {"class": cls, "week": monday, "rows": rows, "summary": summary}


def _paper_hook(cls: SchoolClass):
    """``zhurnal_paper_acknowledgements`` of the plugins enabled for the class's school."""
    from flask import current_app
    ext = current_app.extensions["zhurnal"]
    return ext.plugins.hook_for(ext.school_by_id(cls.school_id)).zhurnal_paper_acknowledgements
