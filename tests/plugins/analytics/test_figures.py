"""The figures of the hand-built class (see conftest), checked against answers worked out by hand."""
from __future__ import annotations

from tests.conftest import login

Q2 = "from=2026-11-05&to=2026-12-28"


def by_name(items, key="name"):
    return {x[key]: x for x in items}


def test_class_figures_by_hand(small):
    app, ids = small
    r = login(app, "deputy").get(f"/api/v1/classes/{ids['class']}/report?{Q2}")
    assert r.status_code == 200, r.json
    rep = r.json
    assert rep["previous"] == {"from": "2026-09-01", "to": "2026-10-24"}
    subj = by_name(rep["subjects"])
    # maths, weighted (answer 1, control 2): Алексеев (5+5·2)/3 = 5, Борисова (2+5·2)/3 = 4, Волков (2+2·2)/3 = 2
    math = subj["Математика"]
    assert math["average"] == round((5 + 4 + 2) / 3, 2) == 3.67
    assert math["quality"] == 66.7 and math["success"] == 66.7          # 2 of 3 have «4», 2 of 3 not «2»
    assert math["previous"]["average"] == round((5 + 5 + 3) / 3, 2)     # first quarter: 5, 5, 3
    assert math["distribution"] == {"5": 3, "2": 3}
    assert math["lessons"] == 3 and math["marks"] == 6
    rus = subj["Русский язык"]
    assert rus["average"] == round((4 + 3 + 4) / 3, 2) and rus["quality"] == 66.7 and rus["success"] == 100.0
    ov = rep["overall"]
    # overall per student: mean of subject averages 4.5, 3.5, 3.0; results: (5,4) (4,3) (2,4)
    assert ov["average"] == round((4.5 + 3.5 + 3.0) / 3, 2)
    assert ov["quality"] == 33.3        # only Алексеев has all results 4 and 5
    assert ov["success"] == 66.7        # Волков has a 2 in maths
    assert ov["marks"] == 9 and ov["distribution"] == {"5": 3, "4": 2, "3": 1, "2": 3}
    assert ov["previous"]["average"] == round((5 + 5 + 3) / 3, 2)

    st = by_name(rep["students"])
    a, b, c = st["Алексеев Иван"], st["Борисова Анна"], st["Волков Пётр"]
    assert (a["average"], b["average"], c["average"]) == (4.5, 3.5, 3.0)
    assert a["attendance"] == {"lessons": 5, "missed": 1, "ill": 1, "valid": 0, "absent": 0, "late": 0,
                               "missed_pct": 20.0}
    assert b["attendance"]["late"] == 1 and b["attendance"]["missed"] == 0
    assert c["attendance"] == {"lessons": 5, "missed": 3, "ill": 0, "valid": 1, "absent": 2, "late": 0,
                               "missed_pct": 60.0}
    att = rep["attendance"]
    assert (att["lessons"], att["missed"], att["ill"], att["valid"], att["absent"], att["late"]) == (15, 4, 1, 1, 2, 1)
    assert att["missed_pct"] == round(100 * 4 / 15, 1)
    # min_marks 2: everyone has one Russian mark only
    assert {f["name"]: [s["subject"] for s in f["subjects"]] for f in rep["few_marks"]} == {
        "Алексеев Иван": ["Русский язык"], "Борисова Анна": ["Русский язык"], "Волков Пётр": ["Русский язык"]}

    risk = {x["name"]: x["reasons"] for x in rep["at_risk"]}
    assert set(risk) == {"Борисова Анна", "Волков Пётр"}  # Алексеев fell by 0.5 only (threshold 1.0)
    assert risk["Борисова Анна"] == [{"code": "drop", "before": 5.0, "now": 3.5, "drop": 1.5}]
    assert risk["Волков Пётр"] == [
        {"code": "failing", "subject_id": ids["math"], "subject": "Математика", "average": 2.0},
        {"code": "absences", "count": 2}]


def test_student_report_by_hand(small):
    app, ids = small
    r = login(app, "klass").get(f"/api/v1/students/{ids['c']}/report?{Q2}")
    assert r.status_code == 200, r.json
    rep = r.json
    subj = by_name(rep["subjects"])
    assert subj["Математика"]["average"] == 2.0 and subj["Математика"]["failing"] is True
    assert subj["Математика"]["previous_average"] == 3.0
    assert subj["Русский язык"]["few_marks"] is True and subj["Русский язык"]["marks"] == 1
    assert rep["overall"]["average"] == 3.0 and rep["overall"]["success"] is False
    # trend over the year, by month: October 3 (maths), November 2
    assert rep["months"] == ["2026-10", "2026-11"]
    assert subj["Математика"]["trend"] == [3.0, 2.0] and subj["Русский язык"]["trend"] == [None, 4.0]
    assert [x["code"] for x in rep["at_risk"]] == ["failing", "absences"]
    assert rep["attendance"]["missed_pct"] == 60.0


def test_subject_teacher_sees_only_their_subject(small):
    app, ids = small
    rep = login(app, "teacher").get(f"/api/v1/classes/{ids['class']}/report?{Q2}").json
    assert [s["name"] for s in rep["subjects"]] == ["Математика"]
    assert rep["only_subjects"] == [ids["math"]]
    assert rep["overall"]["marks"] == 6
    # attendance only at maths lessons: Волков absent L1, valid L2
    c = by_name(rep["students"])["Волков Пётр"]["attendance"]
    assert (c["lessons"], c["absent"], c["valid"]) == (3, 1, 1)


def test_school_report_by_hand(small):
    app, ids = small
    client = login(app, "deputy")
    page = client.get(f"/analytics/school?{Q2}")
    assert page.status_code == 200
    # a control work in 5Б with no marks entered yet
    import datetime as dt
    from zhurnal.core.identity.models import User
    from zhurnal.plugins.journal import service as journal
    from zhurnal.plugins.roster.models import SchoolClass, Subject
    with app.app_context():
        journal.create_lesson(ids["school"], date=dt.date(2026, 11, 16), subject=Subject.get_by_id(ids["math"]),
                              teacher=User.get_by_id(ids["teacher"]), is_control=True, control_title="Дроби",
                              school_class=SchoolClass.get_by_id(ids["other_class"]), topic="Дроби")
    r = client.post("/api/v1/reports", json={"school": True, "from": "2026-11-05", "to": "2026-12-28"})
    assert r.status_code == 201, r.json
    school = next(x for x in r.json["reports"] if x["kind"] == "school")["figures"]
    five = school["parallels"][0]
    assert five["parallel"] == 5 and [c["name"] for c in five["classes"]] == ["5А", "5Б"]
    a5 = five["classes"][0]
    assert a5["overall"]["average"] == 3.67 and a5["overall"]["quality"] == 33.3 and a5["overall"]["success"] == 66.7
    assert a5["subjects"][str(ids["math"])] == {"average": 3.67, "students": 3, "quality": 66.7, "success": 66.7}
    assert a5["attendance"]["absent"] == 2 and a5["attendance"]["missed"] == 4
    comp = {t["teacher"]: t for t in school["completeness"]}
    # the quarter's lessons (L1-L3, R1-R2) were made without a topic or homework; each has a mark
    # ... and the 5Б control work has a topic, no homework and no marks
    sok = comp["Соколова Марина Сергеевна"]
    assert (sok["lessons"], sok["without_topic"], sok["without_homework"]) == (4, 3, 4)
    assert (sok["without_marks"], sok["control_without_marks"]) == (1, 1)
    assert comp["Иванова Ольга Николаевна"]["control_without_marks"] == 0
    assert comp["Иванова Ольга Николаевна"]["lessons"] == 2
    # every class teacher got theirs: 5А has one, 5Б none
    classes = [x for x in r.json["reports"] if x["kind"] == "class"]
    assert len(classes) == 2
    got = {x["class_id"]: [d["user_id"] for d in x["recipients"]] for x in classes}
    assert got == {ids["class"]: [ids["klass"]], ids["other_class"]: []}


def test_lessons_held_follow_groups_and_individual_plans(small):
    """A maths split group (Алексеев, Борисова) has one lesson of its own; Волков studies Russian on
    an individual plan with one lesson: his Russian counts that lesson, not the class's two."""
    import datetime as dt
    from zhurnal.plugins.journal import service as journal
    from zhurnal.plugins.roster import service as roster
    from zhurnal.plugins.roster.models import AcademicYear, SchoolClass, Subject
    from zhurnal.core.identity.models import User
    app, ids = small
    with app.app_context():
        cls = SchoolClass.get_by_id(ids["class"])
        year = AcademicYear.get_by_id(cls.year_id)
        math, rus = Subject.get_by_id(ids["math"]), Subject.get_by_id(ids["rus"])
        teacher, klass = User.get_by_id(ids["teacher"]), User.get_by_id(ids["klass"])
        split = roster.create_group(ids["school"], year, "5А математика, группа 1", "split", subject=math,
                                    school_class=cls, student_ids=[ids["a"], ids["b"]])
        own = roster.create_group(ids["school"], year, "Волков: русский язык (ИУП)", "individual", subject=rus,
                                  school_class=cls, student_ids=[ids["c"]])
        journal.create_lesson(ids["school"], date=dt.date(2026, 11, 12), subject=math, teacher=teacher, group=split)
        journal.create_lesson(ids["school"], date=dt.date(2026, 11, 13), subject=rus, teacher=klass, group=own)
    rep = login(app, "deputy").get(f"/api/v1/classes/{ids['class']}/report?{Q2}").json
    lessons = {s["name"]: s["attendance"]["lessons"] for s in rep["students"]}
    assert lessons == {"Алексеев Иван": 3 + 1 + 2, "Борисова Анна": 3 + 1 + 2, "Волков Пётр": 3 + 1}
    st = login(app, "deputy").get(f"/api/v1/students/{ids['c']}/report?{Q2}").json
    assert {s["name"]: s["lessons"] for s in st["subjects"]} == {"Математика": 3, "Русский язык": 1}


def test_a_group_teacher_sees_only_their_group(small):
    """A teacher of a Russian split group (Алексеев, Волков) gets Russian, and only those two."""
    from zhurnal.core import access
    from zhurnal.core.identity.models import User
    from zhurnal.plugins.roster import service as roster
    from zhurnal.plugins.roster.models import AcademicYear, SchoolClass, Subject
    from tests.conftest import DEMO_PASSWORD
    app, ids = small
    with app.app_context():
        cls = SchoolClass.get_by_id(ids["class"])
        rus = Subject.get_by_id(ids["rus"])
        u = User.create(login="group_t", display_name="Орлова Екатерина Андреевна", school=ids["school"],
                        password_hash=app.extensions["zhurnal"].passwords.hash(DEMO_PASSWORD),
                        must_change_password=False)
        access.grant(u, "teacher", school=ids["school"])
        grp = roster.create_group(ids["school"], AcademicYear.get_by_id(cls.year_id), "5А русский, группа 1", "split",
                                  subject=rus, school_class=cls, student_ids=[ids["a"], ids["c"]])
        roster.assign_teaching(u, rus, group=grp)
    rep = login(app, "group_t").get(f"/api/v1/classes/{ids['class']}/report?{Q2}").json
    assert [s["name"] for s in rep["subjects"]] == ["Русский язык"]
    assert [s["name"] for s in rep["students"]] == ["Алексеев Иван", "Волков Пётр"]
    assert by_name(rep["subjects"])["Русский язык"]["average"] == 4.0  # 4 and 4
    assert login(app, "group_t").get(f"/api/v1/students/{ids['b']}/report").status_code == 403
    st = login(app, "group_t").get(f"/api/v1/students/{ids['a']}/report?{Q2}").json
    assert [s["name"] for s in st["subjects"]] == ["Русский язык"]
