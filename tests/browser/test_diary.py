"""The diary in a real browser: a parent on a phone reads the week, switches children, sees the
teacher's new mark and acknowledges; the class teacher then sees it on the control page. The week's
days and news are drawn by plugins/diary/static/week.js from the JSON the page embeds: what a parent
sees drawn, hostile text shown as text."""
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


HOSTILE = "<img src=x onerror=alert(1)>"


def _a_full_week(app, ids) -> dict:
    """Wednesday's maths lesson: a control work, homework (markup as text, a real link, a
    ``javascript:`` one) due tomorrow and a mark with a hostile comment; Russian today: absent,
    ill; remarks on Thursday and Saturday (otherwise a day off: no lessons); the previous visit
    hours ago, so the news box lists what was written since."""
    from zhurnal.core.db import utcnow
    from zhurnal.plugins.diary.models import Visit
    from zhurnal.plugins.journal import service as journal
    from zhurnal.plugins.journal.models import Lesson
    from tests.plugins.diary.helpers import add_remark, give_mark, set_absent, user
    day = TODAY - dt.timedelta(days=1)
    login(app, "parent1").get(f"/api/v1/students/{ids['student1']}/diary")  # a visit, then hours ago
    now = utcnow()
    with app.app_context():
        Visit.update(last_at=now - dt.timedelta(hours=3), previous_at=now - dt.timedelta(days=5)).where(
            (Visit.student == ids["student1"]) & (Visit.user == user("parent1").id)).execute()
    lesson_id = _maths_lesson(app, ids["student1"], day)
    with app.test_request_context():
        les = Lesson.get_by_id(lesson_id)
        journal.update_lesson(les, {
            "homework": f"№ 245 {HOSTILE}", "homework_due": TODAY + dt.timedelta(days=1), "is_control": True,
            "control_title": "", "homework_links": [
                {"title": "Видеоурок", "url": "https://resh.edu.ru/subject/lesson/7733/"},
                {"title": "Опасная ссылка", "url": "javascript:alert(2)"}]}, version=les.version, by=user("teacher"))
    mark = give_mark(app, ids["student1"], day, "3", comment=f"Не доведено {HOSTILE}", kind="answer")
    set_absent(app, ids["student1"], TODAY, "ill", subject="Русский язык")
    add_remark(app, ids["student1"], TODAY, "Прочитать параграф 12 ещё раз", kind="recommendation")
    add_remark(app, ids["student1"], TODAY + dt.timedelta(days=2), f"Субботник {HOSTILE}")
    return {"day": day, "lesson_id": lesson_id, "mark": mark.id}


def test_the_drawn_week_as_a_parent_sees_it(page, live_url, demo_app):
    ids = demo_ids(demo_app)
    week = _a_full_week(demo_app, ids)
    dialogs, errors = [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    ui_login(page, live_url, "parent1")
    page.goto(f"{live_url}/diary/students/{ids['student1']}")
    wednesday = page.locator(f"section.dy-day[data-date='{week['day'].isoformat()}']")
    assert wednesday.locator(".wd").inner_text().lower() == "среда, 25 ноября"
    lesson = wednesday.locator(".dy-lesson", has=page.locator(".subj", has_text="Математика")).first
    # the mark with its kind and comment; the hostile comment is text, no element
    mark = lesson.locator(".dy-mark.v3")
    assert mark.inner_text() == "3" and mark.get_attribute("title") == f"Ответ на уроке: Не доведено {HOSTILE}"
    assert f"Ответ на уроке: Не доведено {HOSTILE}" in lesson.locator(".dy-markinfo").all_inner_texts()
    assert re.fullmatch(r"\d{2}:\d{2}–\d{2}:\d{2} · каб\. 31 · .+", lesson.locator(".meta").first.inner_text())
    assert lesson.locator(".dy-control").inner_text() == "Контрольная работа"
    assert lesson.locator(".topic").inner_text().startswith("Тема: ")
    # homework: text as text, the https link a link, the javascript: one nothing at all
    hw = lesson.locator(".hw")
    assert hw.locator("b").inner_text() == "Д/з:" and f"№ 245 {HOSTILE}" in hw.inner_text()
    link = hw.locator("a")
    assert link.count() == 1 and link.inner_text() == "Видеоурок"
    assert (link.get_attribute("href"), link.get_attribute("rel"), link.get_attribute("target")) == (
        "https://resh.edu.ru/subject/lesson/7733/", "noopener noreferrer", "_blank")
    assert "Опасная ссылка" not in hw.inner_text() and page.locator("a[href^='javascript']").count() == 0
    assert hw.locator(".hint").inner_text() == "(к 27.11)"
    # today: the marker, the absence in Russian, the recommendation with its teacher
    today = page.locator("section.dy-day[aria-current='date']")
    assert today.count() == 1 and today.get_attribute("data-date") == TODAY.isoformat()
    # the diary's stylesheet (static/diary.css) is loaded and applies: days are cards in a grid
    assert page.evaluate("getComputedStyle(document.querySelector('.dy-days')).display") == "grid"
    assert page.evaluate("getComputedStyle(document.querySelector('section.dy-day.today')).borderTopWidth") == "2px"
    assert "today" in today.get_attribute("class") and today.locator("h2 .badge").inner_text() == "Сегодня"
    assert "б — болел" in today.locator(".dy-att.ill").all_inner_texts()
    remark = today.locator(".dy-remark.recommendation")
    assert remark.inner_html().startswith("<b>Рекомендация</b> (Математика): Прочитать параграф 12 ещё раз "
                                          '<span class="hint">— ')
    # Saturday: no lessons, a remark shown as text
    saturday = page.locator(f"section.dy-day[data-date='{(TODAY + dt.timedelta(days=2)).isoformat()}']")
    assert saturday.locator("p.hint").inner_text() == "Уроков нет." and saturday.locator(".dy-lesson").count() == 0
    saturday_remark = saturday.locator(".dy-remark.remark")
    assert saturday_remark.inner_text().startswith(f"Замечание (Математика): Субботник {HOSTILE} — ")
    assert saturday_remark.locator("b").inner_text() == "Замечание" and saturday_remark.locator("span.hint").count() == 1
    # the news box, before the acknowledgement
    news = page.locator("#news + #ack").count() and page.locator("#news")
    assert news, "the news box stands before the acknowledgement"
    assert news.locator("h2").inner_text().startswith("Новое с вашего прошлого визита (")
    items = news.locator("li").all_inner_texts()
    assert any(x.startswith("3 Математика, 25 нояб. — Ответ на уроке") for x in items), items
    assert any(x.startswith("б — болел Русский язык, 26 нояб., ") and x.endswith("-й урок") for x in items), items
    assert f"Замечание (Математика): Субботник {HOSTILE}" in items
    # nothing the data held became an element or ran
    assert page.locator("main img").count() == 0 and dialogs == [] and errors == []

    # a week of holidays; the English page
    page.goto(f"{live_url}/diary/students/{ids['student1']}?week=2026-12-28")
    holiday = page.locator("section.dy-day[data-date='2026-12-29']")
    assert holiday.locator(".dy-holiday").inner_text() == "Зимние каникулы"
    assert holiday.locator(".dy-lesson").count() == 0 and holiday.locator("p.hint").count() == 0
    assert page.locator("section.dy-day[aria-current=date]").count() == 0
    page.goto(f"{live_url}/diary/students/{ids['student1']}")
    page.click("nav.lang a:text('EN')")
    page.wait_for_selector("section.dy-day[aria-current=date]")
    today = page.locator("section.dy-day[aria-current=date]")
    assert today.locator(".wd").inner_text() == "Thursday, 26 November" and today.locator(".badge").inner_text() == "Today"
    lesson = page.locator(f"section.dy-day[data-date='{week['day'].isoformat()}'] .dy-lesson",
                          has=page.locator(".dy-control")).first
    assert lesson.locator(".hw b").inner_text() == "Homework:" and lesson.locator(".dy-control").inner_text() == "Control work"
    assert re.search(r" · room 31 · ", lesson.locator(".meta").first.inner_text())
    assert dialogs == [] and errors == []


def test_leaflet_prints_on_one_page(page, live_url):
    ui_login(page, live_url, "parent1")
    page.goto(f"{live_url}/diary/help/leaflet")
    assert "памятка для родителей" in page.inner_text("#leaflet")
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
