from tests.conftest import login


def test_demo_logins_work_through_api(demo_app):
    for name in ("admin", "director", "deputy", "nurse", "teacher", "klass5a", "parent1", "parent2", "student1"):
        c = login(demo_app, name)
        me = c.get("/api/v1/me").get_json()
        assert me["login"] == name
        assert me["must_change_password"] is False
