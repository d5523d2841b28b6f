"""The lesson page's class list: the teacher gets tap buttons, the class teacher only reads, a parent
never sees it; the teacher's home lists today's lessons with place, time and what is missing."""
from __future__ import annotations

from tests.plugins.journal.helpers import journal_ids


def test_teacher_gets_buttons_class_teacher_reads_parent_is_kept_out(demo_app, as_user):
    ids = journal_ids(demo_app)
    url = f"/journal/lessons/{ids['lesson_math_5a']}"
    page = as_user("teacher").get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="jr-roster"' in html and "jr-att-btn" in html and "lesson.js" in html
    assert f'data-student="{ids["other_5a"]}"' in html
    ro = as_user("klass5a").get(url).get_data(as_text=True)
    assert 'id="jr-roster"' in ro and "jr-att-btn" not in ro and "lesson.js" not in ro
    assert as_user("parent1").get(url).status_code in (403, 404)
    assert as_user("teacher").get("/journal/static/lesson.js").status_code == 200


def test_teachers_home_lists_todays_lessons_with_place_time_and_gaps(demo_app, as_user):
    html = as_user("teacher").get("/").get_data(as_text=True)
    assert "Математика · 5А" in html and "/journal/lessons/" in html
    assert "08:30" in html or "8:30" in html
    assert "оценк" in html  # counts of marks, in Russian plural forms



def test_attendance_taken_is_recorded_and_leaves_the_missing_list(demo_app, as_user):
    from zhurnal.core.audit import AuditEntry
    from zhurnal.plugins.journal.models import Attendance, Lesson
    from tests.browser.test_lesson_phone import _todays_lesson
    lesson_id, _free = _todays_lesson(demo_app)
    with demo_app.app_context():
        Attendance.delete().where(Attendance.lesson == lesson_id).execute()
    t = as_user("teacher")
    home = t.get("/").get_data(as_text=True)
    assert "посещаемость" in home
    r = t.post(f"/api/v1/lessons/{lesson_id}/attendance-taken")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["attendance_taken_at"].endswith("+00:00")
    with demo_app.app_context():
        assert Lesson.get_by_id(lesson_id).attendance_taken_at is not None
        assert AuditEntry.select().where(AuditEntry.action == "journal.attendance.taken").count() == 1
    assert as_user("klass5a").post(f"/api/v1/lessons/{lesson_id}/attendance-taken").status_code in (403, 404)
    assert t.post("/api/v1/lessons/2147483648/attendance-taken").status_code == 404
