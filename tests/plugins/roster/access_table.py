"""Access cases of the roster's endpoints (see tests/access.py).

Who is who in the demo: klass5a is the class teacher of 5А (and a subject teacher);
teacher and fizruk are subject teachers; parent1 has children in 5А (student1) and
6Б; parent2 a child in 5А; nurse and support are staff without roster rights beyond
reading the school's structure. Writes to students, guardians, groups, accounts and
imports: admin, deputy and the class teacher (own class only); the school's structure:
admin, director, deputy.
"""
from tests.access import STANDARD_LOGINS, Case

EVERYONE = STANDARD_LOGINS
MANAGERS = ("admin", "director", "deputy")
DEMO_SCHOOL = ("Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 17» "
               "г. Твери")
WRITERS = ("admin", "deputy", "klass5a")
CLASS_READERS = ("admin", "director", "deputy", "teacher", "klass5a", "nurse", "fizruk")
#: may open student1's card: staff with card rights, the class teacher, the parent, the student
CARD_5A_S1 = ("admin", "director", "deputy", "klass5a", "parent1", "student1")


def _student_version(app, login):
    from zhurnal.plugins.roster.models import Student
    from tests.access import demo_ids
    ids = demo_ids(app)
    with app.app_context():
        return {"v": Student.get_by_id(ids["other_5a"]).version, "who": login or "anon"}


def _class_version(app, login):
    from zhurnal.plugins.roster.models import SchoolClass
    from tests.access import demo_ids
    ids = demo_ids(app)
    with app.app_context():
        return {"v": SchoolClass.get_by_id(ids["class_5a"]).version, "who": login or "anon"}


def _group_version(app, login):
    from zhurnal.plugins.roster.models import GroupMember, StudyGroup
    from tests.access import demo_ids
    ids = demo_ids(app)
    with app.app_context():
        grp = StudyGroup.get_by_id(ids["group_5a_english1"])
        members = [m for (m,) in GroupMember.select(GroupMember.student).where(GroupMember.group == grp.id).tuples()]
        return {"v": grp.version, "members": members, "who": login or "anon"}


def _guardian_version(app, login):
    from zhurnal.plugins.roster.models import Guardian
    from tests.access import demo_ids
    ids = demo_ids(app)
    with app.app_context():
        return {"v": Guardian.get_by_id(ids["guardian_parent1"]).version, "who": login or "anon"}


def _other_guardian(app, login):
    """The mother of other_5a (no account), linked again before each try to unlink it."""
    from zhurnal.plugins.roster.models import Guardian, StudentGuardian
    from tests.access import demo_ids
    ids = demo_ids(app)
    with app.app_context():
        if "_roster_other_guardian" not in app.config:  # chosen once: it is unlinked by the first allowed login
            app.config["_roster_other_guardian"] = (
                Guardian.select().join(StudentGuardian).where(StudentGuardian.student == ids["other_5a"])
                .order_by(Guardian.id).first().id)
        gid = app.config["_roster_other_guardian"]
        StudentGuardian.insert(student=ids["other_5a"], guardian=gid, relation="mother").on_conflict_ignore().execute()
        return {"other_guardian": gid}


def _teaching(app, login):
    """A fresh teaching assignment for each login to try to remove."""
    from zhurnal.plugins.roster import service
    from zhurnal.plugins.roster.models import SchoolClass, Subject
    from zhurnal.core.identity.models import User
    from tests.access import demo_ids
    ids = demo_ids(app)
    with app.app_context():
        ta = service.assign_teaching(User.get_by_id(ids["user_teacher"]), Subject.get_by_id(ids["subject_russian"]),
                                     school_class=SchoolClass.get_by_id(ids["class_6b"]))
        return {"ta": ta.id}


def _year(app, login):
    """The current school year, and a fresh holiday in it for each login to try to remove."""
    from zhurnal.plugins.roster import service
    from zhurnal.plugins.roster.models import AcademicYear
    from tests.conftest import TODAY
    with app.app_context():
        year = AcademicYear.select().where((AcademicYear.start <= TODAY) & (AcademicYear.end >= TODAY)).get()
        h = service.add_holiday(year, f"День здоровья ({login or 'anon'})", TODAY, TODAY)
        return {"year": year.id, "holiday": h.id}


NEXT_YEAR = {"start": "2027-09-01", "end": "2028-05-31", "period_kind": "halves",
             "periods": [{"start": "2027-09-01", "end": "2027-12-28"}, {"start": "2028-01-12", "end": "2028-05-31"}]}
NEXT_YEAR_FORM = {"start": "2027-09-01", "end": "2028-05-31", "period_kind": "halves", "p1_start": "2027-09-01",
                  "p1_end": "2027-12-28", "p2_start": "2028-01-12", "p2_end": "2028-05-31"}

CASES = [
    # --- API: schools, years, subjects, teaching
    Case("roster_api.list_schools", "GET", "/api/v1/schools", allow=EVERYONE),
    Case("roster_api.create_school", "POST", "/api/v1/schools", json={"name": "Школа № 2", "short_name": "СОШ № 2"},
         allow=("admin",)),
    Case("roster_api.get_school", "GET", "/api/v1/schools/{school}", allow=EVERYONE),
    Case("roster_api.patch_school", "PATCH", "/api/v1/schools/{school}", json={"short_name": "МБОУ СОШ № 17"},
         allow=MANAGERS),
    Case("roster_api.list_years", "GET", "/api/v1/years", allow=EVERYONE),
    Case("roster_api.create_year", "POST", "/api/v1/years", json=NEXT_YEAR, allow=MANAGERS,
         note="the second allowed login gets 409: the year exists by then"),
    Case("roster_api.get_year", "GET", "/api/v1/years/{year}", setup=_year, allow=EVERYONE),
    Case("roster_api.add_holiday", "POST", "/api/v1/years/{year}/holidays", setup=_year,
         json={"name": "Дополнительные каникулы", "start": "2027-02-15", "end": "2027-02-21"}, allow=MANAGERS),
    Case("roster_api.delete_holiday", "DELETE", "/api/v1/holidays/{holiday}", setup=_year, allow=MANAGERS),
    Case("roster_api.list_subjects", "GET", "/api/v1/subjects", allow=EVERYONE),
    Case("roster_api.create_subject", "POST", "/api/v1/subjects", json={"name": "Информатика", "short_name": "Инф."},
         allow=MANAGERS, note="the second allowed login gets 409: the subject exists by then"),
    Case("roster_api.list_teaching", "GET", "/api/v1/teaching", allow=EVERYONE),
    Case("roster_api.create_teaching", "POST", "/api/v1/teaching",
         json=lambda ids: {"teacher_id": ids["user_teacher"], "subject_id": ids["subject_math"],
                           "class_id": ids["class_6b"]}, allow=MANAGERS),
    Case("roster_api.delete_teaching", "DELETE", "/api/v1/teaching/{ta}", setup=_teaching, allow=MANAGERS),
    # --- API: classes
    Case("roster_api.list_classes", "GET", "/api/v1/classes", allow=EVERYONE),
    Case("roster_api.create_class", "POST", "/api/v1/classes", json={"parallel": 7, "letter": "В"}, allow=MANAGERS,
         note="the second allowed login gets 409: the class exists by then"),
    Case("roster_api.get_class", "GET", "/api/v1/classes/{class_5a}", allow=EVERYONE),
    Case("roster_api.patch_class", "PATCH", "/api/v1/classes/{class_5a}", setup=_class_version,
         json=lambda ids: {"version": ids["v"], "room": f"к-{ids['who']}"[:20]}, allow=MANAGERS),
    Case("roster_api.class_students", "GET", "/api/v1/classes/{class_5a}/students", allow=CLASS_READERS),
    Case("roster_api.import_class", "POST", "/api/v1/classes/{class_5a}/import", allow=WRITERS,
         note="without a file: 422 for those allowed (the upload itself: test_import.py)"),
    Case("roster_api.import_school", "POST", "/api/v1/schools/{school}/import", allow=("admin", "deputy"),
         note="without a file: 422 for those allowed (the upload itself: test_import_web.py)"),
    # --- API: students
    Case("roster_api.list_students", "GET", "/api/v1/students",
         allow=tuple(x for x in EVERYONE if x != "support"), note="parents and students get only their own"),
    Case("roster_api.create_student", "POST", "/api/v1/students",
         json=lambda ids: {"class_id": ids["class_5a"], "last_name": "Новикова", "first_name": "Алиса"},
         allow=WRITERS),
    Case("roster_api.get_student", "GET", "/api/v1/students/{student1}", allow=CARD_5A_S1),
    Case("roster_api.patch_student", "PATCH", "/api/v1/students/{other_5a}", setup=_student_version,
         json=lambda ids: {"version": ids["v"], "address": f"г. Тверь, ул. Новая, {ids['who']}"}, allow=WRITERS),
    Case("roster_api.issue_student_account", "POST", "/api/v1/students/{other_5a}/account", allow=WRITERS),
    # --- API: guardians
    Case("roster_api.list_guardians", "GET", "/api/v1/guardians",
         allow=("admin", "director", "deputy", "klass5a", "parent1", "parent2", "student1")),
    Case("roster_api.create_guardian", "POST", "/api/v1/guardians",
         json=lambda ids: {"student_id": ids["other_5a"], "last_name": "Зайцева", "first_name": "Ирина",
                           "relation": "other"}, allow=WRITERS),
    Case("roster_api.get_guardian", "GET", "/api/v1/guardians/{guardian_parent1}",
         allow=("admin", "director", "deputy", "klass5a", "parent1", "student1")),
    Case("roster_api.patch_guardian", "PATCH", "/api/v1/guardians/{guardian_parent1}", setup=_guardian_version,
         json=lambda ids: {"version": ids["v"], "email": f"{ids['who']}@example.ru"}, allow=WRITERS),
    Case("roster_api.issue_guardian_account", "POST", "/api/v1/guardians/{other_guardian}/account",
         setup=_other_guardian, allow=WRITERS),
    Case("roster_api.link_guardian", "POST", "/api/v1/students/{other_5a}/guardians/{guardian_parent1}",
         json={"relation": "other"}, allow=WRITERS),
    Case("roster_api.unlink_guardian", "DELETE", "/api/v1/students/{other_5a}/guardians/{other_guardian}",
         setup=_other_guardian, allow=WRITERS),
    # --- API: groups
    Case("roster_api.list_groups", "GET", "/api/v1/groups", allow=CLASS_READERS),
    Case("roster_api.create_group", "POST", "/api/v1/groups",
         json=lambda ids: {"name": "5А проект", "kind": "split", "class_id": ids["class_5a"],
                           "student_ids": [ids["student1"]]}, allow=WRITERS),
    Case("roster_api.get_group", "GET", "/api/v1/groups/{group_5a_english1}", allow=CLASS_READERS),
    Case("roster_api.patch_group", "PATCH", "/api/v1/groups/{group_5a_english1}", setup=_group_version,
         json=lambda ids: {"version": ids["v"], "name": "5А английский, группа 1"}, allow=WRITERS,
         note="the name stays: demo_ids() finds the group by it"),
    Case("roster_api.put_members", "PUT", "/api/v1/groups/{group_5a_english1}/members", setup=_group_version,
         json=lambda ids: {"version": ids["v"], "student_ids": ids["members"]}, allow=WRITERS),
    # --- pages
    Case("roster.classes", "GET", "/roster/classes", allow=CLASS_READERS),
    Case("roster.class_list", "GET", "/roster/classes/{class_5a}", allow=CLASS_READERS),
    Case("roster.card", "GET", "/roster/students/{student1}", allow=CARD_5A_S1),
    Case("roster.add_student", "GET", "/roster/classes/{class_5a}/students/new", allow=WRITERS),
    Case("roster.add_student", "POST", "/roster/classes/{class_5a}/students/new",
         data={"last_name": "Смирнова", "first_name": "Ева"}, allow=WRITERS),
    Case("roster.edit_student", "GET", "/roster/students/{other_5a}/edit", allow=WRITERS),
    Case("roster.edit_student", "POST", "/roster/students/{other_5a}/edit", setup=_student_version,
         data={"version": "{v}", "last_name": "Павлов", "first_name": "Иван", "address": "ул. Новая, {who}"},
         allow=WRITERS),
    Case("roster.student_guardians", "GET", "/roster/students/{student1}/guardians", allow=WRITERS),
    Case("roster.student_guardians", "POST", "/roster/students/{other_5a}/guardians",
         data={"action": "create", "last_name": "Кузнецова", "first_name": "Анна", "relation": "other"},
         allow=WRITERS),
    Case("roster.edit_guardian", "GET", "/roster/guardians/{guardian_parent1}/edit", allow=WRITERS),
    Case("roster.edit_guardian", "POST", "/roster/guardians/{guardian_parent1}/edit", setup=_guardian_version,
         data={"version": "{v}", "phone": "+7 900 000-00-00"}, allow=WRITERS),
    Case("roster.class_groups", "GET", "/roster/classes/{class_5a}/groups", allow=CLASS_READERS),
    Case("roster.class_groups", "POST", "/roster/classes/{class_5a}/groups",
         data={"name": "5А, кружок", "student_ids": "{student1}"}, allow=WRITERS),
    Case("roster.group", "GET", "/roster/groups/{group_5a_english1}", allow=CLASS_READERS),
    Case("roster.group", "POST", "/roster/groups/{group_5a_english1}", setup=_group_version,
         data={"version": "{v}", "name": "5А английский, группа 1", "student_ids": "{student1}"}, allow=WRITERS),
    Case("roster.import_page", "GET", "/roster/classes/{class_5a}/import", allow=WRITERS),
    Case("roster.import_page", "POST", "/roster/classes/{class_5a}/import", data={}, allow=WRITERS,
         note="without a file: 422 for those allowed"),
    Case("roster.import_page", "GET", "/roster/import", allow=("admin", "deputy"), note="the whole school"),
    Case("roster.export", "GET", "/roster/classes/{class_5a}/export.csv", allow=WRITERS),
    Case("roster.export", "GET", "/roster/export.xlsx", allow=("admin", "deputy")),
    Case("roster.accounts", "GET", "/roster/classes/{class_5a}/accounts", allow=WRITERS),
    Case("roster.accounts", "POST", "/roster/classes/{class_5a}/accounts", data={"person": "s:{other_5a}"},
         allow=WRITERS),
    Case("roster.school", "GET", "/roster/school", allow=MANAGERS),
    Case("roster.setup_page", "GET", "/roster/setup", allow=MANAGERS),
    Case("roster.create_school", "POST", "/roster/setup/school",
         data={"name": "Вторая школа", "short_name": "Школа № 2", "address": "", "timezone": "Europe/Moscow"},
         allow=("admin",)),
    Case("roster.save_profile", "POST", "/roster/setup/profile",
         data={"name": DEMO_SCHOOL, "short_name": "МБОУ СОШ № 17", "address": "г. Тверь, ул. Школьная, 1",
               "timezone": "Europe/Moscow"}, allow=MANAGERS),
    Case("roster.add_classes", "POST", "/roster/setup/classes", data={"names": "8Д, 9Д"}, allow=MANAGERS,
         note="the second allowed login gets 422: the classes exist by then"),
    Case("roster.add_staff", "POST", "/roster/setup/staff",
         data={"login": "newteacher", "display_name": "Новикова Ольга Игоревна", "role": "teacher"}, allow=("admin",)),
    Case("roster.create_year", "POST", "/roster/school/years", data=NEXT_YEAR_FORM, allow=MANAGERS,
         note="the second allowed login gets 422: the year exists by then"),
    Case("roster.add_holiday", "POST", "/roster/school/years/{year}/holidays", setup=_year,
         data={"name": "Карантин", "start": "2027-02-01", "end": "2027-02-07"}, allow=MANAGERS),
    Case("roster.delete_holiday", "POST", "/roster/school/holidays/{holiday}/delete", setup=_year, allow=MANAGERS),
    Case("roster.add_subject", "POST", "/roster/school/subjects", data={"name": "Черчение"}, allow=MANAGERS,
         note="the second allowed login gets 422: the subject exists by then"),
    Case("roster.add_class", "POST", "/roster/school/years/{year}/classes", setup=_year,
         data={"parallel": "7", "letter": "Г"}, allow=MANAGERS),
    Case("roster.set_class_teacher", "POST", "/roster/school/classes/{class_6b}/teacher",
         data={"teacher_id": "{user_klass5a}"}, allow=MANAGERS),
    Case("roster.add_teaching", "POST", "/roster/school/teaching",
         data={"teacher_id": "{user_teacher}", "subject_id": "{subject_math}", "target": "c:{class_6b}"},
         allow=MANAGERS),
    Case("roster.delete_teaching", "POST", "/roster/school/teaching/{ta}/delete", setup=_teaching, allow=MANAGERS),
    Case("roster_api.guardian_deliveries", "GET", "/api/v1/guardians/{guardian_parent1}/deliveries", allow=WRITERS,
         note="a guardian's notification log: the class teacher and the administration"),
    Case("roster.guardian_deliveries_page", "GET", "/roster/guardians/{guardian_parent1}/deliveries", allow=WRITERS),
]
