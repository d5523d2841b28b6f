"""Fixtures of the health sheet tests.

* ``hs`` — ids of the demo school the tests talk about (demo_ids plus a 6Б student,
  the demo's certificate student, ...), for ``demo_app``.
* ``small_school(app)`` — a tiny school in an app built with ``make_app``: one
  class 5А (class teacher ``klass``), a nurse, a PE teacher ``fizruk``, a maths
  teacher ``teacher``, a parent and three students.
* ``reads(app, since)`` — the ``health_sheet.read`` audit entries after entry id ``since``.
"""
from __future__ import annotations

import datetime as dt

import pytest

from tests.access import demo_ids
from tests.conftest import DEMO_PASSWORD

PW = DEMO_PASSWORD


@pytest.fixture
def hs(demo_app):
    from zhurnal.plugins.roster.models import SchoolClass, Student
    from zhurnal.plugins.health_sheet.models import MedicalCertificate
    ids = demo_ids(demo_app)
    with demo_app.app_context():
        c6b = SchoolClass.get_by_id(ids["class_6b"])
        other_6b = (Student.select().where((Student.school_class == c6b) & (Student.id != ids["sibling"]))
                    .order_by(Student.id).first())
        cert = MedicalCertificate.select().where(MedicalCertificate.reason == "illness").get()
        ids.update(other_6b=other_6b.id, ill_student=cert.student_id, ill_cert=cert.id,
                   ill_from=cert.date_from, ill_to=cert.date_to)
    return ids


def last_audit_id(app) -> int:
    from zhurnal.core.audit import AuditEntry
    with app.app_context():
        e = AuditEntry.select(AuditEntry.id).order_by(AuditEntry.id.desc()).first()
        return e.id if e else 0


def audit_since(app, since: int, action: str | None = None) -> list:
    from zhurnal.core.audit import AuditEntry
    with app.app_context():
        q = AuditEntry.select().where(AuditEntry.id > since).order_by(AuditEntry.id)
        if action:
            q = q.where(AuditEntry.action == action)
        return list(q)


def reads(app, since: int) -> list:
    return audit_since(app, since, "health_sheet.read")


def small_school(app) -> dict:
    """A tiny school; returns ids and the logins (password DEMO_PASSWORD)."""
    from zhurnal.core import access
    from zhurnal.core.identity.models import School, User
    from zhurnal.plugins.roster import service as roster
    from zhurnal.plugins.roster.models import Guardian, StudentGuardian
    with app.app_context():
        pw_hash = app.extensions["zhurnal"].passwords.hash(PW)
        school = School.create(name="МБОУ СОШ № 1", short_name="СОШ № 1")

        def user(login, name, role=None, **scope):
            u = User.create(login=login, display_name=name, password_hash=pw_hash, school=school,
                            must_change_password=False)
            if role:
                access.grant(u, role, school=school, **scope)
            return u

        nurse = user("nurse", "Волкова Татьяна Ивановна", "nurse")
        klass = user("klass", "Иванова Ольга Николаевна", "teacher")
        fizruk = user("fizruk", "Фёдоров Игорь Викторович", "teacher")
        teacher = user("teacher", "Соколова Марина Сергеевна", "teacher")
        d = dt.date
        year = roster.create_year(school, "2026/2027", d(2026, 9, 1), d(2027, 5, 31), "quarters",
                                  [(d(2026, 9, 1), d(2026, 10, 24)), (d(2026, 11, 5), d(2026, 12, 28)),
                                   (d(2027, 1, 12), d(2027, 3, 20)), (d(2027, 3, 30), d(2027, 5, 26))])
        cls = roster.create_class(school, year, 5, "А", class_teacher=klass)
        pe = roster.add_subject(school, "Физическая культура", "Физ-ра")
        math = roster.add_subject(school, "Математика", "Матем.")
        roster.assign_teaching(fizruk, pe, school_class=cls)
        roster.assign_teaching(teacher, math, school_class=cls)
        students = [roster.create_student(school, cls, {"last_name": ln, "first_name": fn, "middle_name": mn,
                                                        "birth_date": bd})
                    for ln, fn, mn, bd in [("Алексеев", "Иван", "Петрович", d(2015, 3, 14)),
                                           ("Борисова", "Анна", "Сергеевна", d(2015, 7, 2)),
                                           ("Волков", "Пётр", "Ильич", d(2015, 11, 30))]]
        mother = Guardian.create(school=school, last_name="Алексеева", first_name="Мария", middle_name="Ивановна")
        StudentGuardian.create(student=students[0], guardian=mother, relation="mother")
        parent = user("parent", mother.full_name)
        Guardian.update(user=parent).where(Guardian.id == mother.id).execute()
        access.grant(parent, "parent", school=school, scope_type="student", scope_id=students[0].id)
        return {"school": school.id, "year": year.id, "class": cls.id, "students": [s.id for s in students],
                "subject_pe": pe.id, "subject_math": math.id,
                "users": {u.login: u.id for u in (nurse, klass, fizruk, teacher, parent)}}
