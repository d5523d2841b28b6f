"""The student's home page: today's and the next school day's lessons, homework and marks."""
from __future__ import annotations


def test_students_home_shows_their_days_and_nobody_elses(demo_app, as_user):
    html = as_user("student1").get("/").get_data(as_text=True)
    assert "Мой дневник" in html and "Вся неделя" in html
    assert "Сегодня" in html or "dy-days" in html
    # a parent keeps the children's list; staff get no student diary card
    assert "Мой дневник" not in as_user("parent1").get("/").get_data(as_text=True)
    assert "Мой дневник" not in as_user("teacher").get("/").get_data(as_text=True)
