"""Health sheet pages, navigation, the student card section, and the plugin switched off for a school."""
from __future__ import annotations

import re

from flask import g

from tests.conftest import login

from .conftest import last_audit_id, reads


def _nav(client) -> str:
    html = client.get("/account").get_data(as_text=True)  # any page with the layout
    m = re.search(r'<nav class="mainnav".*?</nav>', html, re.S)
    return m.group(0) if m else ""


def test_navigation_only_for_those_who_may_read(demo_app):
    for who in ("nurse", "director", "klass5a", "fizruk", "parent1", "student1"):
        assert "/health_sheet/" in _nav(login(demo_app, who)), who
    for who in ("teacher", "deputy", "admin", "support"):
        assert "/health_sheet/" not in _nav(login(demo_app, who)), who
    assert "Лист здоровья" in _nav(login(demo_app, "nurse"))


def test_index_lists_what_each_user_may_open(demo_app, hs):
    text = login(demo_app, "nurse").get("/health_sheet/").get_data(as_text=True)
    assert all(f"/health_sheet/classes/{c}" in text for c in (hs["class_5a"], hs["class_6b"]))
    text = login(demo_app, "klass5a").get("/health_sheet/").get_data(as_text=True)
    assert f"/health_sheet/classes/{hs['class_5a']}" in text and f"/health_sheet/classes/{hs['class_6b']}" not in text
    text = login(demo_app, "fizruk").get("/health_sheet/").get_data(as_text=True)
    assert "только физкультурные группы" in text
    text = login(demo_app, "parent1").get("/health_sheet/").get_data(as_text=True)
    assert f"/health_sheet/students/{hs['student1']}" in text and f"/health_sheet/students/{hs['sibling']}" in text
    assert "/health_sheet/classes/" not in text
    assert login(demo_app, "teacher").get("/health_sheet/").status_code == 403


def test_pages_show_each_role_its_part_and_audit_it(demo_app, hs):
    since = last_audit_id(demo_app)
    s1 = hs["student1"]
    nurse = login(demo_app, "nurse").get(f"/health_sheet/students/{s1}").get_data(as_text=True)
    assert "Цитрусовые" in nurse and "История изменений" in nurse and 'name="version"' in nurse
    parent = login(demo_app, "parent1").get(f"/health_sheet/students/{s1}")
    text = parent.get_data(as_text=True)
    assert parent.status_code == 200 and "Цитрусовые" in text and 'name="version"' not in text  # read only
    pe = login(demo_app, "fizruk").get(f"/health_sheet/students/{s1}").get_data(as_text=True)
    assert "Цитрусовые" not in pe and "Группа здоровья" not in pe and "Физкультурная группа" in pe
    assert "Медицинские справки" not in pe
    login(demo_app, "nurse").get(f"/health_sheet/classes/{hs['class_6b']}")
    login(demo_app, "nurse").get(f"/health_sheet/classes/{hs['class_6b']}/print")
    assert login(demo_app, "parent2").get(f"/health_sheet/students/{s1}").status_code == 404
    got = [(e.login, e.payload["via"], e.payload["view"], len(e.payload["students"])) for e in reads(demo_app, since)]
    assert got == [("nurse", "health_sheet.student_sheet", "full", 1), ("parent1", "health_sheet.student_sheet", "full", 1),
                   ("fizruk", "health_sheet.student_sheet", "pe", 1), ("nurse", "health_sheet.class_sheet", "full", 25),
                   ("nurse", "health_sheet.class_print", "full", 25)]


def test_print_page_is_print_friendly(demo_app, hs):
    r = login(demo_app, "klass5a").get(f"/health_sheet/classes/{hs['class_5a']}/print")
    text = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "@media print" in text and "@page" in text and "data-print" in text
    assert "Лист здоровья 5А" in text and "Классный руководитель" in text
    assert text.count("<tr>") == 26  # the header row and 25 students


def test_edit_form_saves_and_refuses_stale_edits(demo_app, hs):
    demo_app.config["WTF_CSRF_ENABLED"] = False
    c = login(demo_app, "klass5a")
    sid = hs["other_5a"]
    version = c.get(f"/api/v1/students/{sid}/health").get_json()["version"]
    form = {"version": str(version), "health_group": "1", "pe_group": "preparatory", "pe_valid_from": "2026-11-01",
            "pe_valid_to": "2026-12-31", "pe_limits": "Без прыжков", "recommendations": "", "allergies": "Мёд",
            "notes": ""}
    r = c.post(f"/health_sheet/students/{sid}", data=form)
    assert r.status_code == 302
    now = c.get(f"/api/v1/students/{sid}/health").get_json()
    assert (now["version"], now["pe_group"], now["allergies"], now["source"]) == \
        (version + 1, "preparatory", "Мёд", "nurse_data")
    # the sheet and its history say who entered it and that it came from the nurse's data
    page = c.get(f"/health_sheet/students/{sid}").get_data(as_text=True)
    assert "Иванова Ольга Николаевна (классный руководитель по данным медсестры)" in page
    assert page.count("по данным медсестры") >= 2  # the sheet and the newest version in the history
    # the same form again (old version): refused, nothing overwritten
    r = c.post(f"/health_sheet/students/{sid}", data=dict(form, allergies="Пыльца"))
    assert r.status_code == 409 and "изменил другой пользователь" in r.get_data(as_text=True)
    assert c.get(f"/api/v1/students/{sid}/health").get_json()["allergies"] == "Мёд"
    # invalid input: the form comes back with the message
    r = c.post(f"/health_sheet/students/{sid}", data=dict(form, version=str(version + 1), pe_valid_to="2026-10-01"))
    assert r.status_code == 422 and "Окончание срока раньше его начала" in r.get_data(as_text=True)
    assert login(demo_app, "director").post(f"/health_sheet/students/{sid}", data=form).status_code == 403


def test_form_shown_again_after_an_error_keeps_the_loaded_version(demo_app, hs):
    """An invalid form comes back with the version the editor loaded: if someone saved meanwhile,
    correcting and resending it is refused (409), not written over the other change."""
    demo_app.config["WTF_CSRF_ENABLED"] = False
    sid = hs["other_5a"]
    klass, nurse = login(demo_app, "klass5a"), login(demo_app, "nurse")
    loaded = klass.get(f"/api/v1/students/{sid}/health").get_json()["version"]
    assert nurse.put(f"/api/v1/students/{sid}/health",
                     json={"version": loaded, "health_group": 3, "pe_group": "main", "notes": "от медсестры"}
                     ).status_code == 200
    form = {"version": str(loaded), "health_group": "1", "pe_group": "main", "pe_valid_from": "2026-12-01",
            "pe_valid_to": "2026-11-01"}
    r = klass.post(f"/health_sheet/students/{sid}", data=form)
    assert r.status_code == 422
    assert f'name="version" value="{loaded}"' in r.get_data(as_text=True)
    r = klass.post(f"/health_sheet/students/{sid}", data=dict(form, pe_valid_to="2026-12-31"))
    assert r.status_code == 409
    assert klass.get(f"/api/v1/students/{sid}/health").get_json()["notes"] == "от медсестры"


def test_certificates_on_the_page(demo_app, hs):
    demo_app.config["WTF_CSRF_ENABLED"] = False
    c = login(demo_app, "nurse")
    sid = hs["other_5a"]
    r = c.post(f"/health_sheet/students/{sid}/certificates",
               data={"date_from": "2026-11-16", "date_to": "2026-11-18", "issued_by": "ДГП № 2", "number": "77",
                     "reason": "injury"})
    assert r.status_code == 302
    certs = c.get(f"/api/v1/students/{sid}/medical-certificates").get_json()["items"]
    assert certs[0]["reason"] == "injury" and certs[0]["source"] == "nurse"
    r = c.post(f"/health_sheet/students/{sid}/certificates", data={"date_from": "2026-11-16", "date_to": "2026-11-01",
                                                                  "issued_by": "ДГП"})
    assert r.status_code == 422 and "раньше даты начала" in r.get_data(as_text=True)
    assert c.post(f"/health_sheet/certificates/{certs[0]['id']}/remove").status_code == 302
    page = c.get(f"/health_sheet/students/{sid}").get_data(as_text=True)
    assert "удалена" in page  # kept, shown as removed


def test_student_card_section(demo_app, hs):
    from zhurnal.core.identity.models import User
    from zhurnal.core.ui import collect
    from zhurnal.plugins.roster.models import Student
    since = last_audit_id(demo_app)
    with demo_app.test_request_context("/roster/students/card"):
        st = Student.get_by_id(hs["student1"])
        for who, expect in (("nurse", "Цитрусовые"), ("fizruk", None), ("teacher", None), ("parent2", None)):
            g.user = User.get(User.login == who)
            g.school = st.school
            sections = collect("zhurnal_student_card_sections", student=st, user=g.user)
            if who == "fizruk":
                html = sections[0].render()
                assert "Цитрусовые" not in html and "Физкультурная группа" in html
            elif expect:
                assert expect in sections[0].render() and sections[0].title == "Здоровье"
            else:
                assert sections == [], who
    got = [(e.login, e.payload["view"]) for e in reads(demo_app, since)]
    assert got == [("nurse", "full"), ("fizruk", "pe")]
    assert reads(demo_app, since)[0].payload["via"].startswith("student_card")


def test_switched_off_for_the_school(demo_app, hs):
    """Off for the school: every route answers 404, the menu item and the card section are gone; data stays."""
    admin = login(demo_app, "admin")
    assert admin.put(f"/api/v1/schools/{hs['school']}/plugins/health_sheet", json={"enabled": False}).status_code == 200
    nurse = login(demo_app, "nurse")
    for url in (f"/api/v1/students/{hs['student1']}/health", f"/api/v1/classes/{hs['class_5a']}/health",
                f"/api/v1/students/{hs['student1']}/medical-certificates", "/health_sheet/",
                f"/health_sheet/classes/{hs['class_5a']}", f"/health_sheet/students/{hs['student1']}"):
        assert nurse.get(url).status_code == 404, url
    assert nurse.put(f"/api/v1/students/{hs['student1']}/health", json={"version": 1}).status_code == 404
    assert nurse.delete(f"/api/v1/medical-certificates/{hs['ill_cert']}").status_code == 404
    assert "/health_sheet/" not in _nav(nurse)
    from zhurnal.core.identity.models import User
    from zhurnal.core.ui import collect
    from zhurnal.plugins.roster.models import Student
    with demo_app.test_request_context("/"):
        st = Student.get_by_id(hs["student1"])
        g.user, g.school = User.get(User.login == "nurse"), st.school
        assert collect("zhurnal_student_card_sections", student=st, user=g.user) == []
    # back on: the data is still there
    admin.put(f"/api/v1/schools/{hs['school']}/plugins/health_sheet", json={"enabled": True})
    assert nurse.get(f"/api/v1/students/{hs['student1']}/health").get_json()["allergies"] == "Цитрусовые"


def test_english_ui(demo_app, hs):
    c = login(demo_app, "nurse")
    text = c.get(f"/health_sheet/classes/{hs['class_5a']}?lang=en").get_data(as_text=True)
    assert "Health sheet of 5А" in text and "preparatory" in text
