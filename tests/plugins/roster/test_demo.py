"""The demo school promised in the README: who is who, sizes, the current school year, ``--students N``."""
from __future__ import annotations

import datetime as dt
import re

from zhurnal.core.identity.models import User
from zhurnal.plugins.roster import service
from zhurnal.plugins.roster.models import (AcademicYear, Guardian, SchoolClass, Student, StudentGuardian, StudyGroup,
                                   Subject, TeachingAssignment)
from tests.conftest import TODAY, login


def _teaches(user_id: int) -> set[tuple[str, str]]:
    rows = (TeachingAssignment.select(Subject.name, SchoolClass.parallel, SchoolClass.letter)
            .join(Subject, on=(TeachingAssignment.subject == Subject.id)).switch(TeachingAssignment)
            .join(SchoolClass, on=(TeachingAssignment.school_class == SchoolClass.id))
            .where(TeachingAssignment.teacher == user_id).tuples())
    return {(subject, f"{par}{letter}") for subject, par, letter in rows}


def test_the_demo_logins_are_who_the_readme_says(demo_app):
    with demo_app.app_context():
        users = {u.login: u for u in User.select().where(User.login.in_(
            ["admin", "director", "deputy", "nurse", "teacher", "klass5a", "parent1", "parent2", "student1"]))}
        assert len(users) == 9 and not any(u.must_change_password for u in users.values())
        assert all(demo_app.extensions["zhurnal"].passwords.verify(u.password_hash, "demo12345")
                   for u in users.values())
        year = service.current_year(users["director"].school_id)
        assert year.start <= TODAY <= year.end and year.name == "2026/2027"
        classes = {c.name: c for c in service.classes(users["director"].school_id, year)}
        assert {"5А", "6Б"} <= set(classes)
        assert all(20 <= len(service.class_students(classes[n].id)) <= 30 for n in ("5А", "6Б"))
        assert Guardian.select().count() >= 50

        # teacher: mathematics in every class; klass5a: class teacher of 5А, Russian there
        assert {("Математика", "5А"), ("Математика", "6Б")} <= _teaches(users["teacher"].id)
        assert classes["5А"].class_teacher_id == users["klass5a"].id
        assert ("Русский язык", "5А") in _teaches(users["klass5a"].id)

        def children(login):
            return {(s.id, s.school_class.name) for s in
                    Student.select(Student, SchoolClass).join(SchoolClass).switch(Student).join(StudentGuardian)
                    .join(Guardian).where(Guardian.user == users[login].id)}
        p1, p2 = children("parent1"), children("parent2")
        assert sorted(c for _, c in p1) == ["5А", "6Б"]
        assert [c for _, c in p2] == ["5А"] and not (p1 & p2)
        s1 = Student.get(Student.user == users["student1"].id)
        assert (s1.id, "5А") in p1

        # groups: splits of a class, a stream of the parallel, an individual plan
        kinds = {g.kind for g in StudyGroup.select().where(StudyGroup.year == year.id)}
        assert kinds == {"split", "stream", "individual"}
        assert Student.select().where(Student.individual_plan).count() >= 1


def test_demo_students_option_scales_the_classes(make_app):
    from zhurnal.core import demo
    app = make_app(plugins=["roster"])
    with app.app_context():
        ctx = demo.seed(students_per_class=7, today=dt.date(2027, 2, 3))
        classes = service.classes(ctx.school)
        assert len(classes) >= 2 and {len(service.class_students(c.id)) for c in classes} == {7}
        # the school year follows the demo's day
        assert AcademicYear.get().name == "2026/2027" and ctx.today == dt.date(2027, 2, 3)
    assert login(app, "parent1").get("/api/v1/students").get_json()["total"] == 2


def _widgets(html: str) -> list[str]:
    return re.findall(r'<section class="card widget"><h2>([^<]+)</h2>', html)


def test_every_role_has_a_dashboard(demo_app, ids):
    """Roster's panels on the start page: the class teacher's class, a teacher's subjects and classes,
    the school for the administration, the classes for the nurse, the children for a parent."""
    def home(who):
        return login(demo_app, who).get("/").get_data(as_text=True)

    k = home("klass5a")
    assert {"Мой класс 5А", "Что я преподаю"} <= set(_widgets(k))
    t = home("teacher")
    assert "Что я преподаю" in _widgets(t) and "Мой класс 5А" not in t
    teaching = re.search(r'<table class="table teaching">(.*?)</table>', t, re.S).group(1)
    assert re.search(r"Математика</th><td>.*>5А</a>.*>6Б</a>", teaching)
    assert f'/roster/classes/{ids["class_5a"]}"' in teaching
    n = home("nurse")
    assert "Классы" in _widgets(n) and re.search(r">5А</a> — 25 учеников", n)
    for who in ("admin", "director", "deputy"):
        assert "Школа" in _widgets(home(who)), who
    assert "Мои дети" in _widgets(home("parent1")) and "Мои данные" in _widgets(home("student1"))
    for who in ("parent1", "student1", "nurse"):
        assert "Что я преподаю" not in _widgets(home(who)), who


def test_the_readme_describes_the_demo_teacher_as_the_demo_makes_them(demo_app):
    """The README's row for `teacher` names exactly the classes the demo's teacher teaches."""
    import re
    from pathlib import Path
    from zhurnal.core.identity.models import User
    from zhurnal.plugins.roster.models import StudyGroup
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    row = re.search(r"^\| `teacher` \| (.+) \|$", readme, re.M).group(1)
    with demo_app.app_context():
        teacher = User.get(User.login == "teacher")
        taught = _teaches(teacher.id)
        groups = list(StudyGroup.select().join(TeachingAssignment, on=(TeachingAssignment.group == StudyGroup.id))
                      .where(TeachingAssignment.teacher == teacher.id))
    assert {s for s, _c in taught} == {"Математика"} and "mathematics" in row
    assert {c for _s, c in taught} == set(re.findall(r"\b\d[А-Я]\b", row.split(", and")[0]))
    assert [g.kind for g in groups] == ["individual"] and "individual plan" in row
