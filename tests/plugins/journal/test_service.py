"""The read functions other plugins (diary, analytics) call, and the demo's journal."""
from __future__ import annotations

import datetime as dt

from zhurnal.plugins.journal import service
from zhurnal.plugins.journal.models import Attendance, Lesson, Mark, Remark, TermMark
from zhurnal.plugins.roster.models import GroupMember, Holiday, Period, Student, StudyGroup
from tests.conftest import TODAY


def test_student_lessons_of_own_class_and_groups_only(demo_app, ids):
    with demo_app.app_context():
        s = Student.get_by_id(ids["student1"])
        mine = {g for (g,) in GroupMember.select(GroupMember.group).where(GroupMember.student == s.id).tuples()}
        week = service.student_lessons(s, dt.date(2026, 11, 23), dt.date(2026, 11, 27))
        assert week and all(x.group_id is None or x.group_id in mine for x in week)
        assert {x.subject.name for x in week} >= {"Математика", "Русский язык", "Английский язык"}
        assert len([x for x in week if x.subject.name == "Английский язык"]) == 3  # not the other group's too
        assert all(x.school_class_id == s.school_class_id for x in week)


def test_individual_plan_replaces_the_class_lessons_of_that_subject(demo_app):
    with demo_app.app_context():
        grp = StudyGroup.get(StudyGroup.kind == "individual")
        home = Student.get_by_id(GroupMember.get(GroupMember.group == grp.id).student_id)
        classmate = Student.select().where((Student.school_class == home.school_class_id) &
                                           (Student.id != home.id)).first()
        a, b = dt.date(2026, 11, 16), dt.date(2026, 11, 27)
        maths = [x for x in service.student_lessons(home, a, b) if x.subject_id == grp.subject_id]
        assert maths and all(x.group_id == grp.id for x in maths)
        theirs = [x for x in service.student_lessons(classmate, a, b) if x.subject_id == grp.subject_id]
        assert theirs and all(x.group_id is None for x in theirs)
        slots = service.timetable_for_student(home)
        assert all(e.group_id == grp.id for e in slots if e.subject_id == grp.subject_id)


def test_lessons_marks_attendance_remarks_reads(demo_app, ids):
    with demo_app.app_context():
        ls = service.lessons_for(ids["class_5a"], subject_id=ids["subject_math"], date_from=dt.date(2026, 11, 23),
                                 date_to=dt.date(2026, 11, 27))
        assert [x.date.isoweekday() for x in ls] == sorted(x.date.isoweekday() for x in ls) and len(ls) == 5
        assert ls[0].subject.name == "Математика" and ls[0].teacher.login == "teacher"
        whole = service.lessons_for(ids["class_5a"], date_from=TODAY, date_to=TODAY, whole_class_only=True)
        assert whole and all(x.group_id is None for x in whole)
        marks = service.marks_for([ids["student1"]], date_from=dt.date(2026, 9, 1), date_to=TODAY)
        assert marks and marks[0].kind.code and marks[0].lesson.date <= TODAY
        assert service.marks_for([ids["student1"]], [marks[0].lesson_id])[0].id == marks[0].id
        att = service.attendance_for([ids["student1"]], date_from=dt.date(2026, 11, 1), date_to=TODAY)
        assert att and {a.status for a in att} <= {"ill", "absent", "valid", "late"}
        assert any(a.status == "ill" for a in att)  # the demo's illness of student1
        assert len(service.remarks_for([ids["student1"]])) >= 1
        avgs = service.averages([ids["student1"], ids["other_5a"]], ids["subject_math"], ids["period_q1"])
        assert set(avgs) == {ids["student1"], ids["other_5a"]} and all(2 <= v <= 5 for v in avgs.values() if v)
        assert service.averages([ids["student1"]], ids["subject_math"], (dt.date(2027, 6, 1), None)) == {
            ids["student1"]: None}
        cw_class = service.control_works(class_id=ids["class_5a"], date_from=TODAY)
        cw_student = service.control_works(student=ids["student1"], date_from=TODAY)
        assert cw_class and {x.id for x in cw_student} <= {x.id for x in cw_class}
        assert any(x.date > service_week_end() for x in cw_class)  # planned ahead
        assert service.timetable_for_class(ids["class_5a"])[0].weekday == 1
        assert service.term_marks_for([ids["student1"]], subject_id=ids["subject_math"])[0].value
        assert service.personal_data(ids["student1"])["marks"]


def service_week_end():
    return TODAY + dt.timedelta(days=6 - TODAY.weekday())


def test_demo_journal(demo_app, ids):
    with demo_app.app_context():
        holidays = set()
        for h in Holiday.select():
            d = h.start
            while d <= h.end:
                holidays.add(d)
                d += dt.timedelta(days=1)
        dates = {d for (d,) in Lesson.select(Lesson.date).distinct().tuples()}
        assert not dates & holidays
        assert min(dates) == dt.date(2026, 9, 1) and max(d for d in dates if d <= service_week_end()) == dt.date(2026, 11, 27)
        assert Lesson.select().where((Lesson.date > TODAY) & (Lesson.date <= service_week_end()) &
                                     (Lesson.homework != "")).count() > 10
        assert not Mark.select().join(Lesson).where(Lesson.date > TODAY).exists()
        values = [v for (v,) in Mark.select(Mark.value).tuples()]
        share = {v: values.count(v) / len(values) for v in ("2", "3", "4", "5")}
        assert 0.01 < share["2"] < 0.15 and share["4"] > 0.25 and share["5"] > 0.15
        assert Attendance.select().where(Attendance.status == "ill").count() > 10
        q1 = Period.get(Period.number == 1)
        assert q1.closed_at is not None and TermMark.select().where(TermMark.period == q1.id).count() > 500
        assert Remark.select().count() >= 5
        assert Lesson.select().where(Lesson.cancelled == True).exists()  # noqa: E712
        topics = [t for (t,) in Lesson.select(Lesson.topic).where(
            (Lesson.date <= TODAY) & (Lesson.cancelled == False)).tuples()]  # noqa: E712
        assert "Натуральные числа и шкалы" in topics and all(topics)


def test_demo_quarter_for_5a_and_6b(demo_app, ids):
    """Both demo classes the issue names get the whole picture: timetable, topics, homework, marks,
    absences and control works in the current quarter."""
    with demo_app.app_context():
        q2 = Period.get_by_id(ids["period_q2"])
        for cid in (ids["class_5a"], ids["class_6b"]):
            held = [x for x in service.lessons_for(cid, date_from=q2.start, date_to=TODAY) if not x.cancelled]
            assert len(held) > 60 and all(x.topic for x in held), cid
            assert sum(1 for x in held if x.homework) > len(held) / 3
            assert len(service.timetable_for_class(cid)) >= 25
            students = [s.id for s in Student.select(Student.id).where(Student.school_class == cid)]
            assert len(service.marks_for(students, date_from=q2.start, date_to=TODAY)) > 300
            assert service.attendance_for(students, date_from=q2.start, date_to=TODAY)
            works = service.control_works(class_id=cid, date_from=q2.start, date_to=q2.end)
            assert len(works) >= 3 and any(x.date > TODAY for x in works)
