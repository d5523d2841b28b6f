"""Access cases of the journal's pages and API (see tests/access.py)."""
from tests.access import STANDARD_LOGINS, Case
from tests.conftest import TODAY
from tests.plugins.journal.helpers import fresh_mark, journal_ids

#: who reads the 5А maths journal: the administration, its teacher and 5А's class teacher
READ_5A_MATH = ("director", "deputy", "teacher", "klass5a")
#: every teacher of the school sees the timetable and control works
STAFF = ("director", "deputy", "teacher", "klass5a", "fizruk")
ADMINISTRATION = ("director", "deputy")


def _ids(app, login):
    return journal_ids(app)


def _mark(app, login):
    ids = journal_ids(app)
    ids.update(fresh_mark(app))
    return ids


def _entry(app, login):
    from zhurnal.core.identity.models import User
    from zhurnal.plugins.journal import service
    from zhurnal.plugins.roster.models import AcademicYear, SchoolClass, Subject
    ids = journal_ids(app)
    with app.app_context():
        cls = SchoolClass.get_by_id(ids["class_5a"])
        e = service.add_timetable_entry(AcademicYear.get_by_id(cls.year_id), weekday=6, number=1,
                                        subject=Subject.get_by_id(ids["subject_math"]), school_class=cls,
                                        teacher=User.get_by_id(ids["user_teacher"]))
        ch = service.set_timetable_change(e, TODAY.replace(day=28), "room", room="40")
    ids.update(entry_new=e.id, change_new=ch.id)
    return ids


CASES = [
    # pages
    Case("journal.index", "GET", "/journal/", allow=STAFF),
    Case("journal.asset", "GET", "/journal/static/journal.js", allow=STANDARD_LOGINS,
         note="scripts need a login, nothing more"),
    Case("journal.class_grid", "GET", "/journal/class/{class_5a}?subject_id={subject_math}", allow=READ_5A_MATH),
    Case("journal.group_grid", "GET", "/journal/group/{group_5a_english1}", allow=ADMINISTRATION + ("klass5a",)),
    Case("journal.lesson_page", "GET", "/journal/lessons/{lesson_math_5a}", allow=READ_5A_MATH, setup=_ids),
    Case("journal.lesson_page", "POST", "/journal/lessons/{lesson_math_5a}", allow=("teacher",), setup=_ids,
         data={"version": "{lesson_math_5a_version}", "topic": "Умножение натуральных чисел", "homework": "№ 1"}),
    Case("journal.today", "GET", "/journal/today", allow=("teacher", "klass5a", "fizruk")),
    Case("journal.summary", "GET", "/journal/summary/{class_5a}", allow=ADMINISTRATION + ("klass5a",)),
    Case("journal.history", "GET", "/journal/history?lesson_id={lesson_math_5a}&student_id={other_5a}",
         allow=READ_5A_MATH, setup=_ids),
    Case("journal.periods", "GET", "/journal/periods", allow=ADMINISTRATION),
    Case("journal.periods", "POST", "/journal/periods", allow=ADMINISTRATION, setup=_ids,
         data={"period_id": "{period_q2}", "action": "reopen"}),
    Case("journal.timetable", "GET", "/journal/timetable/{class_5a}", allow=STAFF),
    Case("journal.control_works", "GET", "/journal/control-works/{class_5a}", allow=STAFF),
    # lessons
    Case("journal_api.list_lessons", "GET", "/api/v1/lessons?class_id={class_5a}&subject_id={subject_math}",
         allow=READ_5A_MATH),
    Case("journal_api.create_lesson", "POST", "/api/v1/lessons", allow=("teacher",),
         json=lambda ids: {"date": TODAY.isoformat(), "class_id": ids["class_5a"], "subject_id": ids["subject_math"],
                           "number": 8, "topic": "Дополнительное занятие"}),
    Case("journal_api.get_lesson", "GET", "/api/v1/lessons/{lesson_math_5a}", allow=READ_5A_MATH, setup=_ids),
    Case("journal_api.attendance_taken", "POST", "/api/v1/lessons/{lesson_math_5a}/attendance-taken", allow=("teacher",),
         setup=_ids),
    Case("journal_api.update_lesson", "PATCH", "/api/v1/lessons/{lesson_math_5a}", allow=("teacher",), setup=_ids,
         json=lambda ids: {"version": ids["lesson_math_5a_version"], "homework": "№ 512, 513"}),
    # marks and attendance
    Case("journal_api.create_mark", "POST", "/api/v1/marks", allow=("teacher",), setup=_ids,
         json=lambda ids: {"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a"], "value": "5"}),
    Case("journal_api.get_mark", "GET", "/api/v1/marks/{mark_math_5a}", allow=READ_5A_MATH, setup=_ids),
    Case("journal_api.update_mark", "PATCH", "/api/v1/marks/{mark_id}", allow=("teacher",), setup=_mark,
         json=lambda ids: {"value": "5", "version": ids["mark_version"]}),
    Case("journal_api.delete_mark", "DELETE", "/api/v1/marks/{mark_id}", allow=("teacher",), setup=_mark),
    Case("journal_api.mark_history", "GET", "/api/v1/marks/{mark_math_5a}/history", allow=READ_5A_MATH, setup=_ids),
    Case("journal_api.cell_history", "GET", "/api/v1/lessons/{lesson_math_5a}/students/{other_5a}/history",
         allow=READ_5A_MATH, setup=_ids),
    Case("journal_api.set_attendance", "PUT", "/api/v1/attendance", allow=("teacher",), setup=_ids,
         json=lambda ids: {"student_id": ids["other_5a"], "lesson_id": ids["lesson_math_5a"], "status": "late"}),
    # grids and term marks
    Case("journal_api.class_journal", "GET", "/api/v1/classes/{class_5a}/journal?subject_id={subject_math}",
         allow=READ_5A_MATH),
    Case("journal_api.group_journal", "GET", "/api/v1/groups/{group_5a_english1}/journal",
         allow=ADMINISTRATION + ("klass5a",)),
    Case("journal_api.list_term_marks", "GET", "/api/v1/term-marks?class_id={class_5a}&subject_id={subject_math}"
         "&period_id={period_q2}", allow=READ_5A_MATH, setup=_ids),
    Case("journal_api.set_term_mark", "PUT", "/api/v1/term-marks", allow=("teacher",), setup=_ids,
         json=lambda ids: {"student_id": ids["other_5a"], "subject_id": ids["subject_math"],
                           "period_id": ids["period_q2"], "value": "4"}),
    # remarks
    Case("journal_api.create_remark", "POST", "/api/v1/remarks", allow=("teacher", "klass5a", "fizruk"),
         json=lambda ids: {"student_id": ids["other_5a"], "text": "Забыл тетрадь.", "kind": "remark"}),
    Case("journal_api.list_remarks", "GET", "/api/v1/remarks?class_id={class_5a}", allow=STAFF),
    # timetable
    Case("journal_api.class_timetable", "GET", "/api/v1/classes/{class_5a}/timetable", allow=STAFF),
    Case("journal_api.create_timetable_entry", "POST", "/api/v1/timetable", allow=ADMINISTRATION,
         json=lambda ids: {"weekday": 6, "number": 2, "subject_id": ids["subject_math"], "class_id": ids["class_5a"],
                           "teacher_id": ids["user_teacher"], "room": "31"}),
    Case("journal_api.delete_timetable_entry", "DELETE", "/api/v1/timetable/{entry_new}", allow=ADMINISTRATION,
         setup=_entry),
    Case("journal_api.set_timetable_change", "PUT", "/api/v1/timetable/{entry_new}/changes", allow=ADMINISTRATION,
         setup=_entry, json=lambda ids: {"date": TODAY.replace(day=28).isoformat(), "kind": "cancelled"}),
    Case("journal_api.delete_timetable_change", "DELETE", "/api/v1/timetable/changes/{change_new}",
         allow=ADMINISTRATION, setup=_entry),
    Case("journal_api.set_bells", "PUT", "/api/v1/bells", allow=ADMINISTRATION,
         json={"bells": [{"number": 1, "start": "08:30", "end": "09:15"}, {"number": 2, "start": "09:25", "end": "10:10"}]}),
    Case("journal_api.generate_lessons", "POST", "/api/v1/periods/{period_q2}/generate-lessons", allow=ADMINISTRATION,
         setup=_ids, json={"class_id": None}),
    Case("journal_api.class_control_works", "GET", "/api/v1/classes/{class_5a}/control-works", allow=STAFF),
    Case("journal_api.student_control_works", "GET", "/api/v1/students/{other_5a}/control-works", allow=STAFF),
    # settings and excused absences
    Case("journal_api.list_scales", "GET", "/api/v1/scales", allow=STAFF),
    Case("journal_api.set_subject_scale", "PUT", "/api/v1/subjects/{subject_math}/scale", allow=ADMINISTRATION,
         json={"scale": None}),
    Case("journal_api.set_scale", "PUT", "/api/v1/scales/letters", allow=ADMINISTRATION,
         json={"name": "Буквенная", "values": ["A", "B", "C"], "numeric": {"A": 5, "B": 4, "C": 3}}),
    Case("journal_api.set_work_kind", "PUT", "/api/v1/work-kinds/project", allow=ADMINISTRATION,
         json={"name": "Проект", "weight": 2}),
    Case("journal_api.excuse_absences", "POST", "/api/v1/attendance/excuse", allow=("deputy", "klass5a"),
         json=lambda ids: {"student_id": ids["other_5a"], "from": "2026-11-05", "to": "2026-11-26",
                           "reason": "Заявление родителей"}),
    # periods
    Case("journal_api.list_periods", "GET", "/api/v1/periods", allow=STAFF),
    Case("journal_api.close_period", "POST", "/api/v1/periods/{period_q2}/close", allow=ADMINISTRATION, setup=_ids),
    Case("journal_api.reopen_period", "POST", "/api/v1/periods/{period_q2}/reopen", allow=ADMINISTRATION, setup=_ids),
]
