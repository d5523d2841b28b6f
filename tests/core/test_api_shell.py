"""The API shell: OpenAPI document, the error format, JSON-only bodies."""
from __future__ import annotations

import re

import pytest

from zhurnal.core.api import API_PREFIX
from tests.conftest import login

CONVERTER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def api_routes(app) -> set[tuple[str, str]]:
    out = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API_PREFIX + "/") or rule.endpoint == "openapi_json":
            continue
        path = CONVERTER.sub(lambda m: "{" + m.group(2) + "}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            out.add((path, method.lower()))
    return out


def test_openapi_is_valid_and_lists_every_api_route(demo_app):
    from openapi_spec_validator import validate
    r = demo_app.test_client().get("/api/v1/openapi.json")
    assert r.status_code == 200
    spec = r.get_json()
    validate(spec)
    assert spec["openapi"].startswith("3.")
    listed = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    routes = api_routes(demo_app)
    assert routes, "no API routes?"
    missing = sorted(routes - listed)
    assert not missing, f"API routes missing from the OpenAPI document: {missing}"
    assert not sorted(listed - routes), "the document lists routes the app does not have"
    login_op = spec["paths"]["/api/v1/auth/login"]["post"]
    assert "security" not in login_op
    props = spec["components"]["schemas"]["Login"]["properties"]
    assert set(props) == {"login", "password", "unlock_code", "totp"}
    assert spec["paths"]["/api/v1/me"]["get"]["security"] == [{"bearer": []}, {"cookie": []}]


def test_openapi_shows_only_loaded_plugins(make_app):
    app = make_app(plugins=["roster"])
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    assert not [p for p in spec["paths"] if p.startswith("/api/v1/journal")]
    assert {p for p, _ in api_routes(app)} <= set(spec["paths"])


def _error(r, status, code):
    assert r.status_code == status, (r.status_code, r.get_data(as_text=True)[:300])
    assert r.content_type == "application/json"
    body = r.get_json()
    assert set(body) == {"error"}
    err = body["error"]
    assert {"code", "message", "fields"} <= set(err)
    assert err["code"] == code and isinstance(err["message"], str) and err["message"]
    assert isinstance(err["fields"], dict)
    return err


def test_errors_always_have_one_shape(demo_app):
    anon = demo_app.test_client()
    _error(anon.get("/api/v1/me"), 401, "unauthorized")
    _error(anon.get("/api/v1/no/such/thing"), 404, "not_found")
    _error(anon.delete("/api/v1/auth/login"), 405, "method_not_allowed")
    _error(anon.post("/api/v1/auth/login", data="{not json", content_type="application/json"), 400, "bad_request")
    _error(anon.post("/api/v1/auth/login", json=["login", "password"]), 400, "bad_request")
    err = _error(anon.post("/api/v1/auth/login", json={"login": "x", "password": "y", "extra": 1}), 422, "invalid")
    assert err["fields"] == {"extra": "Неизвестное поле."}
    _error(anon.post("/api/v1/auth/login", data="login=x&password=y"), 415, "unsupported_media_type")
    _error(anon.post("/api/v1/auth/login", data="{}", content_type="text/plain"), 415, "unsupported_media_type")
    teacher = login(demo_app, "teacher")
    _error(teacher.get("/api/v1/audit"), 403, "forbidden")
    admin = login(demo_app, "admin")
    err = _error(admin.get("/api/v1/users?per_page=0"), 422, "invalid")
    assert "per_page" in err["fields"]
    err = _error(admin.post("/api/v1/users", json={"login": "teacher", "display_name": "Дубль", "role": "teacher"}),
                 409, "conflict")
    assert "login" in err["fields"]
    err = _error(admin.post("/api/v1/users", json={"login": "n", "display_name": "", "role": "wizard"}), 422, "invalid")
    assert set(err["fields"]) == {"login", "display_name", "role"}


def test_pages_answer_errors_as_pages(demo_app):
    anon = demo_app.test_client()
    r = anon.get("/no/such/page")
    assert r.status_code == 404 and r.content_type.startswith("text/html")
    assert "Страница не найдена" in r.get_data(as_text=True)
    r = login(demo_app, "teacher").get("/admin/audit")
    assert r.status_code == 403 and "Доступ запрещён" in r.get_data(as_text=True)


def test_healthz(demo_app):
    assert demo_app.test_client().get("/healthz").get_json() == {"status": "ok"}


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_non_json_bodies_are_refused_on_every_writing_method(demo_app, method):
    c = login(demo_app, "admin")
    r = getattr(c, method)("/api/v1/me/tokens", data="name=x", content_type="application/x-www-form-urlencoded")
    assert r.status_code == 415


def test_an_unexpected_failure_is_a_json_500_without_details(make_app):
    import types
    from flask import Blueprint
    from zhurnal.core.api import endpoint
    from zhurnal.core.hookspecs import hookimpl
    bp = Blueprint("boom_api", __name__, url_prefix="/api/v1")

    @endpoint(bp, "/boom", summary="Fails", public=True)
    def boom():
        raise ZeroDivisionError("secret detail")
    plugin = types.ModuleType("boom")
    plugin.name, plugin.depends = "boom", ()
    plugin.zhurnal_blueprints = hookimpl(lambda: [bp])
    app = make_app(plugins=["boom"], extra_plugins=[plugin])
    app.config["PROPAGATE_EXCEPTIONS"] = False
    r = app.test_client().get("/api/v1/boom")
    err = _error(r, 500, "internal_error")
    assert "secret detail" not in r.get_data(as_text=True)
    assert err["fields"] == {}


def test_a_stale_edit_is_409_with_the_current_state_dumped_as_the_blueprint_says(make_app):
    """:class:`zhurnal.core.errors.StaleEdit` from any endpoint is answered in one place: 409 ``conflict``
    with ``current`` dumped by the blueprint's :func:`zhurnal.core.api.stale_state`, else by the endpoint's
    response schema; ``current`` is null when the record is gone. Nothing is written."""
    import types
    from flask import Blueprint
    from marshmallow import Schema
    from zhurnal.core import fields
    from zhurnal.core.api import STALE_MESSAGE, endpoint, stale_state
    from zhurnal.core.errors import StaleEdit
    from zhurnal.core.hookspecs import hookimpl

    class Out(Schema):
        id = fields.Int()
        version = fields.Int()

    row = types.SimpleNamespace(id=7, version=3, secret="x")
    plain = Blueprint("stale_plain_api", __name__, url_prefix="/api/v1")
    custom = Blueprint("stale_custom_api", __name__, url_prefix="/api/v1")

    @endpoint(plain, "/stale/plain", ["POST"], summary="Stale", response=Out, public=True)
    def plain_edit():
        raise StaleEdit(row)

    @endpoint(plain, "/stale/gone", ["POST"], summary="Gone", response=Out, public=True)
    def gone_edit():
        raise StaleEdit(None)

    @endpoint(custom, "/stale/custom", ["POST"], summary="Stale", public=True)
    def custom_edit():
        raise StaleEdit(row)

    @stale_state(custom, message="Changed meanwhile.")
    def _current(obj):
        return {"id": obj.id, "version": obj.version, "kind": "custom"}

    plugin = types.ModuleType("stale")
    plugin.name, plugin.depends = "stale", ()
    plugin.zhurnal_blueprints = hookimpl(lambda: [plain, custom])
    app = make_app(plugins=["stale"], extra_plugins=[plugin])
    client = app.test_client()
    err = _error(client.post("/api/v1/stale/plain"), 409, "conflict")
    assert err["current"] == {"id": 7, "version": 3}
    with app.test_request_context():
        from zhurnal.core.field_messages import translate
        assert err["message"] == translate(STALE_MESSAGE)
    err = _error(client.post("/api/v1/stale/gone"), 409, "conflict")
    assert err["current"] is None
    err = _error(client.post("/api/v1/stale/custom"), 409, "conflict")
    assert err["current"] == {"id": 7, "version": 3, "kind": "custom"}
    assert err["message"] == "Changed meanwhile."


def test_forbidden_callers_learn_nothing_about_their_input(demo_app):
    """The body is validated when the view first reads it, after its permission check:
    a caller who may not act gets 403/404, not field messages."""
    from tests.access import demo_ids
    from tests.conftest import login as api_login
    ids = demo_ids(demo_app)
    teacher = api_login(demo_app, "teacher")
    r = teacher.put(f"/api/v1/schools/{ids['school']}/plugins/roster", json={"enabled": "maybe"})
    assert r.status_code == 404
    admin = api_login(demo_app, "admin")
    r = admin.put(f"/api/v1/schools/{ids['school']}/plugins/roster", json={"enabled": "maybe"})
    assert r.status_code == 422 and "enabled" in r.get_json()["error"]["fields"]
    r = api_login(demo_app, "parent1").post(f"/api/v1/users/{ids['user_teacher']}/compromised", json={"since": "x"})
    assert r.status_code in (403, 404)


def test_json_is_utf8_in_given_order_with_iso_dates(make_app):
    import datetime as dt
    import decimal
    from markupsafe import Markup
    app = make_app()
    with app.test_request_context():
        from flask import jsonify
        body = jsonify({"name": "Иванова", "z": 1, "a": 2, 7: "int key", "day": dt.date(2026, 11, 26),
                        "at": dt.datetime(2026, 11, 26, 8, 30), "price": decimal.Decimal("4.50"),
                        "html": Markup("<b>5</b>")}).get_data()
    assert body.decode("utf-8") == ('{"name":"Иванова","z":1,"a":2,"7":"int key","day":"2026-11-26",'
                                    '"at":"2026-11-26T08:30:00+00:00","price":"4.50","html":"<b>5</b>"}')
    with app.app_context():
        assert app.json.loads('{"x": [1, "Ё"]}') == {"x": [1, "Ё"]}
        with pytest.raises(TypeError):
            app.json.dumps({"x": object()})
