"""The roster API: who sees which students, stale edits, validation, audit, guardians, groups, accounts."""
from __future__ import annotations

from zhurnal.plugins.roster.models import (GroupMember, Guardian, SchoolClass, Student, StudentGuardian, StudyGroup,
                                   TeachingAssignment)
from tests.conftest import login
from tests.plugins.roster.conftest import audit_since, count, last_audit_id


def _ids_of(resp) -> set[int]:
    assert resp.status_code == 200, resp.get_json()
    return {s["id"] for s in resp.get_json()["items"]}


# --- who sees whom --------------------------------------------------------------------------------

def test_parents_and_students_see_only_their_own(as_user, ids):
    assert _ids_of(as_user("parent1").get("/api/v1/students")) == {ids["student1"], ids["sibling"]}
    assert _ids_of(as_user("parent2").get("/api/v1/students")) == {ids["parent2_child"]}
    assert _ids_of(as_user("student1").get("/api/v1/students")) == {ids["student1"]}

    p1 = as_user("parent1")
    cards = {i: p1.get(f"/api/v1/students/{i}").get_json() for i in (ids["student1"], ids["sibling"])}
    assert {c["class_name"] for c in cards.values()} == {"5А", "6Б"}
    assert any(gd["has_account"] for gd in cards[ids["student1"]]["guardians"])

    other = as_user("parent2").get(f"/api/v1/students/{ids['student1']}")
    assert other.status_code == 404
    assert cards[ids["student1"]]["last_name"] not in other.get_data(as_text=True)
    assert as_user("student1").get(f"/api/v1/students/{ids['sibling']}").status_code == 404
    # a subject teacher knows the student is there (class lists) but may not open the card
    assert as_user("teacher").get(f"/api/v1/students/{ids['student1']}").status_code == 403
    # a parent does not get a class list, nor other children by filtering
    assert as_user("parent1").get(f"/api/v1/classes/{ids['class_5a']}/students").status_code == 403
    assert _ids_of(as_user("parent1").get(f"/api/v1/students?class_id={ids['class_5a']}")) == {ids["student1"]}


def test_guardian_lists_follow_the_children(as_user, ids, demo_app):
    with demo_app.app_context():
        mine = {g for (g,) in StudentGuardian.select(StudentGuardian.guardian)
                .where(StudentGuardian.student.in_([ids["student1"], ids["sibling"]])).tuples()}
    assert _ids_of(as_user("parent1").get("/api/v1/guardians")) == mine
    assert as_user("parent2").get(f"/api/v1/guardians/{ids['guardian_parent1']}").status_code == 404
    assert as_user("teacher").get("/api/v1/guardians").status_code == 403
    listed = as_user("klass5a").get("/api/v1/guardians?per_page=500").get_json()
    kids = {k["class_name"] for gd in listed["items"] for k in gd["children"]}
    assert "5А" in kids and kids <= {"5А", "6Б"}  # 6Б only through parent1's second child


def test_lists_are_paged_filtered_and_searched(as_user, ids):
    c = as_user("deputy")
    page1 = c.get("/api/v1/students?per_page=10").get_json()
    page2 = c.get("/api/v1/students?per_page=10&page=2").get_json()
    assert page1["total"] == 100 and len(page1["items"]) == 10
    assert not {s["id"] for s in page1["items"]} & {s["id"] for s in page2["items"]}
    in5a = c.get(f"/api/v1/students?class_id={ids['class_5a']}&per_page=500").get_json()
    assert in5a["total"] == 25 and {s["class_name"] for s in in5a["items"]} == {"5А"}
    card = c.get(f"/api/v1/students/{ids['student1']}").get_json()
    found = c.get(f"/api/v1/students?q={card['last_name'].lower()[:4]}").get_json()["items"]
    assert ids["student1"] in {s["id"] for s in found}
    assert all(card["last_name"].lower()[:4] in s["full_name"].lower() for s in found)
    assert c.get("/api/v1/students?per_page=0").status_code == 422
    assert c.get("/api/v1/students?page=x").status_code == 422
    classes = c.get("/api/v1/classes").get_json()
    assert [k["name"] for k in classes["items"]] == ["5А", "5Б", "6А", "6Б"]
    assert classes["items"][0]["class_teacher_name"] == "Иванова Ольга Николаевна"
    assert classes["items"][0]["students"] == 25
    years = as_user("parent1").get("/api/v1/years").get_json()["items"]
    assert years[0]["name"] == "2026/2027" and years[0]["current"]
    assert [p["name"] for p in years[0]["periods"]] == ["1 четверть", "2 четверть", "3 четверть", "4 четверть"]
    assert "Зимние каникулы" in {h["name"] for h in years[0]["holidays"]}
    assert as_user("student1").get("/api/v1/subjects?per_page=100").get_json()["total"] == 13
    teaching = c.get(f"/api/v1/teaching?class_id={ids['class_5a']}&per_page=100").get_json()["items"]
    assert {"Соколова Марина Сергеевна", "Математика"} <= {t["teacher_name"] for t in teaching} | {
        t["subject_name"] for t in teaching}


# --- stale edits ---------------------------------------------------------------------------------------

def test_stale_student_edit_is_refused_with_the_current_data(as_user, ids, demo_app):
    c = as_user("klass5a")
    url = f"/api/v1/students/{ids['other_5a']}"
    v = c.get(url).get_json()["version"]
    ok = c.patch(url, json={"version": v, "address": "г. Тверь, ул. Первая, д. 1"})
    assert ok.status_code == 200 and ok.get_json()["version"] == v + 1
    stale = as_user("deputy").patch(url, json={"version": v, "address": "г. Тверь, ул. Вторая, д. 2"})
    assert stale.status_code == 409
    err = stale.get_json()["error"]
    assert err["code"] == "conflict"
    assert err["current"]["address"] == "г. Тверь, ул. Первая, д. 1" and err["current"]["version"] == v + 1
    with demo_app.app_context():
        assert Student.get_by_id(ids["other_5a"]).address == "г. Тверь, ул. Первая, д. 1"
    assert c.patch(url, json={"address": "x"}).status_code == 422  # the version is required


def test_stale_group_and_class_edits(as_user, ids):
    c = as_user("klass5a")
    url = f"/api/v1/groups/{ids['group_5a_english1']}"
    grp = c.get(url).get_json()
    members = [m["id"] for m in grp["members"]]
    r = c.put(url + "/members", json={"version": grp["version"], "student_ids": members[1:]})
    assert r.status_code == 200 and r.get_json()["member_count"] == len(members) - 1
    again = c.put(url + "/members", json={"version": grp["version"], "student_ids": members})
    assert again.status_code == 409 and len(again.get_json()["error"]["current"]["members"]) == len(members) - 1
    d = as_user("deputy")
    cls = d.get(f"/api/v1/classes/{ids['class_5a']}").get_json()
    assert d.patch(f"/api/v1/classes/{ids['class_5a']}", json={"version": cls["version"], "room": "21"}).status_code == 200
    stale = d.patch(f"/api/v1/classes/{ids['class_5a']}", json={"version": cls["version"], "room": "22"})
    assert stale.status_code == 409 and stale.get_json()["error"]["current"]["room"] == "21"


def test_every_stale_edit_answers_409_with_the_record_as_reading_it_shows_it(as_user, ids):
    """One answer to a stale edit for every roster endpoint: ``conflict``, the roster's message, and
    in ``current`` exactly what a GET of the record returns now."""
    d = as_user("deputy")
    message = "Запись изменил кто-то другой после того, как вы её загрузили. Ничего не сохранено; текущие данные — " \
              "в поле 'current'."
    grp_url = f"/api/v1/groups/{ids['group_5a_english1']}"
    grp = d.get(grp_url).get_json()
    members = [m["id"] for m in grp["members"]]
    cases = [
        ("patch", f"/api/v1/students/{ids['other_5a']}", {"address": "г. Тверь, ул. Новая, д. 3"}),
        ("patch", f"/api/v1/guardians/{ids['guardian_parent1']}", {"phone": "+7 900 000-00-01"}),
        ("patch", f"/api/v1/classes/{ids['class_5a']}", {"room": "31"}),
        ("patch", grp_url, {"name": "5А английский, первая"}),
        ("put", grp_url + "/members", {"student_ids": members[1:]}),
    ]
    for method, url, change in cases:
        read = url.removesuffix("/members")
        version = d.get(read).get_json()["version"]
        assert getattr(d, method)(url, json={"version": version, **change}).status_code == 200, url
        stale = getattr(d, method)(url, json={"version": version, **change})
        assert stale.status_code == 409, url
        err = stale.get_json()["error"]
        assert err["code"] == "conflict" and err["message"] == message and err["fields"] == {}, url
        assert err["current"] == d.get(read).get_json(), url
        assert err["current"]["version"] == version + 1, url


# --- a class teacher and another class -----------------------------------------------------------------------

def test_class_teacher_cannot_change_another_class_through_the_api(as_user, ids, demo_app):
    c = as_user("klass5a")
    with demo_app.app_context():
        st6 = Student.get((Student.school_class == ids["class_6b"]) & (Student.id != ids["sibling"]))
        g6 = StudyGroup.get((StudyGroup.school_class == ids["class_6b"]) & (StudyGroup.kind == "split"))
        before = (st6.address, st6.version, Student.select().count(), GroupMember.select().count())
    assert c.get(f"/api/v1/classes/{ids['class_6b']}/students").status_code == 200  # reading is fine
    assert c.patch(f"/api/v1/students/{st6.id}", json={"version": st6.version, "address": "x"}).status_code == 403
    assert c.post("/api/v1/students", json={"class_id": ids["class_6b"], "last_name": "Новиков",
                                            "first_name": "Иван"}).status_code == 403
    own = c.get(f"/api/v1/students/{ids['other_5a']}").get_json()
    assert c.patch(f"/api/v1/students/{ids['other_5a']}",
                   json={"version": own["version"], "class_id": ids["class_6b"]}).status_code == 403
    assert c.put(f"/api/v1/groups/{g6.id}/members", json={"version": g6.version, "student_ids": []}).status_code == 403
    assert c.post("/api/v1/groups", json={"name": "x", "class_id": ids["class_6b"]}).status_code == 403
    assert c.post(f"/api/v1/students/{st6.id}/account").status_code == 403
    with demo_app.app_context():
        after = Student.get_by_id(st6.id)
        assert (after.address, after.version, Student.select().count(), GroupMember.select().count()) == before
        assert Student.get_by_id(ids["other_5a"]).school_class_id == ids["class_5a"]


def test_deputy_moves_a_student_who_leaves_the_old_class_groups(as_user, ids, demo_app):
    d = as_user("deputy")
    card = d.get(f"/api/v1/students/{ids['other_5a']}").get_json()
    assert any(grp["kind"] == "split" for grp in card["groups"])
    since = last_audit_id(demo_app)
    r = d.patch(f"/api/v1/students/{ids['other_5a']}", json={"version": card["version"], "class_id": ids["class_6b"]})
    assert r.status_code == 200 and r.get_json()["class_name"] == "6Б"
    assert not [grp for grp in r.get_json()["groups"] if grp["kind"] == "split"]
    [entry] = audit_since(demo_app, since, "roster.student.update")
    assert entry.payload["class"] == [ids["class_5a"], ids["class_6b"]] and entry.payload["left_groups"]


# --- validation ------------------------------------------------------------------------------------------------

def test_bad_input_gets_field_messages_never_a_500(as_user, ids):
    c = as_user("klass5a")
    r = c.post("/api/v1/students", json={"class_id": ids["class_5a"], "last_name": "Иванов1", "first_name": " ",
                                         "birth_date": "2030-01-01", "gender": "x", "email": "nope", "phone": "12"})
    assert r.status_code == 422
    fields = r.get_json()["error"]["fields"]
    assert set(fields) == {"last_name", "first_name", "birth_date", "gender", "email", "phone"}
    assert c.post("/api/v1/students", json={"class_id": 999999, "last_name": "А", "first_name": "Б"}).status_code == 422
    assert c.post("/api/v1/students", json={"class_id": ids["class_5a"], "last_name": "А", "first_name": "Б",
                                            "colour": "red"}).get_json()["error"]["fields"] == {"colour": "Неизвестное поле."}
    assert c.post("/api/v1/students", data="last_name=x",
                  content_type="application/x-www-form-urlencoded").status_code == 415
    assert c.get("/api/v1/students/999999").status_code == 404
    assert c.get("/api/v1/groups/999999").status_code == 404
    assert c.patch(f"/api/v1/students/{ids['other_5a']}", json={"version": "abc"}).status_code == 422
    d = as_user("deputy")
    assert d.post("/api/v1/classes", json={"parallel": 5, "letter": "а"}).status_code == 409  # 5А exists
    assert d.post("/api/v1/classes", json={"parallel": 12, "letter": "А"}).status_code == 422
    assert d.post("/api/v1/classes", json={"parallel": 7, "letter": "А", "class_teacher_id": ids["user_parent2"]}
                  ).get_json()["error"]["fields"] == {"class_teacher_id": "В этой школе нет такого учителя."}
    assert d.post("/api/v1/teaching", json={"teacher_id": ids["user_teacher"], "subject_id": ids["subject_math"]}
                  ).status_code == 422


# --- writes are audited ---------------------------------------------------------------------------------------------

def test_writes_and_card_reads_are_audited(as_user, ids, demo_app):
    c = as_user("klass5a")
    since = last_audit_id(demo_app)
    c.get(f"/api/v1/students/{ids['student1']}")
    c.get(f"/api/v1/guardians/{ids['guardian_parent1']}")
    new = c.post("/api/v1/students", json={"class_id": ids["class_5a"], "last_name": "Новикова", "first_name": "Ева",
                                           "birth_date": "2015-03-05", "gender": "f"})
    assert new.status_code == 201
    sid = new.get_json()["id"]
    c.patch(f"/api/v1/students/{sid}", json={"version": 1, "address": "г. Тверь"})
    gd = c.post("/api/v1/guardians", json={"student_id": sid, "last_name": "Новикова", "first_name": "Ольга",
                                           "relation": "mother", "phone": "+7 900 123-45-67"})
    assert gd.status_code == 201 and gd.get_json()["children"][0]["relation"] == "mother"
    gid = gd.get_json()["id"]
    assert c.delete(f"/api/v1/students/{sid}/guardians/{gid}").status_code == 204
    assert c.delete(f"/api/v1/students/{sid}/guardians/{gid}").status_code == 404
    assert c.post(f"/api/v1/students/{sid}/guardians/{gid}", json={"relation": "guardian"}).status_code == 201
    entries = audit_since(demo_app, since)
    actions = [e.action for e in entries]
    for action in ("roster.student.read", "roster.guardian.read", "roster.student.create", "roster.student.update",
                   "roster.guardian.create", "roster.guardian.link", "roster.guardian.unlink"):
        assert action in actions, action
    read = next(e for e in entries if e.action == "roster.student.read")
    assert read.login == "klass5a" and read.object_id == str(ids["student1"]) and read.payload == {"via": "api"}
    upd = next(e for e in entries if e.action == "roster.student.update")
    assert upd.payload == {"address": ["", "г. Тверь"]}
    from zhurnal.core import audit
    with demo_app.app_context():
        assert audit.verify() == []


# --- groups ------------------------------------------------------------------------------------------------------------

def test_groups_split_stream_and_individual(as_user, ids, demo_app):
    k = as_user("klass5a")
    with demo_app.app_context():
        five_a = [s.id for s in Student.select().where(Student.school_class == ids["class_5a"]).limit(3)]
        six = [s.id for s in Student.select().join(SchoolClass).where(SchoolClass.parallel == 6).limit(4)]
        six_b = Student.select().where(Student.school_class == ids["class_6b"]).first().id
    r = k.post("/api/v1/groups", json={"name": "5А проект", "class_id": ids["class_5a"], "student_ids": five_a,
                                       "subject_id": ids["subject_math"]})
    assert r.status_code == 201 and {m["id"] for m in r.get_json()["members"]} == set(five_a)
    assert r.get_json()["subject_name"] == "Математика"
    bad = k.post("/api/v1/groups", json={"name": "x", "class_id": ids["class_5a"], "student_ids": [six_b]})
    assert bad.status_code == 422 and str(six_b) in bad.get_json()["error"]["fields"]["student_ids"]
    assert k.post("/api/v1/groups", json={"name": "x", "kind": "stream", "parallel": 5}).status_code == 403
    assert k.post("/api/v1/groups", json={"name": "x", "kind": "individual", "class_id": ids["class_5a"],
                                          "student_ids": five_a[:2]}).status_code == 422
    d = as_user("deputy")
    stream = d.post("/api/v1/groups", json={"name": "Шахматы (6 классы)", "kind": "stream", "parallel": 6,
                                            "student_ids": six})
    assert stream.status_code == 201 and {m["class_name"] for m in stream.get_json()["members"]} <= {"6А", "6Б"}
    assert d.post("/api/v1/groups", json={"name": "x", "kind": "stream", "parallel": 6,
                                          "student_ids": five_a}).status_code == 422
    # the class teacher of 6Б may not rearrange a stream that gathers the parallel
    sg = stream.get_json()
    assert login(demo_app, "klass6b").put(f"/api/v1/groups/{sg['id']}/members",
                                          json={"version": sg["version"], "student_ids": []}).status_code == 403
    listed = k.get(f"/api/v1/groups?class_id={ids['class_5a']}&per_page=100").get_json()["items"]
    assert "5А проект" in {grp["name"] for grp in listed}
    assert all(grp["class_name"] in ("5А", None) for grp in listed)


# --- accounts ------------------------------------------------------------------------------------------------------------

def test_issuing_and_reissuing_accounts(as_user, ids, demo_app):
    k = as_user("klass5a")
    r = k.post(f"/api/v1/students/{ids['other_5a']}/account")
    assert r.status_code == 201
    first = r.get_json()
    assert first["reissued"] is False and first["login"] and len(first["activation_code"]) == 14
    fresh = demo_app.test_client()
    me = fresh.post("/api/v1/auth/login", json={"login": first["login"], "password": first["activation_code"]}).get_json()
    assert me["must_change_password"] is True and me["roles"] == ["student"]
    again = k.post(f"/api/v1/students/{ids['other_5a']}/account").get_json()
    assert again["reissued"] is True and again["login"] == first["login"]
    assert again["activation_code"] != first["activation_code"]
    assert demo_app.test_client().post("/api/v1/auth/login", json={"login": first["login"],
                                                                   "password": first["activation_code"]}).status_code == 401
    # a parent of children in two classes gets a parent role for each child
    with demo_app.app_context():
        mother = (Guardian.select().join(StudentGuardian).where(StudentGuardian.student == ids["other_5a"]).first())
        StudentGuardian.create(student=ids["parent2_child"], guardian=mother, relation="mother")
    acc = k.post(f"/api/v1/guardians/{mother.id}/account").get_json()
    c = demo_app.test_client()
    c.post("/api/v1/auth/login", json={"login": acc["login"], "password": acc["activation_code"]})
    assert c.post("/api/v1/me/password", json={"new_password": "Tverskaya-17-new"}).status_code == 204
    assert _ids_of(c.get("/api/v1/students")) == {ids["other_5a"], ids["parent2_child"]}


def test_school_and_class_administration(as_user, ids, demo_app):
    a = as_user("admin")
    r = a.post("/api/v1/schools", json={"name": "МБОУ «Гимназия № 6»", "short_name": "Гимназия № 6"})
    assert r.status_code == 201 and r.get_json()["short_name"] == "Гимназия № 6"
    assert as_user("director").post("/api/v1/schools", json={"name": "x", "short_name": "y"}).status_code == 403
    d = as_user("deputy")
    assert d.patch(f"/api/v1/schools/{ids['school']}", json={"short_name": "СОШ № 17"}).get_json()["short_name"] == "СОШ № 17"
    assert d.patch(f"/api/v1/schools/{r.get_json()['id']}", json={"short_name": "x"}).status_code == 404
    new = d.post("/api/v1/classes", json={"parallel": 7, "letter": "a", "room": "12",
                                          "class_teacher_id": ids["user_teacher"]})
    assert new.status_code == 201
    cls = new.get_json()
    assert (cls["name"], cls["room"], cls["class_teacher_id"]) == ("7А", "12", ids["user_teacher"])
    # the new class teacher may now change their class's list
    t = as_user("teacher")
    assert t.post("/api/v1/students", json={"class_id": cls["id"], "last_name": "Орлов",
                                            "first_name": "Илья"}).status_code == 201
    moved = d.patch(f"/api/v1/classes/{cls['id']}", json={"version": cls["version"], "class_teacher_id": None})
    assert moved.status_code == 200 and moved.get_json()["class_teacher_id"] is None
    assert as_user("teacher").post("/api/v1/students", json={"class_id": cls["id"], "last_name": "Орлова",
                                                             "first_name": "Ия"}).status_code == 403
    ta = d.post("/api/v1/teaching", json={"teacher_id": ids["user_teacher"], "subject_id": ids["subject_russian"],
                                          "class_id": cls["id"]})
    assert ta.status_code == 201 and ta.get_json()["subject_name"] == "Русский язык"
    assert d.delete(f"/api/v1/teaching/{ta.get_json()['id']}").status_code == 204
    with demo_app.app_context():
        assert not TeachingAssignment.select().where(TeachingAssignment.id == ta.get_json()["id"]).exists()


def test_openapi_lists_the_roster_contract(as_user):
    paths = as_user("admin").get("/api/v1/openapi.json").get_json()["paths"]
    for p, m in [("/api/v1/schools", "post"), ("/api/v1/schools/{school_id}", "patch"), ("/api/v1/classes", "get"),
                 ("/api/v1/classes/{class_id}/students", "get"), ("/api/v1/students/{student_id}", "patch"),
                 ("/api/v1/students/{student_id}/guardians/{guardian_id}", "delete"),
                 ("/api/v1/groups/{group_id}/members", "put"), ("/api/v1/years", "get"), ("/api/v1/subjects", "get"),
                 ("/api/v1/classes/{class_id}/import", "post"), ("/api/v1/guardians/{guardian_id}", "patch"),
                 ("/api/v1/years", "post"), ("/api/v1/years/{year_id}", "get"),
                 ("/api/v1/years/{year_id}/holidays", "post"), ("/api/v1/holidays/{holiday_id}", "delete"),
                 ("/api/v1/subjects", "post")]:
        assert m in paths[p], (p, m)
    year_in = paths["/api/v1/years"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert year_in.endswith("/RosterYearIn")
