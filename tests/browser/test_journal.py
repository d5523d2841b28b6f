"""The journal grid in a real browser: keyboard entry by the teacher, read-only for the class teacher."""
from __future__ import annotations

from playwright.sync_api import expect

from zhurnal.plugins.journal.models import Attendance, Lesson, Mark
from zhurnal.plugins.roster.models import SchoolClass, Student, Subject
from tests.browser.conftest import ui_login
from tests.conftest import TODAY


def _target(app):
    """Today's 5А maths lesson, a student without marks or absence there, and the student listed before them."""
    with app.app_context():
        c5a = SchoolClass.get((SchoolClass.parallel == 5) & (SchoolClass.letter == "А"))
        math = Subject.get(Subject.name == "Математика")
        lesson = (Lesson.select().where((Lesson.school_class == c5a.id) & (Lesson.subject == math.id) &
                                        (Lesson.date <= TODAY) & Lesson.group.is_null())
                  .order_by(Lesson.date.desc()).first())
        students = list(Student.select().where(Student.school_class == c5a.id)
                        .order_by(Student.last_name, Student.first_name, Student.middle_name))
        busy = {s for (s,) in Mark.select(Mark.student).where(Mark.lesson == lesson.id).tuples()}
        busy |= {s for (s,) in Attendance.select(Attendance.student).where(Attendance.lesson == lesson.id).tuples()}
        i = next(i for i, s in enumerate(students) if i > 0 and s.id not in busy)
        return c5a.id, math.id, lesson.id, students[i].id, students[i - 1].id


def _cell(page, lesson_id, student_id):
    return page.locator(f'td.jr-cell[data-lesson="{lesson_id}"][data-student="{student_id}"]')


def test_teacher_types_a_mark_and_class_teacher_only_reads_it(page, live_url, demo_app):
    class_id, subject_id, lesson_id, student_id, above_id = _target(demo_app)
    url = f"{live_url}/journal/class/{class_id}?subject_id={subject_id}"

    ui_login(page, live_url, "teacher")
    page.goto(url)
    assert "5А · Математика" in page.inner_text("h1")
    # start one row above and move down with the keyboard, then type the mark
    _cell(page, lesson_id, above_id).focus()
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.dataset.student") == str(student_id)
    page.keyboard.press("5")
    page.keyboard.press("Enter")
    page.wait_for_selector(f'td.jr-cell[data-lesson="{lesson_id}"][data-student="{student_id}"] .jr-mark')
    assert page.inner_text("#jr-status") == "Сохранено."
    # Enter edits the last mark, Delete removes it; «о» marks late, typed again clears it
    cell = _cell(page, lesson_id, student_id)
    cell.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Control+A")
    page.keyboard.type("4")
    page.keyboard.press("Enter")
    page.wait_for_selector(f'td.jr-cell[data-lesson="{lesson_id}"][data-student="{student_id}"] .jr-mark[data-value="4"]')
    page.keyboard.press("Delete")
    page.wait_for_selector(f'td.jr-cell[data-lesson="{lesson_id}"][data-student="{student_id}"] .jr-mark',
                           state="detached")
    page.keyboard.press("j")  # the «о» key on a Latin layout
    page.wait_for_selector(f'td.jr-cell[data-lesson="{lesson_id}"][data-student="{student_id}"] .jr-att-late')
    cell.dispatch_event("keydown", {"key": "о", "code": "KeyJ", "bubbles": True})  # «о» again clears it
    page.wait_for_selector(f'td.jr-cell[data-lesson="{lesson_id}"][data-student="{student_id}"] .jr-att',
                           state="detached")
    page.keyboard.press("5")
    page.keyboard.press("Enter")
    page.wait_for_selector(f'td.jr-cell[data-lesson="{lesson_id}"][data-student="{student_id}"] .jr-mark')
    page.reload()
    cell = _cell(page, lesson_id, student_id)
    assert cell.locator(".jr-mark").inner_text() == "5" and cell.locator(".jr-att").count() == 0
    with demo_app.app_context():
        m = Mark.get((Mark.lesson == lesson_id) & (Mark.student == student_id))
        assert (m.value, m.kind.code, m.teacher.login) == ("5", "answer", "teacher")
    # H shows the cell's history, with the times of the changes (sent with their UTC offset)
    cell.focus()
    page.keyboard.press("h")
    page.wait_for_selector("#jr-pop li")
    history = page.inner_text("#jr-pop")
    assert "Invalid Date" not in history and history.count("→") >= 4, history

    # the class teacher of 5А sees it and cannot change it
    page.context.clear_cookies()
    ui_login(page, live_url, "klass5a")
    page.goto(url)
    cell = _cell(page, lesson_id, student_id)
    assert cell.locator(".jr-mark").inner_text() == "5"
    assert page.locator("td.jr-edit").count() == 0 and page.locator("#jr-kind").count() == 0
    cell.focus()
    page.keyboard.press("4")
    assert cell.locator("input").count() == 0
    status = page.evaluate("""async ([lesson, student]) => {
        const r = await fetch('/api/v1/marks', {method: 'POST', headers: {'Content-Type': 'application/json'},
            body: JSON.stringify({lesson_id: lesson, student_id: student, value: '2'})});
        return r.status; }""", [lesson_id, student_id])
    assert status == 403
    with demo_app.app_context():
        assert [m.value for m in Mark.select().where((Mark.lesson == lesson_id) & (Mark.student == student_id))] == ["5"]


def test_a_value_that_is_no_mark_is_said_in_the_cell_and_the_names_stay_readable(page, live_url, demo_app):
    class_id, subject_id, lesson_id, student_id, _above = _target(demo_app)
    ui_login(page, live_url, "teacher")
    page.goto(f"{live_url}/journal/class/{class_id}?subject_id={subject_id}")
    _cell(page, lesson_id, student_id).focus()
    page.keyboard.press("7")
    tip = _cell(page, lesson_id, student_id).locator(".jr-invalid-msg")
    assert tip.is_visible() and "7" in tip.inner_text() and "5" in tip.inner_text()
    with demo_app.app_context():
        assert not Mark.select().where((Mark.lesson == lesson_id) & (Mark.student == student_id)).exists()
    # scrolled sideways, the cells pass under the names: the name column's box is painted on top
    page.set_viewport_size({"width": 700, "height": 800})
    page.evaluate("document.querySelector('#jr-grid').parentElement.scrollLeft = 400")
    name = page.locator(f'tr:has(td[data-student="{student_id}"]) th.jr-name').first
    box = name.bounding_box()
    top = page.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('th, td').className",
                        [box["x"] + box["width"] - 4, box["y"] + box["height"] / 2])
    assert "jr-name" in top
    page.screenshot(path="/tmp/grid_scrolled.png")


def test_the_grid_is_drawn_from_its_data_as_the_teacher_and_the_class_teacher_see_it(page, live_url, demo_app):
    """The whole grid (lessons, names, averages, period marks) is drawn in the browser from the
    API's answer the page embeds: every part of it as the data says, text as text, and the
    period mark given through the drawn select."""
    from tests.plugins.journal.helpers import journal_ids
    ids = journal_ids(demo_app)
    hostile = '<img src=x onerror="window.__hit=1">Дроби'
    with demo_app.app_context():
        Lesson.update(topic=hostile).where(Lesson.id == ids["lesson_math_5a"]).execute()
    url = f"{live_url}/journal/class/{ids['class_5a']}?subject_id={ids['subject_math']}&period_id="
    ui_login(page, live_url, "teacher")
    page.goto(url + str(ids["period_q2"]))
    data = page.evaluate("JSON.parse(document.getElementById('jr-data').textContent)")
    assert data["students"] and data["lessons"] and data["period"]["name"]
    heads = page.locator("#jr-grid thead th")
    assert heads.first.inner_text() == "Ученик" and heads.count() == len(data["lessons"]) + 3
    assert heads.nth(len(data["lessons"]) + 1).inner_text() == "Средний балл"
    assert heads.last.inner_text() == data["period"]["name"]
    drawn = page.evaluate("""() => [...document.querySelectorAll('#jr-grid th.jr-lesson')].map(th => ({
        id: +th.dataset.lesson, cls: th.className, title: th.title, text: th.querySelector('a').textContent,
        href: th.querySelector('a').getAttribute('href'), k: th.querySelector('.jr-k')?.title || null}))""")
    for th, x in zip(drawn, data["lessons"], strict=True):
        assert th["id"] == x["id"] and th["text"] == f"{x['date'][8:10]}.{x['date'][5:7]}"
        assert th["href"] == f"/journal/lessons/{x['id']}"
        assert th["title"] == (x["topic"] or "") + (f" — {x['control_title']}" if x["control_title"] else "")
        assert ("jr-control" in th["cls"]) == x["is_control"] and ("jr-now" in th["cls"]) == (x["date"] == TODAY.isoformat())
        assert th["k"] == ("Контрольная работа" if x["is_control"] else None)
    assert any("jr-now" in th["cls"] for th in drawn)
    # the hostile topic is a title, no element, and ran nothing
    assert hostile in [th["title"] for th in drawn]
    assert page.locator("#jr-grid img").count() == 0 and page.evaluate("window.__hit") is None
    rows = page.evaluate("""() => [...document.querySelectorAll('#jr-grid tbody tr')].map(tr => ({
        id: +tr.dataset.student, name: tr.querySelector('th.jr-name').textContent,
        cells: tr.querySelectorAll('td.jr-cell, td.jr-na').length, avg: tr.querySelector('td.jr-avg').textContent,
        label: tr.querySelector('select.jr-term-select')?.getAttribute('aria-label'),
        chosen: tr.querySelector('select.jr-term-select')?.value, hint: tr.querySelector('td.jr-term .hint')?.textContent || null}))""")
    for i, (row, s) in enumerate(zip(rows, data["students"], strict=True)):
        assert row["id"] == s["id"] and row["name"] == f"{i + 1}. {s['name']}"
        assert row["cells"] == len(data["lessons"])
        assert row["avg"] == ("" if s["average"] is None else f"{s['average']:.2f}")
        assert row["label"] == f"Отметка за период: {s['name']}"
        t = data["term_marks"].get(str(s["id"]))
        assert row["chosen"] == (t["value"] if t else "")
        assert row["hint"] == (f"→ {s['proposed']}" if s["proposed"] and not t else None)
    # the period mark given through the drawn select is saved, and drawn again after a reload
    select = page.locator(f'select.jr-term-select[data-student="{ids["other_5a"]}"]')
    select.select_option("5")
    expect(page.locator("#jr-status")).to_have_text("Сохранено.")
    page.reload()
    assert page.locator(f'select.jr-term-select[data-student="{ids["other_5a"]}"]').input_value() == "5"
    with demo_app.app_context():
        from zhurnal.plugins.journal.models import TermMark
        assert TermMark.get((TermMark.student == ids["other_5a"]) & (TermMark.subject == ids["subject_math"]) &
                            (TermMark.period == ids["period_q2"])).value == "5"

    # the class teacher reads the closed first quarter: period marks as text, nothing to choose
    page.context.clear_cookies()
    ui_login(page, live_url, "klass5a")
    page.goto(url + str(ids["period_q1"]))
    data = page.evaluate("JSON.parse(document.getElementById('jr-data').textContent)")
    assert page.locator("#jr-grid select").count() == 0 and data["term_marks"]
    terms = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#jr-grid tbody tr')]
        .map(tr => [tr.dataset.student, tr.querySelector('td.jr-term').textContent]))""")
    assert terms == {str(s["id"]): (data["term_marks"].get(str(s["id"])) or {}).get("value", "") for s in data["students"]}
