"""A teacher in the classroom with a phone (390 x 844, touch): today's lesson from the home page, two
absences and a mark tapped in, kept across a reload; a tap made without a connection waits on the phone
and is sent when the connection returns; an answer lost on the way does not save a mark twice."""
from __future__ import annotations

from zhurnal.plugins.journal.models import Attendance, Lesson, Mark
from zhurnal.plugins.roster.models import Student
from tests.browser.conftest import ui_login
from tests.conftest import TODAY


def _todays_lesson(app):
    """A lesson the demo teacher gives today, and its students without marks or absences there."""
    from zhurnal.core.identity.models import User
    from zhurnal.plugins.journal import service
    with app.app_context():
        teacher = User.get(User.login == "teacher")
        lesson = (Lesson.select().where((Lesson.teacher == teacher.id) & (Lesson.date == TODAY) & ~Lesson.cancelled)
                  .order_by(Lesson.number).first())
        assert lesson is not None, "the demo teacher has no lesson on the tests' day"
        busy = {s for (s,) in Mark.select(Mark.student).where(Mark.lesson == lesson.id).tuples()}
        busy |= {s for (s,) in Attendance.select(Attendance.student).where(Attendance.lesson == lesson.id).tuples()}
        free = [s.id for s in service.lesson_students(lesson) if s.id not in busy]
        return lesson.id, free


def _row(page, student_id):
    return page.locator(f'.jr-roster-row[data-student="{student_id}"]')


def _saved(page, timeout: float = 15):
    """Wait until every tap was answered (polled from here: the page's CSP forbids evaluated strings)."""
    import time
    deadline = time.monotonic() + timeout
    while not page.evaluate("document.getElementById('jr-roster-status').textContent.length > 0 && "
                            "!document.querySelector('.jr-roster-row.jr-pending') && "
                            "!Object.keys(localStorage).some(k => k.startsWith('zhurnal.lesson.') && "
                            "JSON.parse(localStorage.getItem(k) || '[]').length)"):
        assert time.monotonic() < deadline, "the taps were not all saved"
        page.wait_for_timeout(100)


def _db(app, lesson_id, student_id):
    with app.app_context():
        att = Attendance.get_or_none((Attendance.lesson == lesson_id) & (Attendance.student == student_id))
        marks = [m.value for m in Mark.select().where((Mark.lesson == lesson_id) & (Mark.student == student_id))]
        return (att.status if att else None), marks


def test_teacher_marks_absences_and_a_mark_on_a_phone_and_they_stay(phone_page, live_url, demo_app):
    page = phone_page
    lesson_id, free = _todays_lesson(demo_app)
    a, b, c = free[:3]
    ui_login(page, live_url, "teacher")
    with page.expect_navigation():
        page.locator(f'a[href$="/journal/lessons/{lesson_id}"]').first.tap()
    assert page.locator("#jr-roster").is_visible()
    # big touch targets
    box = _row(page, a).locator('.jr-att-btn[data-status="absent"]').bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44

    _row(page, a).locator('.jr-att-btn[data-status="absent"]').tap()
    _row(page, b).locator('.jr-att-btn[data-status="ill"]').tap()
    page.select_option("#jr-roster-kind", "test")
    _row(page, c).locator('.jr-val-btn[data-value="5"]').tap()
    _saved(page)
    assert _db(demo_app, lesson_id, a) == ("absent", [])
    assert _db(demo_app, lesson_id, b) == ("ill", [])
    assert _db(demo_app, lesson_id, c) == (None, ["5"])

    page.reload()
    assert _row(page, a).locator('.jr-att-btn[data-status="absent"]').get_attribute("aria-pressed") == "true"
    assert _row(page, b).locator('.jr-att-btn[data-status="ill"]').get_attribute("aria-pressed") == "true"
    assert _row(page, c).locator(".jr-roster-marks .jr-mark").inner_text() == "5"
    # a second tap on «н» clears the absence
    _row(page, a).locator('.jr-att-btn[data-status="absent"]').tap()
    _saved(page)
    assert _db(demo_app, lesson_id, a) == (None, [])
    # "the others are present": attendance counts as taken
    page.locator("#jr-roster-taken").tap()
    _saved(page)
    with demo_app.app_context():
        assert Lesson.get_by_id(lesson_id).attendance_taken_at is not None
    assert page.locator("#jr-roster-taken").get_attribute("aria-pressed") == "true"


def test_a_tap_without_connection_waits_and_is_sent_when_it_returns(phone_page, live_url, demo_app):
    page = phone_page
    lesson_id, free = _todays_lesson(demo_app)
    a, b = free[3:5]
    ui_login(page, live_url, "teacher")
    page.goto(f"{live_url}/journal/lessons/{lesson_id}")
    _row(page, a).locator('.jr-att-btn[data-status="absent"]').tap()
    _saved(page)

    page.context.set_offline(True)
    _row(page, b).locator('.jr-val-btn[data-value="4"]').tap()
    page.wait_for_selector(f'.jr-roster-row.jr-pending[data-student="{b}"]')
    assert "not yet saved" in _row(page, b).inner_text().lower() or "не сохранено" in _row(page, b).inner_text().lower()
    assert _db(demo_app, lesson_id, b) == (None, [])
    # kept on the phone: the queue is in the browser's storage
    assert page.evaluate(f"JSON.parse(localStorage.getItem('zhurnal.lesson.{lesson_id}.queue')).length") == 1

    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    _saved(page)
    assert _db(demo_app, lesson_id, b) == (None, ["4"])
    page.reload()
    assert _row(page, b).locator(".jr-roster-marks .jr-mark").inner_text() == "4"
    assert _row(page, a).locator('.jr-att-btn[data-status="absent"]').get_attribute("aria-pressed") == "true"


def test_an_answer_lost_on_the_way_does_not_save_the_mark_twice(phone_page, live_url, demo_app):
    page = phone_page
    lesson_id, free = _todays_lesson(demo_app)
    c = free[5]
    ui_login(page, live_url, "teacher")
    page.goto(f"{live_url}/journal/lessons/{lesson_id}")
    lost = []

    def lose_first_answer(route):
        if route.request.method == "POST" and not lost:
            route.fetch()          # the server saves the mark...
            lost.append(True)
            route.abort()          # ...but the phone never hears back
        else:
            route.continue_()
    page.route("**/api/v1/marks", lose_first_answer)
    _row(page, c).locator('.jr-val-btn[data-value="3"]').tap()
    page.wait_for_selector(f'.jr-roster-row.jr-pending[data-student="{c}"]')
    page.evaluate("window.dispatchEvent(new Event('online'))")  # try again now rather than in 5 s
    _saved(page)
    assert lost and _db(demo_app, lesson_id, c) == (None, ["3"])
