"""The school's calendar and structure kept by the administration: a new school year with quarters,
trimesters or half-years, holidays, subjects and classes (API and the «Школа» page)."""
from __future__ import annotations

import datetime as dt
import re

from zhurnal.plugins.roster import service
from zhurnal.plugins.roster.models import AcademicYear, Holiday, Period, SchoolClass, Subject
from tests.conftest import login
from tests.plugins.roster.conftest import audit_since, count, last_audit_id

TRIMESTERS = {"start": "2027-09-01", "end": "2028-05-31", "period_kind": "trimesters",
              "periods": [{"start": "2027-09-01", "end": "2027-11-30"}, {"start": "2027-12-01", "end": "2028-02-29"},
                          {"start": "2028-03-01", "end": "2028-05-31"}]}


def test_next_school_year_with_trimesters_holidays_and_subjects_through_the_api(as_user, demo_app, ids):
    d = as_user("deputy")
    since = last_audit_id(demo_app)
    r = d.post("/api/v1/years", json=TRIMESTERS)
    assert r.status_code == 201, r.get_json()
    year = r.get_json()
    assert year["name"] == "2027/2028" and year["period_kind"] == "trimesters" and year["current"] is False
    assert [(p["name"], p["start"], p["end"]) for p in year["periods"]] == [
        ("1 триместр", "2027-09-01", "2027-11-30"), ("2 триместр", "2027-12-01", "2028-02-29"),
        ("3 триместр", "2028-03-01", "2028-05-31")]
    assert d.post("/api/v1/years", json=TRIMESTERS).status_code == 409
    # the year the journal will find on a day of it
    with demo_app.app_context():
        nxt = service.current_year(ids["school"], dt.date(2027, 12, 10))
        assert nxt.id == year["id"] and service.period_for(ids["school"], dt.date(2027, 12, 10)).number == 2
        assert service.current_year(ids["school"]).name == "2026/2027"  # today is still in this year

    r = d.post(f"/api/v1/years/{year['id']}/holidays", json={"name": "Осенние каникулы", "start": "2027-10-26",
                                                             "end": "2027-11-03"})
    assert r.status_code == 201 and r.get_json()["end"] == "2027-11-03"
    one_day = d.post(f"/api/v1/years/{year['id']}/holidays", json={"name": "День народного единства",
                                                                   "start": "2027-11-04"}).get_json()
    assert one_day["start"] == one_day["end"] == "2027-11-04"
    got = d.get(f"/api/v1/years/{year['id']}").get_json()
    assert [h["name"] for h in got["holidays"]] == ["Осенние каникулы", "День народного единства"]
    assert as_user("parent1").get(f"/api/v1/years/{year['id']}").status_code == 200  # holidays are for families too
    assert d.delete(f"/api/v1/holidays/{one_day['id']}").status_code == 204
    assert d.delete(f"/api/v1/holidays/{one_day['id']}").status_code == 404

    r = d.post("/api/v1/subjects", json={"name": "Информатика", "short_name": "Инф."})
    assert r.status_code == 201 and r.get_json()["short_name"] == "Инф."
    assert d.post("/api/v1/subjects", json={"name": "Информатика"}).status_code == 409
    assert "Информатика" in {s["name"] for s in d.get("/api/v1/subjects?per_page=100").get_json()["items"]}

    r = d.post("/api/v1/classes", json={"year_id": year["id"], "parallel": 5, "letter": "в"})
    assert r.status_code == 201 and r.get_json()["name"] == "5В" and r.get_json()["year_id"] == year["id"]

    assert [e.action for e in audit_since(demo_app, since) if e.login == "deputy"] == [
        "roster.year.create", "roster.holiday.create", "roster.holiday.create", "roster.holiday.remove",
        "roster.subject.create", "roster.class.create"]


def test_calendar_mistakes_are_field_errors_and_write_nothing(as_user, demo_app):
    d = as_user("deputy")
    years, periods = count(demo_app, AcademicYear), count(demo_app, Period)

    def bad(**change):
        r = d.post("/api/v1/years", json={**TRIMESTERS, **change})
        assert r.status_code == 422, (change, r.status_code)
        return r.get_json()["error"]["fields"]

    assert bad(periods=TRIMESTERS["periods"][:2]) == {"periods": "Укажите даты всех учебных периодов этого вида."}
    assert bad(period_kind="quarters") == {"periods": "Укажите даты всех учебных периодов этого вида."}
    overlap = [dict(p) for p in TRIMESTERS["periods"]]
    overlap[1]["start"] = "2027-11-15"
    assert bad(periods=overlap) == {"periods.1": "Учебные периоды должны идти друг за другом и не пересекаться."}
    outside = [dict(p) for p in TRIMESTERS["periods"]]
    outside[2]["end"] = "2028-06-30"
    assert bad(periods=outside) == {"periods.2": "Учебные периоды должны быть внутри учебного года."}
    assert bad(end="2027-08-01") == {"end": "Окончание должно быть позже начала."}
    assert set(bad(start="1 сентября")) == {"start"}
    assert bad(period_kind="semesters") == {"period_kind": "Выберите одно из предложенных значений."}
    # the dates of this school year
    assert bad(start="2026-09-01", end="2027-05-31", period_kind="halves", name="2026/2027 bis",
               periods=[{"start": "2026-09-01", "end": "2026-12-28"}, {"start": "2027-01-12", "end": "2027-05-31"}]) == {
        "start": "Даты пересекаются с другим учебным годом."}
    assert (count(demo_app, AcademicYear), count(demo_app, Period)) == (years, periods)

    current = d.get("/api/v1/years").get_json()["items"][0]
    assert current["current"] is True
    r = d.post(f"/api/v1/years/{current['id']}/holidays", json={"name": "Лето", "start": "2027-07-01"})
    assert r.status_code == 422 and r.get_json()["error"]["fields"] == {"start": "Каникулы должны быть внутри учебного года."}
    r = d.post(f"/api/v1/years/{current['id']}/holidays", json={"name": "Наоборот", "start": "2027-02-10",
                                                                "end": "2027-02-01"})
    assert r.status_code == 422 and set(r.get_json()["error"]["fields"]) == {"end"}
    assert d.post(f"/api/v1/years/{current['id']}/holidays", json={"start": "2027-02-10"}).status_code == 422
    assert d.post("/api/v1/subjects", json={"name": "  "}).status_code == 422
    # not theirs to change
    for who in ("teacher", "klass5a", "nurse", "parent1"):
        assert as_user(who).post("/api/v1/years", json=TRIMESTERS).status_code == 403, who
        assert as_user(who).post(f"/api/v1/years/{current['id']}/holidays",
                                 json={"name": "x", "start": "2027-02-10"}).status_code == 403, who
    assert as_user("deputy").get("/api/v1/years/999999").status_code == 404


def test_school_page_adds_a_year_a_holiday_a_subject_and_a_class(pages, ids):
    d = login(pages, "deputy")
    form = {"start": "2027-09-01", "end": "2028-05-31", "period_kind": "halves",
            "p1_start": "2027-09-01", "p1_end": "2027-12-28", "p2_start": "2028-01-12", "p2_end": ""}
    r = d.post("/roster/school/years", data=form)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    errors = re.search(r'data-errors="year">(.*?)</ul>', html, re.S).group(1)
    assert "Введите правильную дату." in errors  # the end of the 2nd half-year is missing
    assert 'value="2028-01-12"' in html  # what was typed stays
    r = d.post("/roster/school/years", data=dict(form, p2_end="2028-05-31"))
    assert r.status_code == 302
    with pages.app_context():
        year = AcademicYear.get(AcademicYear.name == "2027/2028")
    page = d.get(r.headers["Location"]).get_data(as_text=True)
    assert "Учебный год 2027/2028 добавлен." in page and "1 полугодие" in page and "2 полугодие" in page

    r = d.post(f"/roster/school/years/{year.id}/holidays", data={"name": "Зимние каникулы", "start": "2027-12-29",
                                                                  "end": "2028-01-11"})
    assert r.status_code == 302
    with pages.app_context():
        h = Holiday.get((Holiday.year == year.id) & (Holiday.name == "Зимние каникулы"))
    assert "Зимние каникулы" in d.get(f"/roster/school?year_id={year.id}").get_data(as_text=True)
    r = d.post(f"/roster/school/years/{year.id}/holidays", data={"name": "Летом", "start": "2028-07-01"})
    assert r.status_code == 422 and "Каникулы должны быть внутри учебного года." in r.get_data(as_text=True)
    assert d.post(f"/roster/school/holidays/{h.id}/delete").status_code == 302
    assert count(pages, Holiday, Holiday.year == year.id) == 0

    assert d.post("/roster/school/subjects", data={"name": "Астрономия", "short_name": "Астр."}).status_code == 302
    r = d.post("/roster/school/subjects", data={"name": "Астрономия"})
    assert r.status_code == 422 and "Такой предмет уже есть." in r.get_data(as_text=True)
    assert count(pages, Subject, Subject.name == "Астрономия") == 1

    r = d.post(f"/roster/school/years/{year.id}/classes", data={"parallel": "1", "letter": "а",
                                                                "teacher_id": str(ids["user_klass5a"])})
    assert r.status_code == 302
    with pages.app_context():
        cls = SchoolClass.get((SchoolClass.year == year.id) & (SchoolClass.parallel == 1))
        assert cls.name == "1А" and cls.class_teacher_id == ids["user_klass5a"]
    r = d.post(f"/roster/school/years/{year.id}/classes", data={"parallel": "1", "letter": "А"})
    assert r.status_code == 422 and "Такой класс в этом учебном году уже есть" in r.get_data(as_text=True)
    r = d.post(f"/roster/school/years/{year.id}/classes", data={"parallel": "12", "letter": "А"})
    assert r.status_code == 422

    assert login(pages, "klass5a").post("/roster/school/subjects", data={"name": "Логика"}).status_code == 403
    assert login(pages, "parent1").post(f"/roster/school/years/{year.id}/holidays",
                                        data={"name": "x", "start": "2027-12-01"}).status_code == 403
