"""The weekly summary per child, sent through the kernel's notification outbox.

Each Saturday (and on demand, :func:`queue_week`) every guardian with an account
gets, for each of their children, the week's marks, absences and remarks and a
signed single-use «Ознакомлен» link. Opening it shows a confirmation button; pressing
it records the acknowledgement through :func:`.acknowledgement.acknowledge`, exactly
like the diary's own button (the link stands for the guardian, who need not log in).
"""
from __future__ import annotations

import datetime as dt

from huey import crontab

from zhurnal.core import clock
from zhurnal.core.db import database
from zhurnal.core.notify import links
from zhurnal.core.notify.outbox import notify
from zhurnal.core.queue import task
from zhurnal.plugins.roster.models import Guardian, Student, StudentGuardian

from .week import monday_of, week_facts

PURPOSE = "diary.ack"


def _lines(student_id: int, monday: dt.date) -> list[str]:
    _fp, n_marks, n_abs, n_rem = week_facts(student_id, monday)
    return [f"Оценок: {n_marks}", f"Пропусков уроков: {n_abs}", f"Замечаний и записей учителей: {n_rem}"]


def queue_week(monday: dt.date | None = None, school_id: int | None = None) -> int:
    """Queue the summary of the week starting ``monday`` (default: this week) for every guardian
    account and child; returns how many were queued (a week already queued is skipped)."""
    monday = monday_of(monday or clock.today())
    q = (StudentGuardian.select(StudentGuardian.student, Guardian.user, Student.school, Student.first_name,
                                Student.last_name)
         .join(Guardian, on=(StudentGuardian.guardian == Guardian.id))
         .switch(StudentGuardian).join(Student, on=(StudentGuardian.student == Student.id))
         .where(Guardian.user.is_null(False) & Student.left_at.is_null()))
    if school_id is not None:
        q = q.where(Student.school == school_id)
    n = 0
    for student_id, user_id, sid, first, last in q.tuples():
        token = links.make(PURPOSE, {"u": user_id, "s": student_id, "w": monday.isoformat()})
        with database.atomic():
            n += notify("weekly_summary", key=f"diary.week:{student_id}:{monday.isoformat()}:{user_id}",
                        school_id=sid, student_id=student_id, recipients=[user_id],
                        data={"student": f"{first} {last}", "week": monday.strftime("%d.%m.%Y"),
                              "lines": _lines(student_id, monday),
                              "_link": f"/diary/students/{student_id}?week={monday.isoformat()}",
                              "_ack": f"/diary/ack/{token}"})
    return n


@task(periodic=crontab(day_of_week="6", hour="9", minute="0"))
def weekly_summary_job() -> int:
    """Saturday 09:00 UTC: queue the week's summaries (the worker delivers them)."""
    return queue_week()
