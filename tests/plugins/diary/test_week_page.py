"""The week page: a server-drawn frame around the week API's own answer, which static/week.js
draws in the browser (tests/browser/test_diary.py sees it drawn)."""
from __future__ import annotations

import datetime as dt
import json
import re

from tests.conftest import TODAY, login

from .helpers import LAST_WEEK, THIS_WEEK, add_remark, lesson_of, page_block, user, week_page

HOSTILE = '</script><script src="/evil.js"></script><!-- <img src=x onerror=alert(1)>'


def _island(html: str, block: str = "dy-data") -> str:
    start = html.index(f'<script type="application/json" id="{block}">') + len(
        f'<script type="application/json" id="{block}">')
    return html[start:html.index("</script>", start)]


def test_the_page_embeds_the_api_answer_for_the_same_week(ids, demo_app):
    """Byte for byte what GET /api/v1/students/<id>/diary?week= answers the same reader,
    "<" written \\u003c."""
    for reader, student in (("parent1", "student1"), ("parent1", "sibling"), ("student1", "student1"),
                            ("klass5a", "student1")):
        c = login(demo_app, reader)
        api = f"/api/v1/students/{ids[student]}/diary"
        c.get(api)  # a family member's visit starts here: the page and the API then show the same news
        for week in (THIS_WEEK, LAST_WEEK, dt.date(2026, 12, 7), dt.date(2026, 12, 28)):
            answer = c.get(f"{api}?week={week.isoformat()}")
            page = c.get(f"/diary/students/{ids[student]}?week={week.isoformat()}")
            assert answer.status_code == page.status_code == 200
            island = _island(page.get_data(as_text=True))
            assert island.encode() == answer.get_data().replace(b"<", b"\\u003c"), (reader, student, week)
            assert json.loads(island) == answer.get_json()


def test_a_less_than_sign_in_user_text_cannot_end_the_script_block(ids, demo_app):
    from zhurnal.plugins.journal import service as journal
    from zhurnal.core.ui import json_island
    day = TODAY - dt.timedelta(days=1)
    with demo_app.test_request_context():
        les = lesson_of(ids["student1"], day)
        journal.update_lesson(les, {"homework": HOSTILE, "homework_links": [{"title": HOSTILE, "url": "https://x.example/"}]},
                              version=les.version, by=user("teacher"))
    add_remark(demo_app, ids["student1"], day, HOSTILE)
    c = login(demo_app, "parent1")
    html = c.get(f"/diary/students/{ids['student1']}").get_data(as_text=True)
    assert "/evil.js" in html and '<script src="/evil.js">' not in html and "<img" not in html
    island = _island(html)
    assert "<" not in island
    week = json.loads(island)
    assert HOSTILE in [x["homework"] for d in week["days"] for x in d["lessons"]]
    assert HOSTILE in [r["text"] for d in week["days"] for r in d["remarks"]]
    # every script of the page is a file of the site or a JSON block: nothing inline runs
    tags = re.findall(r"<script\b[^>]*>", html)
    assert tags and all('src="/' in t or 'type="application/json"' in t for t in tags), tags
    assert len(tags) == 4, tags  # zhurnal.js, the two blocks, week.js
    # the one helper both the journal grid and the diary embed with
    assert str(json_island(b'{"a":"</script><!--"}')) == '{"a":"\\u003c/script>\\u003c!--"}'
    assert json.loads(str(json_island('{"a":"</script>"}'.encode()))) == {"a": "</script>"}


def test_the_page_needs_its_script_and_says_so(ids, as_user):
    c = as_user("parent1")
    html = c.get(f"/diary/students/{ids['student1']}").get_data(as_text=True)
    src = re.search(r'<script src="([^"]*week\.js)" defer></script>', html).group(1)
    js = c.get(src)
    assert js.status_code == 200 and "javascript" in js.content_type
    assert "no-store" not in js.headers.get("Cache-Control", "")  # a static file: cacheable
    assert "innerHTML" not in js.get_data(as_text=True)  # data are set as text, never as markup
    assert re.search(r"<noscript><p class=\"notice\">Уроки, оценки и домашние задания недели показываются, "
                     r"когда в браузере включён JavaScript\.</p></noscript>", html)
    assert 'id="dy-days"' in html and 'id="ack"' in html and 'id="week-range"' in html


def test_the_words_follow_the_language(ids, demo_app):
    c = login(demo_app, "parent1")
    _w, ru = week_page(c, ids["student1"])
    assert ru["labels"]["hw"] == "Д/з:" and ru["labels"]["today"] == "Сегодня"
    assert ru["days"][TODAY.isoformat()] == "четверг, 26 ноября"
    c.get("/lang/en")
    w, en = week_page(c, ids["student1"])
    assert en["labels"]["hw"] == "Homework:" and en["labels"]["today"] == "Today"
    assert en["labels"]["attendance"]["ill"] == "ill" and en["labels"]["room"] == "room %(room)s"
    assert en["days"][TODAY.isoformat()] == "Thursday, 26 November"
    assert set(en["days"]) == {d["date"] for d in w["days"]}
    html = c.get(f"/diary/students/{ids['student1']}").get_data(as_text=True)
    assert "shown with JavaScript on" in html and page_block(html) == w


def test_the_news_dates_are_written_on_the_server(ids, demo_app):
    """The news box's time and dates as the page wrote them before (Babel, the reader's
    time zone), keyed by the JSON's ISO dates."""
    from zhurnal.core.db import utcnow
    from zhurnal.plugins.diary.models import Visit
    from .helpers import give_mark
    c = login(demo_app, "parent1")
    c.get(f"/api/v1/students/{ids['student1']}/diary")
    mark = give_mark(demo_app, ids["student1"], TODAY - dt.timedelta(days=3), "5")
    with demo_app.app_context():
        Visit.update(last_at=utcnow() - dt.timedelta(hours=3), previous_at=utcnow() - dt.timedelta(hours=4)).where(
            (Visit.student == ids["student1"]) & (Visit.user == ids["user_parent1"])).execute()
    w, words = week_page(c, ids["student1"])
    news = next(m for m in w["news"]["marks"] if m["id"] == mark.id)
    assert words["dates"][news["date"]] == "23 нояб."
    assert re.fullmatch(r"\d{2}\.\d{2}\.\d{4}, \d{1,2}:\d{2}", words["since"]), words["since"]
    # a page without news (staff have none) carries no dates
    _w, words = week_page(login(demo_app, "klass5a"), ids["student1"])
    assert words["dates"] == {} and words["since"] is None
