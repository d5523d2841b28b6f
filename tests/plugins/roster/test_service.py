"""Roster service details: the schema upgrade, class names, dates in files, today's school year."""
from __future__ import annotations

import datetime as dt

import pytest

from zhurnal.plugins.roster.service import parse_class_name
from zhurnal.core.tabular import parse_date


def test_schema_1_database_is_upgraded_keeping_its_rows(make_app):
    from zhurnal.core import db, migrations
    from zhurnal.core.cli import migrate_all
    from zhurnal.core.identity.models import School
    from zhurnal.plugins import roster as roster_plugin
    from zhurnal.plugins.roster import service
    from zhurnal.plugins.roster.models import SchoolClass, StudyGroup
    app = make_app(plugins=["roster"])
    with app.app_context():
        school = School.create(name="Школа", short_name="Школа")
        year = service.create_year(school, "2026/2027", dt.date(2026, 9, 1), dt.date(2027, 5, 31), "quarters", [])
        cls = service.create_class(school, year, 5, "А")
        service.create_group(school, year, "5А группа", "split", school_class=cls)
        service.create_student(school, cls, {"last_name": "Иванов", "first_name": "Иван"})
        # what a database made by schema 1 looks like: no version columns, no СНИЛС
        for table in ("roster_class", "roster_group"):
            db.database.execute_sql(f'ALTER TABLE "{table}" DROP COLUMN "version"')
        db.database.execute_sql('ALTER TABLE "roster_student" DROP COLUMN "snils"')
        migrations.SchemaVersion.update(version=1).where(migrations.SchemaVersion.plugin == "roster").execute()
        migrate_all(app, echo=lambda *a: None)
        assert migrations.current_versions()["roster"] == roster_plugin.schema_version
        assert SchoolClass.get_by_id(cls.id).version == 1 and StudyGroup.select().get().version == 1
        from zhurnal.plugins.roster.models import Student
        assert Student.select().get().school_class_id == cls.id  # nothing cascaded
        assert Student.select().get().snils == ""
        migrate_all(app, echo=lambda *a: None)  # idempotent
        assert migrations.current_versions()["roster"] == roster_plugin.schema_version


@pytest.mark.parametrize("text,expected", [
    ("5А", (5, "А")), ("5 а", (5, "А")), ("5-A", (5, "А")), ("11Б класс", (11, "Б")), ("10 e", (10, "Е")),
    ("7 «А»", (7, "А")), ("7-а", (7, "А")), ("7 а", (7, "А")), ("7а", (7, "А")), ("11 «А»", (11, "А")),
    ("5", None), ("12А", None), ("А5", None), ("", None), ("0В", None),
])
def test_class_names_as_people_write_them(text, expected):
    assert parse_class_name(text) == expected


@pytest.mark.parametrize("value,expected", [
    ("05.03.2015", dt.date(2015, 3, 5)), ("5.3.2015", dt.date(2015, 3, 5)), ("2015-03-05", dt.date(2015, 3, 5)),
    ("05/03/2015", dt.date(2015, 3, 5)), ("05.03.15", dt.date(2015, 3, 5)), ("05.03.2015 г.", dt.date(2015, 3, 5)),
    (dt.datetime(2015, 3, 5), dt.date(2015, 3, 5)), (42068, dt.date(2015, 3, 5)), (42068.0, dt.date(2015, 3, 5)),
])
def test_dates_in_files(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["31.02.2015", "2015", "вчера", "05.2015"])
def test_not_dates(value):
    with pytest.raises(ValueError):
        parse_date(value)


def test_current_year_follows_the_pinned_today(demo_app):
    from zhurnal.core.identity.models import School
    from zhurnal.plugins import roster as roster_plugin
    from zhurnal.plugins.roster import service
    with demo_app.app_context():
        school = School.select().get()
        assert service.current_year(school).name == "2026/2027"
        assert service.period_for(school, dt.date(2026, 11, 26)).name == "2 четверть"
        assert service.class_by_name(school, "6b").name == "6Б"
        assert service.class_by_name(school, "5A").name == "5А"
        assert service.class_by_name(school, "7А") is None


def test_formulas_are_defused_in_exports_and_read_back(tmp_path):
    from zhurnal.core.tabular import Column, read_table, write_table
    cols = [Column("a", "Адрес"), Column("p", "Телефон")]
    rows = [['=HYPERLINK("http://evil","x")', "+7 910 111-22-33"], ["@SUM(A1)", "8 (910) 444-55-66"]]
    for fmt in ("csv", "xlsx"):
        path = tmp_path / f"t.{fmt}"
        write_table(str(path), fmt, ["Адрес", "Телефон"], rows)
        if fmt == "csv":
            text = path.read_bytes().decode("utf-8-sig")
            assert "'=HYPERLINK" in text and ";+7 910 111-22-33" in text
        else:
            from openpyxl import load_workbook
            assert all(c.data_type == "s" for c in load_workbook(path).active["A"])
        table = read_table(str(path), path.name, cols, lambda keys: "a" in keys)
        assert [[r["a"], r["p"]] for _n, r in table.rows] == rows


def test_personal_data_of_a_parent(demo_app, ids):
    import json
    from zhurnal.core.identity.models import User
    from zhurnal.plugins.roster.service import personal_data
    with demo_app.app_context():
        uid = User.get(User.login == "parent1").id
        data = personal_data(uid, {"kind": "guardian", "id": ids["guardian_parent1"]})
        json.dumps(data)
        [gd] = data["guardians"]
        assert {k["id"] for k in gd["children"]} == {ids["student1"], ids["sibling"]}
        own = personal_data(User.get(User.login == "student1").id, {"kind": "student", "id": ids["student1"]})
        assert [s["id"] for s in own["students"]] == [ids["student1"]] and own["students"][0]["guardians"]


def test_the_classes_of_a_group_are_answered_alike_one_by_one_for_many_and_as_a_condition(demo_app):
    """A split group belongs to its class, a stream to its members' classes: ``group_class_ids``,
    ``groups_class_ids`` and ``group_in_classes`` agree on every group of the demo school."""
    from zhurnal.plugins.roster import service
    from zhurnal.plugins.roster.models import SchoolClass, StudyGroup
    with demo_app.app_context():
        groups = list(StudyGroup.select())
        kinds = {grp.kind for grp in groups}
        assert {"split", "stream"} <= kinds
        many = service.groups_class_ids(grp.id for grp in groups)
        assert many == {grp.id: service.group_class_ids(grp) for grp in groups}
        stream = next(grp for grp in groups if grp.kind == "stream")
        assert len(many[stream.id]) == 2  # 6А and 6Б
        for cls in SchoolClass.select():
            listed = {gid for (gid,) in StudyGroup.select(StudyGroup.id)
                      .where(service.group_in_classes([cls.id])).tuples()}
            assert listed == {gid for gid, classes in many.items() if cls.id in classes}
        assert service.groups_class_ids([]) == {}
        assert all(service.class_ids_of(grp.school_class_id, grp.id) == many[grp.id] for grp in groups)
        assert service.class_ids_of(None, None) == set()


def test_rows_given_to_a_class_are_its_own_and_its_pupils_streams(demo_app):
    """``given_to_class`` (a condition on anything given to a class or a group, here teaching
    assignments) takes a class's own rows and its pupils' streams' rows, as ``class_ids_of`` says;
    it holds with a prepared statement's slot too."""
    from zhurnal.core.prepared import Prepared, slot
    from zhurnal.plugins.roster import service
    from zhurnal.plugins.roster.models import SchoolClass, TeachingAssignment as TA
    prepared = Prepared(lambda: TA.select(TA.id).where(service.given_to_class(TA, slot("cls"))))
    with demo_app.app_context():
        rows = list(TA.select())
        assert any(ta.school_class_id is None and ta.group_id for ta in rows)
        for cls in SchoolClass.select():
            want = {ta.id for ta in rows if cls.id in service.class_ids_of(ta.school_class_id, ta.group_id)}
            got = {i for (i,) in TA.select(TA.id).where(service.given_to_class(TA, cls.id)).tuples()}
            assert got == want and {i for (i,) in prepared.rows(cls=cls.id)} == want


def test_who_teaches_whom_is_one_rule_read_both_ways(demo_app):
    """``taught_by(teacher)`` holds for exactly the students whose ``teachers_of_student`` has the
    teacher: whole-class teaching, splits, the stream and the individual plan alike."""
    from zhurnal.plugins.roster import service
    from zhurnal.plugins.roster.models import Student, TeachingAssignment as TA
    with demo_app.app_context():
        students = list(Student.select())
        teachers = {t for (t,) in TA.select(TA.teacher).distinct().tuples()}
        by_student = {st.id: service.teachers_of_student(st) for st in students}
        for tid in teachers:
            taught = {i for (i,) in Student.select(Student.id).where(service.taught_by(tid)).tuples()}
            assert taught == {sid for sid, ts in by_student.items() if tid in ts}, tid


def test_group_membership_is_answered_alike_for_splits_streams_empty_groups_and_classless_pupils(demo_app):
    """``members_in_class``, ``groups_of_student`` and ``classes_of_members`` agree with the groups'
    member lists on every group of the demo school (splits, the stream, individual plans), an empty
    split group adds no class, and a pupil with no class is found through their groups only."""
    from zhurnal.plugins.roster import service
    from zhurnal.plugins.roster.models import GroupMember, SchoolClass, Student, StudyGroup
    with demo_app.app_context():
        groups = list(StudyGroup.select())
        members = {grp.id: {s.id for s in service.group_students(grp.id)} for grp in groups}
        class_of = dict(Student.select(Student.id, Student.school_class).tuples())
        classes = [c.id for c in SchoolClass.select()]
        stream = next(grp for grp in groups if grp.kind == "stream")
        split = next(grp for grp in groups if grp.kind == "split")
        for chosen in ([stream.id], [split.id], [stream.id, split.id], [grp.id for grp in groups]):
            everyone = set().union(*(members[g] for g in chosen))
            for cid in classes:
                assert service.members_in_class(chosen, cid) == {s for s in everyone if class_of[s] == cid}
            assert service.classes_of_members(chosen) == {class_of[s] for s in everyone if class_of[s]}
            for sid in everyone | {next(iter(class_of))}:
                assert service.groups_of_student(sid, chosen) == {g for g in chosen if sid in members[g]}
        assert len(service.classes_of_members([stream.id])) == 2           # 6А and 6Б
        assert service.classes_of_members([stream.id]) == service.member_class_ids(stream.id)
        # nothing asked, nothing queried
        assert service.members_in_class([], classes[0]) == set() == service.groups_of_student(1, [])
        assert service.classes_of_members([]) == set()
        # an empty split group: its class is not among its members' classes
        empty = service.create_group(split.school_id, split.year_id, "Пустая группа", "split",
                                     subject=split.subject_id, school_class=split.school_class_id)
        assert service.classes_of_members([empty.id]) == set() and service.members_in_class([empty.id], split.school_class_id) == set()
        # a pupil with no class, in the stream: found through the group, in no class's list
        pupil = service.create_student(stream.school_id, None, {"last_name": "Новиков", "first_name": "Пётр"})
        GroupMember.create(group=stream.id, student=pupil.id)
        assert service.groups_of_student(pupil.id, [stream.id, split.id]) == {stream.id}
        assert all(pupil.id not in service.members_in_class([stream.id], cid) for cid in classes)
        assert service.classes_of_members([stream.id]) == service.member_class_ids(stream.id)


def test_the_class_foreign_key_is_school_class_id_in_the_column_class_id(demo_app):
    """``school_class`` keeps its column ``class_id``; its id is read and set as ``school_class_id``."""
    from zhurnal.plugins.analytics.models import SentReport
    from zhurnal.plugins.journal.models import Lesson, TimetableEntry
    from zhurnal.plugins.paper_export.models import Archive, Batch, Handover, Schedule, SlipIssue
    from zhurnal.plugins.roster.models import Student, StudyGroup, TeachingAssignment
    for model in (Student, StudyGroup, TeachingAssignment, Lesson, TimetableEntry, SentReport, Batch, Handover,
                  Schedule, SlipIssue, Archive):
        field = model._meta.fields["school_class"]
        assert (field.column_name, field.object_id_name) == ("class_id", "school_class_id"), model
    with demo_app.app_context():
        st = Student.select().where(Student.school_class.is_null(False)).first()
        assert st.school_class_id == st.school_class.id
        assert Student(school_class_id=st.school_class_id).school_class_id == st.school_class_id
