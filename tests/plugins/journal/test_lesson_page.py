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

