"""The same class list through the web page (preview, mapping, dry run, import), the CLI, the class
API and the school-wide API: the same pupils, guardians and links."""
from __future__ import annotations

import base64
import io
import json
import re

import pytest
from click.testing import CliRunner

from tests.conftest import login
from tests.plugins.roster.test_import_layouts import S1, S2, csv_file

ROWS = [["Класс", "Фам.", "Имя", "Дата рождения", "СНИЛС", "ФИО матери", "Телефон матери", "Паспорт"],
        ["5 «А»", "ветрова", "Яна", "02.03.2015", S1, "Ветрова Инна Олеговна", "8 (910) 555-11-22", "2800 123456"],
        ["5А", "Ветров", "Ян", "02.03.2016", S2, "ВЕТРОВА ИННА ОЛЕГОВНА", "+7 910 555 11 22", ""]]
MAPPING = {"Фам.": "last_name"}


def outcome(app) -> dict:
    from zhurnal.plugins.roster.models import Guardian, Student, StudentGuardian
    with app.app_context():
        kids = {s.full_name: (s.school_class.name, s.snils) for s in
                Student.select().where(Student.last_name.in_(["Ветров", "Ветрова"]))}
        inna = list(Guardian.select().where(Guardian.last_name == "Ветрова"))
        links = sorted((l.student.full_name, l.relation) for l in
                       StudentGuardian.select().where(StudentGuardian.guardian.in_([g.id for g in inna])))
        return {"kids": kids, "guardians": [(g.full_name, g.phone) for g in inna], "links": links}


EXPECTED = {"kids": {"Ветрова Яна": ("5А", f"{S1[:3]}-{S1[3:6]}-{S1[6:9]} {S1[9:]}"),
                     "Ветров Ян": ("5А", f"{S2[:3]}-{S2[3:6]}-{S2[6:9]} {S2[9:]}")},
            "guardians": [("Ветрова Инна Олеговна", "+79105551122")],
            "links": [("Ветров Ян", "mother"), ("Ветрова Яна", "mother")]}


def test_web_preview_mapping_dry_run_and_import(demo_app, ids):
    demo_app.config["WTF_CSRF_ENABLED"] = False
    c = login(demo_app, "admin")
    data = csv_file(ROWS)
    r = c.post("/roster/import", data={"file": (io.BytesIO(data), "5а.csv"), "action": "preview"},
               content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "Не найдена строка заголовков" in html and "«Фам.»" in html
    # the preview could not even find a header: the user maps the caption through the API-equivalent form
    payload = base64.b64encode(data).decode()
    form = {"payload": payload, "filename": "5а.csv", "mapped": "1", "columns": "8", "save_mapping": "1",
            "action": "check"}
    for i, caption in enumerate(ROWS[0]):
        form[f"caption-{i}"] = caption
        form[f"map-{i}"] = {"Фам.": "last_name", "Класс": "class", "Имя": "first_name", "Дата рождения": "birth_date",
                            "СНИЛС": "snils", "ФИО матери": "m_full_name", "Телефон матери": "m_phone"}.get(caption, "")
    r = c.post("/roster/import", data=form)
    html = r.get_data(as_text=True)
    assert r.status_code == 200, html
    assert 'id="preview"' in html and 'data-caption="Фам." data-key="last_name"' in html
    assert "Только проверка" in html or "будет добавлено учеников — 2" in html
    assert outcome(demo_app)["kids"] == {}  # a dry run wrote nothing
    for odd in ({"columns": "x"}, {"columns": "99999999999"}, {"payload": "%%%"}, {"map-0": "nonsense"}):
        assert c.post("/roster/import", data=dict(form, **odd)).status_code in (200, 422), odd
    r = c.post("/roster/import", data=dict(form, action="import"))
    assert r.status_code == 200 and "Загружено строк: 2" in r.get_data(as_text=True)
    assert outcome(demo_app) == EXPECTED
    # the mapping is remembered: the next upload of such a file is read at once
    from zhurnal.plugins.roster.importer import saved_mapping
    from zhurnal.core.identity.models import School
    with demo_app.app_context():
        assert saved_mapping(School.get()) == {"фам": "last_name"}
    r = c.post("/roster/import", data={"file": (io.BytesIO(data), "5а.csv")}, content_type="multipart/form-data")
    assert r.status_code == 200 and 'data-caption="Фам." data-key="last_name"' in r.get_data(as_text=True)


@pytest.mark.parametrize("channel", ["cli", "class_api", "school_api"])
def test_cli_and_api_give_the_same_result(demo_app, ids, tmp_path, channel):
    data = csv_file(ROWS)
    if channel == "cli":
        from zhurnal.core.identity.models import School
        from zhurnal.plugins.roster.importer import save_mapping
        with demo_app.app_context():
            save_mapping(School.get(), {"Фам.": "last_name"})
        path = tmp_path / "5a.csv"
        path.write_bytes(data)
        from zhurnal.core.cli import main
        r = CliRunner().invoke(main, ["import", "students", str(path)], obj={"app": demo_app})
        assert r.exit_code == 0, r.output
        assert "Загружено строк: 2" in r.output and "«Паспорт»" in r.output
    else:
        c = login(demo_app, "admin")
        url = (f"/api/v1/classes/{ids['class_5a']}/import" if channel == "class_api"
               else f"/api/v1/schools/{ids['school']}/import")
        r = c.post(url, data={"file": (io.BytesIO(data), "5a.csv"), "mapping": json.dumps(MAPPING)},
                   content_type="multipart/form-data")
        assert r.status_code == 200, r.get_json()
        body = r.get_json()
        assert body["written"] and body["created"] == 2 and body["guardians"] == 1
        assert {"caption": "Паспорт", "key": "-"} in body["columns"]
    assert outcome(demo_app) == EXPECTED


def test_api_refusals(demo_app, ids, as_user):
    c = as_user("admin")
    url = f"/api/v1/schools/{ids['school']}/import"
    bad = csv_file(ROWS[:2] + [["5А", "Ветров", "Ян", "02.03.2016", S2[:-1] + "9", "", "", ""]])
    r = c.post(url, data={"file": (io.BytesIO(bad), "5a.csv"), "mapping": json.dumps(MAPPING)},
               content_type="multipart/form-data")
    assert r.status_code == 422
    err = r.get_json()["error"]
    assert [e["row"] for e in err["errors"]] == [3] and err["errors"][0]["column"] == "СНИЛС"
    r = c.post(url, data={"file": (io.BytesIO(bad), "5a.csv"), "mapping": "[1]"}, content_type="multipart/form-data")
    assert r.status_code == 422 and "mapping" in r.get_json()["error"]["fields"]
    r = c.post(url, data={"file": (io.BytesIO(bad), "5a.csv"), "mapping": json.dumps({"Фам.": "passport"})},
               content_type="multipart/form-data")
    assert r.status_code == 422 and "mapping" in r.get_json()["error"]["fields"]
    assert as_user("klass5a").post(url, data={}).status_code == 403
    assert as_user("parent1").post(url, data={}).status_code in (403, 404)


def test_snils_on_the_card_for_those_who_may_see_personal_data(demo_app, ids, as_user):
    c = as_user("klass5a")
    st = c.get(f"/api/v1/students/{ids['other_5a']}").get_json()
    r = c.patch(f"/api/v1/students/{ids['other_5a']}", json={"version": st["version"], "snils": S1})
    assert r.status_code == 200 and r.get_json()["snils"] == f"{S1[:3]}-{S1[3:6]}-{S1[6:9]} {S1[9:]}"
    r = c.patch(f"/api/v1/students/{ids['other_5a']}", json={"version": r.get_json()["version"],
                                                               "snils": S1[:-1] + str((int(S1[-1]) + 1) % 10)})
    assert r.status_code == 422 and "snils" in r.get_json()["error"]["fields"]
    from zhurnal.plugins.roster.models import Student
    from tests.plugins.roster.conftest import audit_since, last_audit_id
    admin = as_user("admin")
    since = last_audit_id(demo_app)
    assert S1[-2:] in admin.get(f"/api/v1/students/{ids['other_5a']}").get_json()["snils"]
    assert [(e.action, e.object_id) for e in audit_since(demo_app, since)] == [("roster.student.read", str(ids["other_5a"]))]
    # the class list (no personal data) does not carry it; a subject teacher does not see the card
    listed = as_user("teacher").get(f"/api/v1/classes/{ids['class_5a']}/students").get_json()
    assert all("snils" not in s for s in listed["items"])
    assert as_user("teacher").get(f"/api/v1/students/{ids['other_5a']}").status_code == 403
    page = as_user("admin").get(f"/roster/students/{ids['other_5a']}").get_data(as_text=True)
    assert re.search(r'id="snils">\d{3}-\d{3}-\d{3} \d{2}<', page)
    with demo_app.app_context():
        assert Student.get_by_id(ids["other_5a"]).snils.endswith(S1[-2:])
