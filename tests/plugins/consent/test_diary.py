"""The web diary withholds a child's data from a family member without a standing consent
(a notice instead), unless the school relaxed the web part; with the consent plugin switched
off for the school the diary is as before and the consent routes answer 404."""
from __future__ import annotations

import pytest

from tests.conftest import TODAY, login

from .conftest import ids_of, register

PAGES = ["/diary/students/{sid}", "/diary/students/{sid}/marks", "/diary/students/{sid}/calendar"]
API = ["/api/v1/students/{sid}/diary", "/api/v1/students/{sid}/marks", "/api/v1/students/{sid}/calendar"]


def _visits(app, uid) -> int:
    from zhurnal.plugins.diary.models import Visit
    with app.app_context():
        return Visit.select().where(Visit.user == uid).count()


def _withdraw_parent2(app, ids):
    register(app, ids["guardian_parent2"], "withdrawn", TODAY, "ОТЗ-1")


def test_with_consent_the_diary_shows_the_data(demo_app, cids):
    c = login(demo_app, "parent2")
    for path in PAGES:
        r = c.get(path.format(sid=cids["parent2_child"]))
        assert r.status_code == 200 and 'id="consent-missing"' not in r.get_data(as_text=True)
    for path in API:
        assert c.get(path.format(sid=cids["parent2_child"])).status_code == 200


def test_without_consent_a_guardian_gets_the_notice_and_no_data(demo_app, cids):
    _withdraw_parent2(demo_app, cids)
    c = login(demo_app, "parent2")
    visits = _visits(demo_app, cids["user_parent2"])
    for path in PAGES:
        r = c.get(path.format(sid=cids["parent2_child"]))
        html = r.get_data(as_text=True)
        assert r.status_code == 403 and 'id="consent-missing"' in html
        assert "согласи" in html.lower() and "классному руководителю" in html
        assert 'id="week-range"' not in html
        assert 'class="dy-mark' not in html and 'class="dy-lesson' not in html  # no marks, no lessons
    for path in API:
        r = c.get(path.format(sid=cids["parent2_child"]))
        assert r.status_code == 403 and r.get_json()["error"]["code"] == "consent_required"
    r = c.post(f"/api/v1/students/{cids['parent2_child']}/diary/acknowledgements", json={"week": "2026-11-23"})
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "consent_required"
    assert _visits(demo_app, cids["user_parent2"]) == visits  # no visit noted, no news computed
    # consent registered again: the diary opens at once
    register(demo_app, cids["guardian_parent2"], "granted", TODAY, "С-2")
    r = c.get(f"/diary/students/{cids['parent2_child']}")
    assert r.status_code == 200 and 'id="week-range"' in r.get_data(as_text=True)


def test_consent_is_per_child_in_the_diary(demo_app, cids):
    register(demo_app, cids["guardian_parent1"], "withdrawn", TODAY, student_ids=[cids["sibling"]], by_login="admin")
    c = login(demo_app, "parent1")
    assert c.get(f"/diary/students/{cids['student1']}").status_code == 200
    r = c.get(f"/diary/students/{cids['sibling']}")
    assert r.status_code == 403 and 'id="consent-missing"' in r.get_data(as_text=True)
    assert f'data-student="{cids["student1"]}"' in r.get_data(as_text=True)  # the child switcher stays


def test_a_student_follows_their_guardians(demo_app, cids):
    from zhurnal.plugins.roster import service as roster
    from zhurnal.plugins.roster.models import Student
    with demo_app.app_context():
        family = [g.id for g, _rel in roster.guardians_of(Student.get_by_id(cids["student1"]))]
    for gid in family:
        register(demo_app, gid, "refused", TODAY, student_ids=[cids["student1"]], by_login="admin")
    r = login(demo_app, "student1").get(f"/diary/students/{cids['student1']}")
    assert r.status_code == 403 and "Попроси родителей" in r.get_data(as_text=True)
    assert 'id="consent-missing"' in r.get_data(as_text=True)


def test_staff_are_not_affected(demo_app, cids):
    _withdraw_parent2(demo_app, cids)
    r = login(demo_app, "klass5a").get(f"/diary/students/{cids['parent2_child']}")
    assert r.status_code == 200 and 'id="consent-missing"' not in r.get_data(as_text=True)


def test_a_relaxed_school_shows_the_web_diary_but_the_hook_still_says_no(relaxed_app):
    ids = ids_of(relaxed_app)
    _withdraw_parent2(relaxed_app, ids)
    c = login(relaxed_app, "parent2")
    for path in PAGES:
        r = c.get(path.format(sid=ids["parent2_child"]))
        assert r.status_code == 200 and 'id="consent-missing"' not in r.get_data(as_text=True)
    assert c.get(API[0].format(sid=ids["parent2_child"])).status_code == 200
    ext = relaxed_app.extensions["zhurnal"]
    with relaxed_app.test_request_context("/"):  # outgoing channels ask the same hook: never relaxed
        hooks = ext.plugins.hook_for(ext.school_by_id(ids["school"]))
        assert hooks.zhurnal_consent_granted(user_id=ids["user_parent2"], student_id=ids["parent2_child"]) is False


def test_the_setting_is_validated():
    from zhurnal.core.app import create_app
    from zhurnal.core.config import load_settings
    from zhurnal.core.plugins import PluginError
    from tests.conftest import base_settings
    st = load_settings(base_settings(database_url="sqlite:///:memory:", plugins={
        "enabled": ["roster", "consent"], "consent": {"web_requires_consent": "sometimes"}}), env={})
    with pytest.raises(PluginError, match="plugins.consent.web_requires_consent"):
        create_app(settings=st)


def test_switched_off_for_the_school(demo_app, cids):
    _withdraw_parent2(demo_app, cids)
    admin = login(demo_app, "admin")
    r = admin.put(f"/api/v1/schools/{cids['school']}/plugins/consent", json={"enabled": False})
    assert r.status_code == 200, r.get_json()
    klass = login(demo_app, "klass5a")
    for path in (f"/api/v1/guardians/{cids['guardian_parent1']}/consents", f"/api/v1/classes/{cids['class_5a']}/consents",
                 "/consent/", f"/consent/classes/{cids['class_5a']}", "/consent/form"):
        assert klass.get(path).status_code == 404, path
    assert klass.post(f"/api/v1/guardians/{cids['guardian_parent1']}/consents",
                      json={"status": "refused", "date": "2026-11-25", "document": "N"}).status_code == 404
    assert "/consent/" not in klass.get("/").get_data(as_text=True)  # no menu item, no widget
    # the diary no longer asks: the parent without consent sees the data (the registry is off)
    r = login(demo_app, "parent2").get(f"/diary/students/{cids['parent2_child']}")
    assert r.status_code == 200 and 'id="week-range"' in r.get_data(as_text=True)
    # switched on again: the kept history applies again
    admin.put(f"/api/v1/schools/{cids['school']}/plugins/consent", json={"enabled": True})
    assert login(demo_app, "parent2").get(f"/diary/students/{cids['parent2_child']}").status_code == 403


def test_the_diary_week_asks_with_one_query(demo_app, cids):
    """The consent check adds one indexed query to a guardian's week (the benchmarked page)."""
    from tests.utils import count_queries
    c = login(demo_app, "parent1")
    url = f"/diary/students/{cids['student1']}"
    c.get(url)
    with count_queries() as with_consent:
        assert c.get(url).status_code == 200
    admin = login(demo_app, "admin")
    admin.put(f"/api/v1/schools/{cids['school']}/plugins/consent", json={"enabled": False})
    c.get(url)
    with count_queries() as without:
        assert c.get(url).status_code == 200
    assert with_consent.count - without.count == 1, (with_consent.queries, without.queries)
