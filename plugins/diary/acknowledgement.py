"""«Ознакомлен»: a guardian acknowledges a week, and the class teacher sees who did.

Acknowledgements are immutable rows carrying the week's fingerprint
(:func:`.week.fingerprint`); a week whose marks, absences or remarks changed since
reads as ``outdated``. The class teacher's control lists every (pupil, guardian) of a
class for a week, in a fixed number of queries whatever the size of the class, and
leaves the system as a CSV or XLSX file (audited).
"""
from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict

import peewee as pw
from flask import Response
from flask_babel import format_datetime, gettext as _

from zhurnal.core import audit, clock
from zhurnal.core.db import database, utcnow
from zhurnal.core.identity.models import User
from zhurnal.core.prepared import Prepared, as_datetime, slot
from zhurnal.core.tabular import write_table
from zhurnal.plugins.journal.models import Attendance, Lesson, Mark
from zhurnal.plugins.journal.service import pupil_condition, remarks_for
from zhurnal.plugins.roster import service as roster
from zhurnal.plugins.roster.models import Guardian, SchoolClass, Student, StudentGuardian

from . import signals
from .access import Refused, guardian_record
from .models import Acknowledgement, Visit
from .week import fingerprint, monday_of, week_facts

#: status of a guardian for a week
STATUSES = ("acknowledged", "paper", "outdated", "pending", "no_account")


def latest_acknowledgement(user_id: int, student_id: int, week: dt.date) -> Acknowledgement | None:
    return (Acknowledgement.select()
            .where((Acknowledgement.user == user_id) & (Acknowledgement.student == student_id) &
                   (Acknowledgement.week == week))
            .order_by(Acknowledgement.at.desc(), Acknowledgement.id.desc()).first())


def acknowledge(user, student: Student, week: dt.date, *, at: dt.datetime | None = None,
                today: dt.date | None = None) -> tuple[Acknowledgement, bool]:
    """``user``, a guardian of ``student``, confirms they read the week containing ``week``.

    Acknowledging again while the week's marks, absences and remarks are as they were
    returns the standing row (``created`` False); after they changed, a new row records
    the new reading.

    :returns: (acknowledgement, created)
    :raises Refused: 403 for someone who is not the pupil's guardian,
        422 for a week that has not begun
    """
    monday = monday_of(week)
    if monday > monday_of(today or clock.today()):
        raise Refused("You can acknowledge a week once it has begun.", 422, "week")
    guardian = guardian_record(user, student.id)
    if guardian is None:
        raise Refused("Only a guardian of this student can acknowledge the diary.", 403)
    fp, n_marks, n_abs, n_rem = week_facts(student, monday)
    last = latest_acknowledgement(user.id, student.id, monday)
    if last is not None and last.fingerprint == fp:
        return last, False
    at = at or utcnow()
    with database.atomic():
        ack = Acknowledgement.create(school=student.school_id, student=student.id, guardian=guardian.id,
                                     user=user.id, week=monday, at=at, fingerprint=fp, marks=n_marks,
                                     absences=n_abs, remarks=n_rem)
        audit.record("diary.acknowledge", ack, user=user, school_id=student.school_id,
                     data={"student": student.id, "week": monday.isoformat(), "marks": n_marks,
                           "absences": n_abs, "remarks": n_rem, "again": last is not None})
    signals.send(signals.diary_acknowledged, student_id=student.id, guardian_user_id=user.id, week=monday,
                 at=at, school_id=student.school_id)
    return ack, True


#: (id, user_id, display name, at, fingerprint), oldest first
_ACKS = Prepared(lambda: (
    Acknowledgement.select(Acknowledgement.id, Acknowledgement.user, User.display_name, Acknowledgement.at,
                           Acknowledgement.fingerprint)
    .join(User, on=(Acknowledgement.user == User.id))
    .where((Acknowledgement.student == slot("sid")) & (Acknowledgement.week == slot("week")))
    .order_by(Acknowledgement.at, Acknowledgement.id)))


def states(student_id: int, monday: dt.date, current: str) -> list[dict]:
    """The latest acknowledgement of each guardian of a pupil for the week; one query."""
    latest: dict[int, dict] = {}
    for aid, uid, name, at, fp in _ACKS.rows(sid=student_id, week=monday):
        latest[uid] = {"id": aid, "user_id": uid, "guardian": name, "at": as_datetime(at), "current": fp == current}
    return list(latest.values())


# --- the class teacher's control ----------------------------------------------------------------------

def _week_rows(model, fields, sids: list[int], monday: dt.date, sunday: dt.date):
    """``model`` rows (Mark or Attendance) of these pupils in the week's lessons that concern
    each of them: the journal's rule with the row's pupil and their class as its inputs, as
    the week page reads them (:data:`.week.MARKS`), so both fingerprint the same rows."""
    return (model.select(*fields).join(Lesson, on=(model.lesson == Lesson.id))
            .switch(model).join(Student, on=(model.student == Student.id))
            .where(model.student.in_(sids) & Lesson.date.between(monday, sunday) &
                   pupil_condition(Lesson, model.student, Student.school_class)).tuples())


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
    sids = [s.id for s in students] or [-1]
    links = list(StudentGuardian.select(StudentGuardian, Guardian, User)
                 .join(Guardian).join(User, pw.JOIN.LEFT_OUTER, on=(Guardian.user == User.id))
                 .where(StudentGuardian.student.in_(sids))
                 .order_by(StudentGuardian.student, Guardian.id))
    acks = {}
    for a in (Acknowledgement.select().where(Acknowledgement.student.in_(sids) & (Acknowledgement.week == monday))
              .order_by(Acknowledgement.at, Acknowledgement.id)):
        acks[(a.student_id, a.user_id)] = a  # the latest wins
    visits = {(v.student_id, v.user_id): v.last_at for v in
              Visit.select(Visit.student, Visit.user, Visit.last_at).where(Visit.student.in_(sids))}
    marks, att, rem = defaultdict(list), defaultdict(list), defaultdict(list)
    for sid, mid, version in _week_rows(Mark, (Mark.student, Mark.id, Mark.version), sids, monday, sunday):
        marks[sid].append((mid, version))
    for sid, aid, version in _week_rows(Attendance, (Attendance.student, Attendance.id, Attendance.version),
                                        sids, monday, sunday):
        att[sid].append((aid, version))
    for r in remarks_for(sids, monday, sunday):
        rem[r.student_id].append(r.id)
    current = {s.id: fingerprint(marks[s.id], att[s.id], rem[s.id]) for s in students}

    paper = {}
    for answer in _paper_hook(cls)(student_ids=[s.id for s in students], date_from=monday, date_to=sunday):
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
                "paper_handed_on": max(p["handed_on"] for p in on_paper) if on_paper else None,
                "last_visit_at": visits.get((st.id, uid)) if uid else None,
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


# --- the control as a file: CSV (semicolons, BOM: opens in Excel) or XLSX (core.tabular) -------------

def record_export(user, cls: SchoolClass, week: dt.date, fmt: str) -> None:
    """The acknowledgement list of a class (names of families) left the system as a file."""
    with database.atomic():
        audit.record("diary.control.export", cls, user=user, school_id=cls.school_id,
                     data={"week": week.isoformat(), "format": fmt})


def _status_label(status: str) -> str:
    return {"acknowledged": _("Acknowledged"), "outdated": _("Acknowledged, new data since"),
            "pending": _("Not acknowledged"), "no_account": _("No account"),
            "paper": _("Handed over on paper")}[status]


def relation_label(relation: str) -> str:
    return {"mother": _("mother"), "father": _("father"), "guardian": _("guardian"),
            "other": _("other")}.get(relation, relation)


def export_rows(data: dict) -> list[list]:
    """Header and one line per (pupil, guardian)."""
    out = [[_("Student"), _("Guardian"), _("Relation"), _("Status"), _("Acknowledged at"),
            _("Last opened the diary")]]
    for r in data["rows"]:
        out.append([r["student"], r["guardian"], relation_label(r["relation"]), _status_label(r["status"]),
                    format_datetime(r["acknowledged_at"], "short") if r["acknowledged_at"] else "",
                    format_datetime(r["last_visit_at"], "short") if r["last_visit_at"] else ""])
    return out


def export_response(data: dict, fmt: str) -> Response:
    table = export_rows(data)
    out = io.BytesIO()
    write_table(out, fmt, table[0], table[1:], sheet_title=f"{data['class'].name} {data['week']:%d.%m.%Y}")
    mime = "text/csv; charset=utf-8" if fmt == "csv" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    filename = f"acknowledgements-{data['class'].id}-{data['week'].isoformat()}.{fmt}"
    return Response(out.getvalue(), mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
