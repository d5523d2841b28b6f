"""Helpers of the diary tests: journal data written through the journal's public service."""
from __future__ import annotations

import datetime as dt

from tests.conftest import TODAY
from tests.utils import json_block

#: Monday of the demo's current week (TODAY is a Thursday)
THIS_WEEK = TODAY - dt.timedelta(days=TODAY.weekday())
LAST_WEEK = THIS_WEEK - dt.timedelta(days=7)


def user(login: str):
    from zhurnal.core.identity.models import User
    return User.get(User.login == login)


def lesson_of(student_id: int, day: dt.date, subject: str = "Математика"):
    """The student's lesson of ``subject`` on ``day`` (created through the journal if the
    timetable has none that day)."""
    from zhurnal.plugins.journal import service as journal
    from zhurnal.plugins.roster.models import SchoolClass, Student, Subject
    st = Student.get_by_id(student_id)
    for les in journal.student_lessons(st, day, day):
        if les.subject.name == subject and not les.cancelled:
            return les
    subj = Subject.get(Subject.name == subject)
    cls = SchoolClass.get_by_id(st.school_class_id)
    return journal.create_lesson(st.school_id, date=day, subject=subj, school_class=cls, number=8,
                                 teacher=user("teacher"), topic="Дополнительное занятие")


def give_mark(app, student_id: int, day: dt.date, value: str = "5", comment: str = "", kind: str = "answer",
              subject: str = "Математика"):
    """A mark written by the subject's teacher through the journal's service; returns it."""
    from zhurnal.plugins.journal import service as journal
    from zhurnal.plugins.roster.models import Student
    with app.test_request_context():
        les = lesson_of(student_id, day, subject)
        return journal.add_mark(les, Student.get_by_id(student_id), value, kind, comment, by=user("teacher"))


def set_absent(app, student_id: int, day: dt.date, status: str = "absent", subject: str = "Математика"):
    from zhurnal.plugins.journal import service as journal
    from zhurnal.plugins.roster.models import Student
    with app.test_request_context():
        les = lesson_of(student_id, day, subject)
        return journal.set_attendance(les, Student.get_by_id(student_id), status, by=user("teacher"))


def add_remark(app, student_id: int, day: dt.date, text: str, kind: str = "remark"):
    from zhurnal.plugins.journal import service as journal
    from zhurnal.plugins.roster.models import Student, Subject
    with app.test_request_context():
        return journal.add_remark(Student.get_by_id(student_id), text, kind=kind,
                                  subject=Subject.get(Subject.name == "Математика"), date=day, by=user("teacher"))


def audit_actions(app, action: str, **where) -> list:
    from zhurnal.core.audit import AuditEntry
    with app.app_context():
        q = AuditEntry.select().where(AuditEntry.action == action)
        for k, v in where.items():
            q = q.where(getattr(AuditEntry, k) == v)
        return list(q.order_by(AuditEntry.id))


def page_block(html: str, block: str = "dy-data") -> dict:
    """A JSON block the week page embeds for its script: ``dy-data`` (the week API's answer)
    or ``dy-words`` (labels, day titles, the news box's dates)."""
    return json_block(html, block)


def week_page(client, student_id: int, week: dt.date | None = None) -> tuple[dict, dict]:
    """(the week's JSON, the words) a week page embeds, as ``client`` opens it."""
    r = client.get(f"/diary/students/{student_id}" + (f"?week={week.isoformat()}" if week else ""))
    assert r.status_code == 200, r.status_code
    html = r.get_data(as_text=True)
    return page_block(html), page_block(html, "dy-words")
