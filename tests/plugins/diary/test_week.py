"""The week view: what it shows, whose it is, and that it costs a constant number of queries."""
from __future__ import annotations

import datetime as dt

from tests.conftest import TODAY, login
from tests.utils import count_queries

from .helpers import (LAST_WEEK, THIS_WEEK, add_remark, audit_actions, give_mark, page_block, set_absent, user,
                      week_page)


def _lessons(week_json, day: dt.date) -> list[dict]:
    return next(d for d in week_json["days"] if d["date"] == day.isoformat())["lessons"]


def test_parent_sees_the_week_with_marks_homework_attendance_remarks(demo_app, ids, as_user):
    day = TODAY - dt.timedelta(days=1)  # Wednesday
    mark = give_mark(demo_app, ids["student1"], day, "4", comment="Ошибка в вычислениях у доски", kind="answer")
    set_absent(demo_app, ids["student1"], TODAY, "late", subject="Русский язык")
    add_remark(demo_app, ids["student1"], day, "Забыл тетрадь для контрольных работ")
    add_remark(demo_app, ids["student1"], TODAY, "Повторить таблицу умножения на 7", kind="recommendation")
    r = as_user("parent1").get(f"/api/v1/students/{ids['student1']}/diary")
    assert r.status_code == 200, r.get_json()
    w = r.get_json()
    assert w["week"] == THIS_WEEK.isoformat() and w["today"] == TODAY.isoformat()
    assert w["student"]["id"] == ids["student1"] and w["student"]["class"] == "5А"
    assert [d["date"] for d in w["days"]][:5] == [(THIS_WEEK + dt.timedelta(days=i)).isoformat() for i in range(5)]
    assert [d["is_today"] for d in w["days"]].count(True) == 1
    assert next(d for d in w["days"] if d["is_today"])["date"] == TODAY.isoformat()
    maths = [x for x in _lessons(w, day) if x["subject"] == "Математика"]
    got = [m for x in maths for m in x["marks"] if m["id"] == mark.id]
    assert got and got[0]["value"] == "4" and got[0]["comment"] == "Ошибка в вычислениях у доски"
    assert got[0]["kind"] and got[0]["kind_code"] == "answer"
    assert any(x["topic"] for x in _lessons(w, day)), "the journal demo gives topics"
    assert any(x["homework"] for d in w["days"] for x in d["lessons"])
    late = [x for x in _lessons(w, TODAY) if x["attendance"]]
    assert late and late[0]["attendance"]["status"] == "late" and late[0]["subject"] == "Русский язык"
    day_json = next(d for d in w["days"] if d["date"] == day.isoformat())
    assert "Забыл тетрадь для контрольных работ" in [x["text"] for x in day_json["remarks"]]
    rec = next(x for x in next(d for d in w["days"] if d["is_today"])["remarks"]
               if x["text"] == "Повторить таблицу умножения на 7")
    assert rec["kind"] == "recommendation" and rec["teacher"] and rec["subject"] == "Математика"
    lesson = maths[0]
    assert lesson["start"] and lesson["teacher"] and lesson["number"] >= 1


def test_week_page_shows_marks_with_kind_and_comment_and_remarks(demo_app, ids, as_user):
    day = TODAY - dt.timedelta(days=1)
    give_mark(demo_app, ids["student1"], day, "3", comment="Не доведено решение до конца", kind="answer")
    add_remark(demo_app, ids["student1"], TODAY, "Прочитать параграф 12 ещё раз", kind="recommendation")
    # the page draws its days in the browser (static/week.js; tests/browser/test_diary.py checks the
    # drawing) from the JSON it embeds: what the days show is asserted on that JSON and its words
    w, words = week_page(as_user("parent1"), ids["student1"])
    labels = words["labels"]
    wednesday = [m for x in _lessons(w, day) for m in x["marks"]]
    assert "Ответ на уроке: Не доведено решение до конца" in [f"{m['kind']}: {m['comment']}" for m in wednesday]
    thursday = next(d for d in w["days"] if d["date"] == TODAY.isoformat())["remarks"]
    assert "Рекомендация (Математика): Прочитать параграф 12 ещё раз" in [
        f"{labels['remark'][r['kind']]} ({r['subject']}): {r['text']}" for r in thursday]
    assert labels["topic"] == "Тема:" and labels["hw"] == "Д/з:"
    lessons = [x for d in w["days"] for x in d["lessons"]]
    assert any(x["topic"] for x in lessons) and any(x["homework"] for x in lessons)


def test_the_diary_reads_the_journal_as_it_is_now(demo_app, ids, as_user):
    """Nothing is copied: a mark changed or removed in the journal is changed or gone in the
    diary at once, and the diary's own tables hold no journal data."""
    from zhurnal.plugins.diary.models import MODELS
    from zhurnal.plugins.journal import service as journal
    from zhurnal.plugins.journal.models import Mark
    day = TODAY - dt.timedelta(days=2)
    mark = give_mark(demo_app, ids["student1"], day, "3", comment="Первая попытка")
    url = f"/api/v1/students/{ids['student1']}/diary"

    def shown():
        w = as_user("parent1").get(url).get_json()
        return [m for d in w["days"] for x in d["lessons"] for m in x["marks"] if m["id"] == mark.id]
    assert [m["value"] for m in shown()] == ["3"]
    with demo_app.test_request_context():
        m = Mark.get_by_id(mark.id)
        journal.update_mark(m, {"value": "4", "comment": "Исправлено"}, version=m.version, by=user("teacher"))
    assert [(m["value"], m["comment"]) for m in shown()] == [("4", "Исправлено")]
    with demo_app.test_request_context():
        journal.delete_mark(Mark.get_by_id(mark.id), by=user("teacher"))
    assert shown() == []
    assert {m._meta.table_name for m in MODELS} == {"diary_acknowledgement", "diary_visit", "diary_thread",
                                                   "diary_thread_member", "diary_message"}


def test_week_parameter_switches_weeks_and_is_validated(ids, as_user):
    c = as_user("parent1")
    w = c.get(f"/api/v1/students/{ids['student1']}/diary?week={(LAST_WEEK + dt.timedelta(days=3)).isoformat()}").get_json()
    assert w["week"] == LAST_WEEK.isoformat()
    assert w["prev_week"] == (LAST_WEEK - dt.timedelta(days=7)).isoformat()
    assert w["next_week"] == THIS_WEEK.isoformat()
    assert not any(d["is_today"] for d in w["days"])
    r = c.get(f"/api/v1/students/{ids['student1']}/diary?week=26.11.2026")
    assert r.status_code == 422 and "week" in r.get_json()["error"]["fields"]


def test_future_week_shows_the_timetable_and_holidays(ids, as_user):
    c = as_user("student1")
    w = c.get(f"/api/v1/students/{ids['student1']}/diary?week=2026-12-07").get_json()
    lessons = [x for d in w["days"] for x in d["lessons"]]
    assert lessons and all(x["planned"] and x["lesson_id"] is None for x in lessons if x["lesson_id"] is None)
    assert any(x["planned"] for x in lessons)
    # the winter holidays start on Tuesday 29 December
    w = c.get(f"/api/v1/students/{ids['student1']}/diary?week=2026-12-28").get_json()
    days = {d["date"]: d for d in w["days"]}
    assert days["2026-12-29"]["holiday"] == "Зимние каникулы" and not days["2026-12-29"]["lessons"]
    assert days["2026-12-28"]["holiday"] is None and days["2026-12-28"]["lessons"]


def test_parent1_sees_both_children_parent2_only_theirs(ids, as_user, demo_app):
    p1, p2 = as_user("parent1"), as_user("parent2")
    assert p1.get(f"/api/v1/students/{ids['student1']}/diary").status_code == 200
    sib = p1.get(f"/api/v1/students/{ids['sibling']}/diary")
    assert sib.status_code == 200 and sib.get_json()["student"]["class"] == "6Б"
    assert p2.get(f"/api/v1/students/{ids['parent2_child']}/diary").status_code == 200
    before = len(audit_actions(demo_app, "diary.access.denied"))
    r = p2.get(f"/api/v1/students/{ids['student1']}/diary")
    assert r.status_code == 404 and "student" not in r.get_json()
    denied = audit_actions(demo_app, "diary.access.denied")
    assert len(denied) == before + 1
    assert denied[-1].login == "parent2" and denied[-1].object_id == str(ids["student1"])
    assert denied[-1].payload["permission"] == "diary.week.read"
    # a page as well as the API, and an id that does not exist at all
    assert p2.get(f"/diary/students/{ids['student1']}").status_code == 404
    assert p2.get("/api/v1/students/999999/diary").status_code == 404
    assert len(audit_actions(demo_app, "diary.access.denied")) == before + 3


def test_student_sees_only_themself(ids, as_user, demo_app):
    c = as_user("student1")
    assert c.get(f"/api/v1/students/{ids['student1']}/diary").status_code == 200
    r = c.get(f"/api/v1/students/{ids['other_5a']}/diary")
    assert r.status_code == 404
    assert audit_actions(demo_app, "diary.access.denied", login="student1")[-1].object_id == str(ids["other_5a"])


def test_staff_reads_are_read_only_and_audited(ids, as_user, demo_app):
    kl = as_user("klass5a")
    r = kl.get(f"/api/v1/students/{ids['student1']}/diary")
    assert r.status_code == 200 and r.get_json()["can_acknowledge"] is False and r.get_json()["news"] is None
    reads = audit_actions(demo_app, "diary.week.read", login="klass5a")
    assert reads and reads[-1].object_id == str(ids["student1"]) and reads[-1].payload["via"] == "api"
    assert kl.get(f"/api/v1/students/{ids['sibling']}/diary").status_code == 403  # 6Б: not their class
    page = kl.get(f"/diary/students/{ids['student1']}")
    assert page.status_code == 200 and "Только просмотр" in page.get_data(as_text=True)
    assert 'id="ack-button"' not in page.get_data(as_text=True)
    assert as_user("teacher").get(f"/api/v1/students/{ids['student1']}/diary").status_code == 403
    assert as_user("nurse").get(f"/api/v1/students/{ids['student1']}/diary").status_code == 403
    assert as_user("support").get(f"/api/v1/students/{ids['student1']}/diary").status_code == 404


def test_week_page_on_the_phone_layout(ids, as_user):
    html = as_user("parent1").get(f"/diary/students/{ids['student1']}").get_data(as_text=True)
    # the day cards are drawn in the browser (tests/browser/test_diary.py) from the embedded JSON
    w, words = page_block(html), page_block(html, "dy-words")
    assert [d["date"] for d in w["days"] if d["is_today"]] == [TODAY.isoformat()]
    assert len(w["days"]) >= 5
    assert f'data-student="{ids["sibling"]}"' in html and f'data-student="{ids["student1"]}"' in html
    assert "Ознакомлен" in html and 'id="ack-button"' in html
    assert words["days"][TODAY.isoformat()] in ("Четверг, 26 ноября", "четверг, 26 ноября")


def test_news_since_the_previous_visit(ids, demo_app):
    """News are what changed after the start of the previous visit; they stay the same on
    reloads within one visit and are gone once a later visit has seen them."""
    from zhurnal.core.db import utcnow
    from zhurnal.plugins.diary.models import Visit
    from zhurnal.plugins.journal.models import Mark
    c = login(demo_app, "parent1")
    mark = give_mark(demo_app, ids["student1"], TODAY, "5", comment="Отличный ответ")
    now = utcnow()
    mine = (Visit.student == ids["student1"]) & (Visit.user == ids["user_parent1"])
    with demo_app.app_context():
        Mark.update(created_at=now - dt.timedelta(hours=2), updated_at=now - dt.timedelta(hours=2)).where(
            Mark.id == mark.id).execute()
        Visit.update(last_at=now - dt.timedelta(hours=3), previous_at=now - dt.timedelta(days=5)).where(mine).execute()
    absence = set_absent(demo_app, ids["student1"], TODAY, "ill", subject="Русский язык")
    remark = add_remark(demo_app, ids["student1"], TODAY, "Опоздал после перемены")
    first = c.get(f"/api/v1/students/{ids['student1']}/diary").get_json()["news"]
    assert mark.id in [m["id"] for m in first["marks"]] and first["total"] >= 3
    news_mark = next(m for m in first["marks"] if m["id"] == mark.id)
    assert news_mark["subject"] == "Математика" and news_mark["comment"] == "Отличный ответ" and news_mark["kind"]
    assert [(a["status"], a["subject"]) for a in first["absences"] if a["id"] == absence.id] == [("ill", "Русский язык")]
    assert remark.id in [x["id"] for x in first["remarks"]]
    # the news box is drawn in the browser from the page's JSON (tests/browser/test_diary.py)
    page_news, words = week_page(c, ids["student1"])
    page_news = page_news["news"]
    assert "Опоздал после перемены" in [x["text"] for x in page_news["remarks"]]
    assert "болел" in " ".join(words["labels"]["attendance"][a["status"]] for a in page_news["absences"])
    assert page_news["since"] == first["since"] and words["since"]
    again = c.get(f"/api/v1/students/{ids['student1']}/diary").get_json()["news"]
    assert again["since"] == first["since"] and mark.id in [m["id"] for m in again["marks"]]
    # the parent looked again an hour ago, after the mark: a new visit no longer lists it
    with demo_app.app_context():
        Visit.update(last_at=now - dt.timedelta(hours=1)).where(mine).execute()
    later = c.get(f"/api/v1/students/{ids['student1']}/diary").get_json()["news"]
    assert mark.id not in [m["id"] for m in later["marks"]]
    visits = audit_actions(demo_app, "diary.visit", login="parent1")
    assert len(visits) == 2 and visits[-1].object_id == str(ids["student1"])


def test_visit_emits_diary_viewed_once_per_visit(ids, demo_app, caught):
    from zhurnal.plugins.diary import signals
    from zhurnal.core.db import utcnow
    from zhurnal.plugins.diary.models import Visit
    with demo_app.app_context():
        Visit.update(last_at=utcnow() - dt.timedelta(hours=2)).where(Visit.student == ids["student1"]).execute()
    got = caught(signals.diary_viewed)
    c = login(demo_app, "student1")
    c.get(f"/api/v1/students/{ids['student1']}/diary")
    c.get(f"/api/v1/students/{ids['student1']}/diary?week={LAST_WEEK.isoformat()}")
    c.get(f"/diary/students/{ids['student1']}")
    assert len(got) == 1
    assert got[0]["student_id"] == ids["student1"] and got[0]["role"] == "student" and got[0]["school_id"] == ids["school"]


def _add_students(app, n: int) -> None:
    """Make 5А much bigger: ``n`` more students, each with marks this week."""
    from zhurnal.plugins.roster import service as roster
    from zhurnal.plugins.roster.models import SchoolClass
    with app.test_request_context():
        cls = SchoolClass.get_by_id(app.config["_class_5a"])
        new = [roster.create_student(cls.school_id, cls, {"last_name": f"Новиков{i}", "first_name": "Пётр"})
               for i in range(n)]
    for st in new[:10]:
        give_mark(app, st.id, TODAY - dt.timedelta(days=1), "3")


def test_week_view_runs_a_constant_number_of_queries(ids, demo_app):
    c = login(demo_app, "parent1")
    url = f"/api/v1/students/{ids['student1']}/diary"
    c.get(url)  # the visit starts (a write); measured requests are reads within it
    counts = []
    for week in (THIS_WEEK, LAST_WEEK, dt.date(2026, 10, 5)):
        with count_queries() as q:
            assert c.get(f"{url}?week={week.isoformat()}").status_code == 200
        counts.append(q.count)
    c.get(f"/api/v1/students/{ids['sibling']}/diary?week={LAST_WEEK.isoformat()}")
    # the sibling's first view started a visit; this one is a plain read in another class
    with count_queries() as q:
        c.get(f"/api/v1/students/{ids['sibling']}/diary?week={LAST_WEEK.isoformat()}")
    counts.append(q.count)
    demo_app.config["_class_5a"] = ids["class_5a"]
    _add_students(demo_app, 40)
    for i in range(3):
        give_mark(demo_app, ids["student1"], TODAY - dt.timedelta(days=i + 1), "5")
    with count_queries() as q:
        c.get(f"{url}?week={THIS_WEEK.isoformat()}")
    counts.append(q.count)
    assert len(set(counts)) == 1, counts
    # 15 today: the request's user, school and roles and the student (4), the week (6: lessons,
    # marks, attendance, remarks, timetable, holidays), the visit (1), the news (3), acknowledgements (1)
    assert counts[0] <= 16, counts


def test_page_views_run_a_constant_number_of_queries(ids, demo_app):
    c = login(demo_app, "parent1")
    c.get(f"/diary/students/{ids['student1']}")
    c.get(f"/diary/students/{ids['sibling']}")
    counts = []
    for sid, week in ((ids["student1"], THIS_WEEK), (ids["student1"], LAST_WEEK), (ids["sibling"], LAST_WEEK)):
        with count_queries() as q:
            assert c.get(f"/diary/students/{sid}?week={week.isoformat()}").status_code == 200
        counts.append(q.count)
    assert len(set(counts)) == 1, counts
    assert counts[0] <= 18, counts  # the API's 15, the child switcher, the menu's unread count


def test_planned_days_show_the_days_changes(ids, demo_app):
    """A future week has no lesson records: the timetable's slots show, with a cancellation
    and a substitute named on their day only."""
    from zhurnal.plugins.journal import service as journal
    from zhurnal.plugins.roster.models import Student
    day = dt.date(2026, 12, 8)  # a Tuesday beyond the demo's planned lessons
    with demo_app.test_request_context():
        st = Student.get_by_id(ids["student1"])
        slots = [e for e in journal.timetable_for_student(st) if e.weekday == day.isoweekday()]
        first, second = slots[0], slots[1]
        journal.set_timetable_change(first, day, "cancelled", note="Олимпиада")
        journal.set_timetable_change(second, day, "substitution", teacher=user("klass6a"), note="Замена")
        journal.set_timetable_change(second, day + dt.timedelta(days=7), "room", room="41")
    week = login(demo_app, "parent1").get(f"/api/v1/students/{ids['student1']}/diary?week={day.isoformat()}").get_json()
    tuesday = next(d for d in week["days"] if d["date"] == day.isoformat())
    assert [x["number"] for x in tuesday["lessons"]] == [e.number for e in slots]
    assert all(x["planned"] for x in tuesday["lessons"])
    assert tuesday["lessons"][0]["cancelled"] and tuesday["lessons"][0]["change"]["note"] == "Олимпиада"
    assert tuesday["lessons"][1]["teacher"] == "Тарасов Евгений Павлович"
    assert tuesday["lessons"][1]["change"]["kind"] == "substitution" and tuesday["lessons"][1]["room"] != "41"
    wednesday = next(d for d in week["days"] if d["date"] == (day + dt.timedelta(days=1)).isoformat())
    assert not any(x["change"] for x in wednesday["lessons"])


def test_the_week_checks_access_once(ids, demo_app, monkeypatch):
    """One access check per week request (plugins/diary/access.py: reader), passed down to what
    builds the week; the family's and the staff's readings alike."""
    from zhurnal.core import access
    from zhurnal.plugins.diary import access as diary_access
    asked, readers = [], []
    can, reader = access.can, diary_access.reader

    def counting_can(user, perm, obj=None):
        asked.append(perm)
        return can(user, perm, obj)

    def counting_reader(*args, **kw):
        readers.append(args)
        return reader(*args, **kw)
    monkeypatch.setattr(access, "can", counting_can)
    monkeypatch.setattr(diary_access, "reader", counting_reader)
    for login_name in ("parent1", "klass5a"):
        c = login(demo_app, login_name)
        asked.clear(), readers.clear()
        r = c.get(f"/api/v1/students/{ids['student1']}/diary?week={LAST_WEEK.isoformat()}")
        assert r.status_code == 200, login_name
        assert asked == ["diary.week.read"] and len(readers) == 1, (login_name, asked)
    assert r.get_json()["can_acknowledge"] is False  # staff
    monkeypatch.undo()
    # why no second check is needed: a reader may acknowledge exactly when the permission says so
    from flask import g
    from zhurnal.plugins.roster.models import Student
    with demo_app.test_request_context():
        for login_name in ("parent1", "parent2", "student1", "klass5a", "director"):
            g.user = user(login_name)
            for st in Student.select().where(Student.id.in_([ids["student1"], ids["sibling"], ids["parent2_child"]])):
                if access.can(g.user, "diary.week.read", st):
                    assert diary_access.Reader(g.user, st).may_acknowledge == access.can(
                        g.user, "diary.acknowledge", st), (login_name, st.id)


def test_diary_pages_take_their_styles_from_one_stylesheet_the_browser_keeps(demo_app, ids, as_user):
    """The diary's styles are a file of their own (static/diary.css), linked from each page, not
    repeated inside every page; it is served to a logged-in user with an hour of caching."""
    c = as_user("parent1")
    for path in (f"/diary/students/{ids['student1']}", f"/diary/students/{ids['student1']}/marks",
                 f"/diary/students/{ids['student1']}/calendar", "/diary/messages", "/diary/help"):
        html = c.get(path).get_data(as_text=True)
        assert '<link rel="stylesheet" href="/diary/static/diary.css">' in html, path
        assert ".dy-day {" not in html, path
    r = c.get("/diary/static/diary.css")
    assert r.status_code == 200 and r.mimetype == "text/css"
    assert ".dy-day {" in r.get_data(as_text=True) and "max-age=3600" in r.headers["Cache-Control"]
    anonymous = demo_app.test_client().get("/diary/static/diary.css")
    assert anonymous.status_code in (302, 401)
