"""Roster pages: class lists, the card, editing (and stale edits), groups, login slips, the school's
structure, navigation and dashboard, the plugin switched off, and constant query counts."""
from __future__ import annotations

import datetime as dt
import re
import types

from zhurnal.core.hookspecs import hookimpl
from zhurnal.core.ui import Widget
from zhurnal.plugins.roster.models import GroupMember, SchoolClass, Student, StudyGroup, TeachingAssignment
from tests.conftest import DEMO_PASSWORD, login
from tests.plugins.roster.conftest import audit_since, count, last_audit_id
from tests.utils import count_queries


def _nav(html: str) -> list[str]:
    nav = re.search(r'<nav class="mainnav".*?</nav>', html, re.S)
    return re.findall(r">([^<]+)</a>", nav.group(0)) if nav else []


def test_navigation_and_dashboard_by_role(demo_app, ids):
    k = login(demo_app, "klass5a").get("/").get_data(as_text=True)
    nav = _nav(k)
    assert nav[0] == "Главная" and nav.index("Мой класс") < nav.index("Классы")
    assert "Мой класс 5А" in k and "Мальчики / девочки" in k and "Учеников с учётной записью" in k
    p = login(demo_app, "parent1").get("/").get_data(as_text=True)
    assert "Мои дети" in p and "Классы" not in _nav(p)
    assert f'/roster/students/{ids["student1"]}' in p and f'/roster/students/{ids["sibling"]}' in p
    s = login(demo_app, "student1").get("/").get_data(as_text=True)
    assert "Мои данные" in s and f'/roster/students/{ids["sibling"]}' not in s
    d = login(demo_app, "deputy").get("/").get_data(as_text=True)
    assert {"Классы", "Школа"} <= set(_nav(d)) and "Мой класс" not in _nav(d)
    assert "4 класса, 100 учеников" in d


def test_class_list_and_card(demo_app, ids):
    c = login(demo_app, "klass5a")
    html = c.get(f"/roster/classes/{ids['class_5a']}").get_data(as_text=True)
    assert "Класс 5А" in html and "Добавить ученика" in html and "Листки с паролями" not in html[:200]
    assert len(re.findall(r'data-student="\d+"', html)) == 25
    page2 = c.get(f"/roster/classes/{ids['class_5a']}?per_page=10&page=3").get_data(as_text=True)
    assert len(re.findall(r'data-student="\d+"', page2)) == 5 and "Страница 3 из 3" in page2
    # another class: readable for a teacher, but no editing links
    other = c.get(f"/roster/classes/{ids['class_6b']}").get_data(as_text=True)
    assert "Добавить ученика" not in other and "/edit" not in other
    since = last_audit_id(demo_app)
    card = c.get(f"/roster/students/{ids['student1']}")
    assert card.status_code == 200
    body = card.get_data(as_text=True)
    assert "Личные данные" in body and "Родители и законные представители" in body and "английский" in body
    [read] = audit_since(demo_app, since, "roster.student.read")
    assert read.login == "klass5a" and read.payload == {"via": "web"}
    assert login(demo_app, "parent2").get(f"/roster/students/{ids['student1']}").status_code == 404
    assert login(demo_app, "teacher").get(f"/roster/students/{ids['student1']}").status_code == 403
    assert c.get("/roster/students/999999").status_code == 404


def test_card_shows_sections_of_other_plugins_to_those_allowed(make_app):
    plugin = types.ModuleType("cardtest")
    plugin.name, plugin.version, plugin.title, plugin.depends, plugin.schema_version = "cardtest", "1", "t", ("roster",), 0

    @hookimpl
    def zhurnal_student_card_sections(student, user):
        return [Widget("Раздел другого модуля", html=f"<p id='extra'>{student.first_name}: {user.login}</p>")]

    plugin.zhurnal_student_card_sections = zhurnal_student_card_sections
    app = make_app(plugins=["roster", "cardtest"], extra_plugins=[plugin])
    with app.app_context():
        from zhurnal.core import access
        from zhurnal.core.identity import service as identity
        from zhurnal.core.identity.models import School
        from zhurnal.plugins.roster import service
        school = School.create(name="Школа № 1", short_name="Школа № 1")
        year = service.create_year(school, "2026/2027", dt.date(2026, 9, 1), dt.date(2027, 5, 31), "halves",
                                   [(dt.date(2026, 9, 1), dt.date(2026, 12, 28)), (dt.date(2027, 1, 12), dt.date(2027, 5, 31))])
        cls = service.create_class(school, year, 1, "а")
        st = service.create_student(school, cls, {"last_name": "Ёлкина", "first_name": "Вера"})
        boss, _pw = identity.create_user("boss", "Директор", school=school, password=DEMO_PASSWORD)
        access.grant(boss, "director", school=school)
    html = login(app, "boss").get(f"/roster/students/{st.id}").get_data(as_text=True)
    assert "Раздел другого модуля" in html and "<p id='extra'>Вера: boss</p>" in html
    assert login(app, "boss").get("/api/v1/years").get_json()["items"][0]["periods"][1]["name"] == "2 полугодие"


def test_edit_student_and_a_stale_edit(pages, ids):
    c = login(pages, "klass5a")
    url = f"/roster/students/{ids['other_5a']}/edit"
    form = c.get(url).get_data(as_text=True)
    version = int(re.search(r'name="version" value="(\d+)"', form).group(1))
    with pages.app_context():
        st = Student.get_by_id(ids["other_5a"])
        base = {"last_name": st.last_name, "first_name": st.first_name, "middle_name": st.middle_name,
                "birth_date": st.birth_date.isoformat(), "gender": st.gender, "class_id": str(ids["class_5a"])}
    r = c.post(url, data=dict(base, version=version, address="г. Тверь, ул. Первая, д. 1"))
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/roster/students/{ids['other_5a']}")
    # a second editor still holding the old form
    stale = login(pages, "deputy").post(url, data=dict(base, version=version, address="г. Тверь, ул. Вторая, д. 2"))
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "Ваши изменения НЕ сохранены" in html
    assert 'value="г. Тверь, ул. Первая, д. 1"' in html and "Вы ввели:" in html and "ул. Вторая" in html
    assert f'name="version" value="{version + 1}"' in html
    with pages.app_context():
        assert Student.get_by_id(ids["other_5a"]).address == "г. Тверь, ул. Первая, д. 1"
    bad = c.post(url, data=dict(base, version=version + 1, last_name="", email="x"))
    assert bad.status_code == 422 and "Обязательное поле." in bad.get_data(as_text=True)
    new = c.post(f"/roster/classes/{ids['class_5a']}/students/new",
                 data={"last_name": "Соловьёва", "first_name": "Таисия", "birth_date": "2015-01-09", "gender": "f",
                       "next": "guardians"})
    assert new.status_code == 302 and "/guardians" in new.headers["Location"]
    assert count(pages, Student, Student.last_name == "Соловьёва", Student.school_class == ids["class_5a"]) == 1


def test_class_teacher_cannot_change_another_class_through_pages(pages, ids):
    c = login(pages, "klass5a")
    with pages.app_context():
        st6 = Student.get((Student.school_class == ids["class_6b"]) & (Student.id != ids["sibling"]))
        g6 = StudyGroup.get((StudyGroup.school_class == ids["class_6b"]) & (StudyGroup.kind == "split"))
    students, members = count(pages, Student), count(pages, GroupMember)
    assert c.get(f"/roster/students/{st6.id}/edit").status_code == 403
    assert c.post(f"/roster/students/{st6.id}/edit", data={"version": st6.version, "last_name": "Х",
                                                           "first_name": "Y"}).status_code == 403
    assert c.post(f"/roster/classes/{ids['class_6b']}/students/new",
                  data={"last_name": "Новиков", "first_name": "Иван"}).status_code == 403
    assert c.post(f"/roster/classes/{ids['class_6b']}/groups", data={"name": "x"}).status_code == 403
    assert c.post(f"/roster/groups/{g6.id}", data={"version": g6.version, "name": "x"}).status_code == 403
    assert c.get(f"/roster/classes/{ids['class_6b']}/import").status_code == 403
    assert c.get(f"/roster/classes/{ids['class_6b']}/accounts").status_code == 403
    assert c.post(f"/roster/students/{st6.id}/guardians", data={"action": "create", "last_name": "А",
                                                                "first_name": "Б"}).status_code == 403
    # moving an own student into another class is refused too
    with pages.app_context():
        own = Student.get_by_id(ids["other_5a"])
    r = c.post(f"/roster/students/{own.id}/edit", data={"version": own.version, "last_name": own.last_name,
                                                       "first_name": own.first_name, "class_id": ids["class_6b"]})
    assert r.status_code == 403
    assert (count(pages, Student), count(pages, GroupMember)) == (students, members)
    with pages.app_context():
        assert Student.get_by_id(st6.id).version == st6.version
        assert Student.get_by_id(own.id).school_class_id == ids["class_5a"]


def test_groups_page_creates_a_split_with_checkboxes(pages, ids):
    c = login(pages, "klass5a")
    page = c.get(f"/roster/classes/{ids['class_5a']}/groups").get_data(as_text=True)
    assert "5А английский, группа 1" in page and "Новая группа класса" in page
    boxes = re.findall(r'name="student_ids" value="(\d+)"', page)
    assert len(boxes) == 25
    with pages.app_context():
        girls = [s.id for s in Student.select().where((Student.school_class == ids["class_5a"]) & (Student.gender == "f"))]
    r = c.post(f"/roster/classes/{ids['class_5a']}/groups",
               data={"name": "5А хор", "subject_id": "", "student_ids": [str(i) for i in girls]})
    assert r.status_code == 302
    with pages.app_context():
        grp = StudyGroup.get(StudyGroup.name == "5А хор")
        assert (grp.kind, grp.school_class_id) == ("split", ids["class_5a"])
        assert {m.student_id for m in grp.members} == set(girls)
    edit = c.get(f"/roster/groups/{grp.id}").get_data(as_text=True)
    assert edit.count("checked") == len(girls)
    r = c.post(f"/roster/groups/{grp.id}", data={"version": grp.version, "name": "5А хор", "student_ids": [str(girls[0])]})
    assert r.status_code == 302
    stale = c.post(f"/roster/groups/{grp.id}", data={"version": grp.version, "name": "5А хор", "student_ids": []})
    assert stale.status_code == 409 and "Ваши изменения НЕ сохранены" in stale.get_data(as_text=True)
    with pages.app_context():
        assert [m.student_id for m in StudyGroup.get_by_id(grp.id).members] == [girls[0]]
    with pages.app_context():
        foreign = Student.select().where(Student.school_class == ids["class_6b"]).first().id
    bad = c.post(f"/roster/classes/{ids['class_5a']}/groups", data={"name": "x", "student_ids": [str(foreign)]})
    assert bad.status_code == 422 and not count(pages, StudyGroup, StudyGroup.name == "x")


def test_login_slips_show_each_activation_code_once(pages, ids):
    c = login(pages, "klass5a")
    page = c.get(f"/roster/classes/{ids['class_5a']}/accounts").get_data(as_text=True)
    assert f'value="s:{ids["other_5a"]}"' in page
    with pages.app_context():
        from zhurnal.plugins.roster.models import Guardian, StudentGuardian
        mother = Guardian.select().join(StudentGuardian).where(StudentGuardian.student == ids["other_5a"]).first()
    since = last_audit_id(pages)
    r = c.post(f"/roster/classes/{ids['class_5a']}/accounts",
               data={"person": [f"s:{ids['other_5a']}", f"g:{mother.id}", f"s:{ids['student1']}"]})
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    html = r.get_data(as_text=True)
    slips = re.findall(r'<section class="slip" data-login="([^"]+)">.*?class="code">([^<]+)<', html, re.S)
    assert len(slips) == 2  # student1 already has an account and nobody asked to replace it
    assert "МБОУ СОШ № 17" in html and "Как войти" in html and "http://127.0.0.1:5000/login" in html
    assert "Уже есть учётная запись (не изменена):" in html
    for login_name, password in slips:
        me = pages.test_client().post("/api/v1/auth/login", json={"login": login_name, "password": password})
        assert me.status_code == 200 and me.get_json()["must_change_password"]
    assert [e.action for e in audit_since(pages, since, "roster.account.issue")] == ["roster.account.issue"] * 2
    again = c.get(f"/roster/classes/{ids['class_5a']}/accounts").get_data(as_text=True)
    assert slips[0][1] not in again  # never shown again
    # re-issuing resets the password
    r = c.post(f"/roster/classes/{ids['class_5a']}/accounts", data={"person": f"s:{ids['other_5a']}", "reissue": "1"})
    new_pw = re.search(r'class="code">([^<]+)<', r.get_data(as_text=True)).group(1)
    assert new_pw != slips[0][1]
    assert pages.test_client().post("/api/v1/auth/login", json={"login": slips[0][0],
                                                                "password": slips[0][1]}).status_code == 401


def test_school_structure_page(pages, ids):
    d = login(pages, "deputy")
    html = d.get("/roster/school").get_data(as_text=True)
    for text in ("2026/2027", "2 четверть", "Осенние каникулы", "Математика", "Иванова Ольга Николаевна",
                 "Педагогическая нагрузка", "Соколова Марина Сергеевна"):
        assert text in html, text
    r = d.post(f"/roster/school/classes/{ids['class_6b']}/teacher", data={"teacher_id": str(ids["user_teacher"])})
    assert r.status_code == 302
    # the new class teacher may now edit 6Б, the old one no longer
    st6 = login(pages, "teacher").get(f"/api/v1/students?class_id={ids['class_6b']}").get_json()["items"][0]
    assert login(pages, "teacher").get(f"/roster/students/{st6['id']}/edit").status_code == 200
    assert login(pages, "klass6b").get(f"/roster/students/{st6['id']}/edit").status_code == 403
    before = count(pages, TeachingAssignment)
    d.post("/roster/school/teaching", data={"teacher_id": str(ids["user_klass5a"]),
                                            "subject_id": str(ids["subject_math"]), "target": f"c:{ids['class_6b']}"})
    assert count(pages, TeachingAssignment) == before + 1
    with pages.app_context():
        ta = TeachingAssignment.get((TeachingAssignment.teacher == ids["user_klass5a"]) &
                                    (TeachingAssignment.school_class == ids["class_6b"]))
    assert d.post(f"/roster/school/teaching/{ta.id}/delete").status_code == 302
    assert count(pages, TeachingAssignment) == before
    assert login(pages, "klass5a").get("/roster/school").status_code == 403


def test_english_interface(demo_app, ids):
    c = login(demo_app, "klass5a")
    c.get("/lang/en")
    html = c.get(f"/roster/classes/{ids['class_5a']}").get_data(as_text=True)
    assert "Add a student" in html and "Class 5А" in html


def test_switched_off_for_the_school(demo_app, ids):
    admin = login(demo_app, "admin")
    k = login(demo_app, "klass5a")
    assert admin.put(f"/api/v1/schools/{ids['school']}/plugins/roster", json={"enabled": False}).status_code == 200
    for path in ("/roster/classes", f"/roster/classes/{ids['class_5a']}", f"/roster/students/{ids['student1']}",
                 "/api/v1/students", "/api/v1/classes", f"/api/v1/students/{ids['student1']}"):
        assert k.get(path).status_code == 404, path
    assert k.post("/api/v1/students", json={"class_id": ids["class_5a"], "last_name": "А",
                                            "first_name": "Б"}).status_code == 404
    home = k.get("/").get_data(as_text=True)
    assert "Мой класс" not in home and "Классы" not in _nav(home)
    students = count(demo_app, Student)
    assert admin.put(f"/api/v1/schools/{ids['school']}/plugins/roster", json={"enabled": True}).status_code == 200
    assert k.get(f"/roster/classes/{ids['class_5a']}").status_code == 200
    assert "Мой класс" in k.get("/").get_data(as_text=True)
    assert count(demo_app, Student) == students  # the data stayed


def test_list_pages_use_a_constant_number_of_queries(demo_app, ids):
    c = login(demo_app, "deputy")
    paths = [("/roster/classes/{class_5a}?per_page={n}", (3, 25)), ("/api/v1/students?per_page={n}", (3, 100)),
             ("/api/v1/guardians?per_page={n}", (3, 100)), ("/api/v1/groups?per_page={n}", (2, 20)),
             ("/api/v1/classes/{class_5a}/students?per_page={n}", (3, 25)), ("/roster/classes?x={n}", (1, 1)),
             ("/api/v1/classes?per_page={n}", (1, 4)), ("/roster/classes/{class_5a}/groups?x={n}", (1, 1)),
             ("/roster/classes/{class_5a}/accounts?x={n}", (1, 1))]
    for path, (small, big) in paths:
        counts = []
        for n in (small, big):
            with demo_app.app_context(), count_queries() as q:
                r = c.get(path.format(n=n, **ids))
            assert r.status_code == 200, path
            counts.append(q.count)
        assert counts[0] == counts[1] and counts[1] <= 20, (path, counts)
    with demo_app.app_context(), count_queries() as q:
        c.get(f"/roster/students/{ids['student1']}")
    assert q.count <= 25
