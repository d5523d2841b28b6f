"""A small hand-built class whose right answers are worked out by hand in the tests.

5А (class teacher ``klass``, who teaches Russian), maths by ``teacher``; three students;
the second quarter (5 Nov – 28 Dec 2026, today pinned to 26 Nov) is the report period,
the first quarter the previous one. Kinds of work: an answer weighs 1, a control work 2.

=========  ======================================  ==============  ===========================
student    maths (L1 9.11, L2 10.11, L3 11.11)     Russian (R1     attendance
                                                   9.11, R2 10.11)
=========  ======================================  ==============  ===========================
Алексеев   5 answer L1, 5 control L2               4 R1            ill at L3
Борисова   2 answer L1, 5 control L2               3 answer R2     late at R1
Волков     2 answer L3, 2 control L3               4 R1            absent L1, R2; valid L2
=========  ======================================  ==============  ===========================

First quarter (1.10): maths 5 (Алексеев), 5 (Борисова), 3 (Волков).
School thresholds: min_marks 2, risk_absences 2, risk_drop 1.0.
"""
from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import DEMO_PASSWORD

PLUGINS = ["roster", "journal", "analytics"]


def build_small_class(app) -> dict:
    from zhurnal.core import access
    from zhurnal.core.identity.models import School, User
    from zhurnal.plugins.analytics import service as analytics
    from zhurnal.plugins.journal import service as journal
    from zhurnal.plugins.roster import service as roster
    from zhurnal.plugins.roster.models import Guardian, StudentGuardian
    d = dt.date
    with app.app_context():
        pw_hash = app.extensions["zhurnal"].passwords.hash(DEMO_PASSWORD)
        school = School.create(name="МБОУ СОШ № 7", short_name="СОШ № 7")

        def user(login, name, role=None, **scope):
            u = User.create(login=login, display_name=name, password_hash=pw_hash, school=school,
                            must_change_password=False)
            if role:
                access.grant(u, role, school=school, **scope)
            return u

        deputy = user("deputy", "Смирнова Елена Павловна", "deputy")
        klass = user("klass", "Иванова Ольга Николаевна", "teacher")
        teacher = user("teacher", "Соколова Марина Сергеевна", "teacher")
        year = roster.create_year(school, "2026/2027", d(2026, 9, 1), d(2027, 5, 31), "quarters",
                                  [(d(2026, 9, 1), d(2026, 10, 24)), (d(2026, 11, 5), d(2026, 12, 28)),
                                   (d(2027, 1, 12), d(2027, 3, 20)), (d(2027, 3, 30), d(2027, 5, 26))])
        cls = roster.create_class(school, year, 5, "А", class_teacher=klass)
        other = roster.create_class(school, year, 5, "Б")
        math = roster.add_subject(school, "Математика", "Матем.")
        rus = roster.add_subject(school, "Русский язык", "Рус. яз.")
        roster.assign_teaching(teacher, math, school_class=cls)
        roster.assign_teaching(klass, rus, school_class=cls)
        a, b, c = [roster.create_student(school, cls, {"last_name": ln, "first_name": fn})
                   for ln, fn in [("Алексеев", "Иван"), ("Борисова", "Анна"), ("Волков", "Пётр")]]
        roster.create_student(school, other, {"last_name": "Другой", "first_name": "Класс"})
        mother = Guardian.create(school=school, last_name="Алексеева", first_name="Мария")
        StudentGuardian.create(student=a, guardian=mother, relation="mother")
        parent = user("parent", "Алексеева Мария")
        Guardian.update(user=parent).where(Guardian.id == mother.id).execute()
        access.grant(parent, "parent", school=school, scope_type="student", scope_id=a.id)

        def lesson(day, subj, who):
            return journal.create_lesson(school.id, date=day, subject=subj, teacher=who, school_class=cls)
        q1 = lesson(d(2026, 10, 1), math, teacher)
        l1, l2, l3 = (lesson(d(2026, 11, n), math, teacher) for n in (9, 10, 11))
        r1, r2 = (lesson(d(2026, 11, n), rus, klass) for n in (9, 10))
        for st, v in ((a, "5"), (b, "5"), (c, "3")):
            journal.add_mark(q1, st, v, "answer", by=teacher)
        journal.add_mark(l1, a, "5", "answer", by=teacher)
        journal.add_mark(l2, a, "5", "control", by=teacher)
        journal.add_mark(r1, a, "4", "answer", by=klass)
        journal.add_mark(l1, b, "2", "answer", by=teacher)
        journal.add_mark(l2, b, "5", "control", by=teacher)
        journal.add_mark(r2, b, "3", "answer", by=klass)
        journal.add_mark(l3, c, "2", "answer", by=teacher)
        c_control = journal.add_mark(l3, c, "2", "control", by=teacher)
        journal.add_mark(r1, c, "4", "answer", by=klass)
        journal.set_attendance(l3, a, "ill", by=teacher)
        journal.set_attendance(r1, b, "late", by=klass)
        journal.set_attendance(l1, c, "absent", by=teacher)
        journal.set_attendance(r2, c, "absent", by=klass)
        journal.set_attendance(l2, c, "valid", "справка из спортшколы", by=teacher)
        analytics.save_settings(school.id, {"min_marks": 2, "risk_absences": 2, "risk_drop": 1.0,
                                            "guardians_see_reports": False})
        return {"school": school.id, "class": cls.id, "other_class": other.id, "math": math.id, "rus": rus.id,
                "a": a.id, "b": b.id, "c": c.id, "c_control": c_control.id, "teacher": teacher.id,
                "klass": klass.id, "deputy": deputy.id}


@pytest.fixture
def small(make_app):
    app = make_app(plugins=PLUGINS)
    app.config["WTF_CSRF_ENABLED"] = False
    ids = build_small_class(app)
    return app, ids
