"""The diary in a real browser: a parent on a phone reads the week, switches children, sees the
teacher's new mark and acknowledges; the class teacher then sees it on the control page."""
from __future__ import annotations

import datetime as dt
import re

from tests.access import demo_ids
from tests.browser.conftest import ui_login
from tests.conftest import TODAY, login


def _maths_lesson(app, student_id: int, day: dt.date) -> int:
    from zhurnal.plugins.journal import service as journal
    from zhurnal.plugins.roster.models import Student
    with app.app_context():
        st = Student.get_by_id(student_id)
        return next(x.id for x in journal.student_lessons(st, day, day) if x.subject.name == "Математика")


def _no_horizontal_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page scrolls sideways: {width}px"


def test_parent_on_a_phone_acknowledges_and_the_class_teacher_sees_it(phone_page, live_url, demo_app):
    ids = demo_ids(demo_app)
    day = TODAY - dt.timedelta(days=1)
    comment = "Блестящее решение задачи у доски"
    r = login(demo_app, "teacher").post("/api/v1/marks", json={
        "student_id": ids["student1"], "lesson_id": _maths_lesson(demo_app, ids["student1"], day),
        "value": "5", "kind": "answer", "comment": comment})
    assert r.status_code == 201, r.get_json()

    page = phone_page
    ui_login(page, live_url, "parent1")
    page.goto(f"{live_url}/diary/")
    assert re.search(r"/diary/students/\d+$", page.url)
    _no_horizontal_scroll(page)
    # switch to the other child and back
    other = ids["sibling"] if page.url.endswith(f"/{ids['student1']}") else ids["student1"]
    page.click(f"a[data-student='{other}']")
    page.wait_for_url(f"**/diary/students/{other}")
    _no_horizontal_scroll(page)
    if other == ids["sibling"]:
        assert "6Б" in page.inner_text("h1")
        page.click(f"a[data-student='{ids['student1']}']")
        page.wait_for_url(f"**/diary/students/{ids['student1']}")
    assert "5А" in page.inner_text("h1")
    # today's card is highlighted; the week is stacked day cards, one under the other
    today_card = page.locator(f"section.dy-day[data-date='{TODAY.isoformat()}']")
    assert today_card.get_attribute("aria-current") == "date"
    boxes = [page.locator("section.dy-day").nth(i).bounding_box() for i in range(2)]
    assert boxes[1]["y"] > boxes[0]["y"] + boxes[0]["height"] - 1 and abs(boxes[1]["x"] - boxes[0]["x"]) < 2
    # the teacher's mark with its comment, in Wednesday's card
    card = page.locator(f"section.dy-day[data-date='{day.isoformat()}']")
    assert comment in card.inner_text()
    # the week before and back: last week's card has no "today"
    page.click("a[rel=prev]")
    page.wait_for_url(re.compile(r"week=\d{4}-\d{2}-\d{2}"))
    assert page.locator("section.dy-day[aria-current=date]").count() == 0
    page.click("#week-range a")
    page.wait_for_url(f"**/diary/students/{ids['student1']}")
    # acknowledge
    page.click("#ack-button")
    page.wait_for_selector("#ack-done")
    assert "Вы ознакомились с неделей" in page.inner_text("#ack-done")
    _no_horizontal_scroll(page)
    # the other sections fit the phone as well
    for path in ("marks", "calendar"):
        page.click(f".dy-tabs a[href$='/{path}']")
        page.wait_for_url(f"**/diary/students/{ids['student1']}/{path}")
        _no_horizontal_scroll(page)
    for path in ("/diary/messages", "/diary/help"):
        page.goto(f"{live_url}{path}")
        _no_horizontal_scroll(page)

    # the class teacher of 5А
    page.context.clear_cookies()
    ui_login(page, live_url, "klass5a")
    page.goto(f"{live_url}/diary/classes/{ids['class_5a']}/acknowledgements")
    row = page.locator(f"tr[data-guardian='{ids['guardian_parent1']}'][data-student='{ids['student1']}']")
    assert row.get_attribute("data-status") == "acknowledged"
    assert "Ознакомлен" in row.inner_text()
    assert re.search(r"\d{2}\.\d{2}\.\d{4}|\d{1,2}:\d{2}", row.locator(".ack-at").inner_text())
    assert row.locator(".seen-at").inner_text() != "—", "parent1 has just opened the diary"
    # on a phone each guardian is a card: the times are on screen, not off to the right
    box = row.locator(".ack-at").bounding_box()
    assert box["x"] + box["width"] <= page.viewport_size["width"]
    _no_horizontal_scroll(page)


def test_leaflet_prints_on_one_page(page, live_url):
    ui_login(page, live_url, "parent1")
    page.goto(f"{live_url}/diary/help/leaflet")
    assert "памятка для родителей" in page.inner_text("#leaflet")
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
