"""The JSON API shell: errors, request/response schemas, paging and OpenAPI.

Every endpoint under ``/api/v1`` is declared with :func:`endpoint`, which
ties the route to its marshmallow schemas, requires a login (unless
``public=True``) and records the operation for ``/api/v1/openapi.json``.
Errors always look like ``{"error": {"code", "message", "fields"}}``.
"""
from __future__ import annotations

import functools
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Any, Callable

import orjson
from flask import Blueprint, current_app, g, jsonify, request
from flask.json.provider import DefaultJSONProvider
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, validate

from . import fields
from .errors import StaleEdit
from .field_messages import HTTP_MESSAGES, field_messages, translate
from .i18n import N_

API_PREFIX = "/api/v1"


class ApiError(Exception):
    """Raise from a view to answer with a JSON error."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None, **extra) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.fields, self.extra = status, code, message, fields or {}, extra

    def response(self):
        # the message and field messages are English msgids: shown in the user's language
        fields = {k: (translate(v) if isinstance(v, str) else v) for k, v in self.fields.items()}
        body = {"error": {"code": self.code, "message": translate(self.message), "fields": fields, **self.extra}}
        return jsonify(body), self.status


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, encoded by orjson: a journal grid of a thousand marks is encoded
    several times faster than by the standard library.

    UTF-8 as is (no ``\\uXXXX`` escapes), keys in the order given, dates and times in
    ISO 8601; anything else Flask's own provider knows (``Decimal``, objects with
    ``__html__``) as it would.
    """

    OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_NAIVE_UTC   # naive datetimes are UTC: "+00:00"

    @staticmethod
    def _default(o):
        return DefaultJSONProvider.default(o)

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return self.encode(obj).decode("utf-8")

    def encode(self, obj: Any) -> bytes:
        """``obj`` as the bytes ``jsonify(obj)`` answers (a page embeds the same with :func:`.ui.json_island`)."""
        return orjson.dumps(obj, default=self._default, option=self.OPTIONS)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return orjson.loads(s)

    def response(self, *args: Any, **kwargs: Any):
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(self.encode(obj), mimetype=self.mimetype)


def not_found(what: str = "Not found") -> ApiError:
    return ApiError(404, "not_found", what)


def forbidden(message: str = "You are not allowed to do this.") -> ApiError:
    return ApiError(403, "forbidden", message)


def conflict(message: str, **extra) -> ApiError:
    return ApiError(409, "conflict", message, **extra)


def invalid(fields: dict, message: str = "Invalid input.") -> ApiError:
    return ApiError(422, "invalid", message, fields)


STALE_MESSAGE = N_("Someone else changed this record since you loaded it. Nothing was saved; the current data is "
                   "in 'current'.")

#: blueprint name -> (how to dump a stale edit's current record, the message)
_STALE_STATE: dict[str, tuple[Callable[[Any], Any], str]] = {}


def stale_state(bp: Blueprint, *, message: str = STALE_MESSAGE) -> Callable:
    """Decorator: how the endpoints of ``bp`` show the current record of a :class:`~zhurnal.core.errors.StaleEdit`
    (``dump(current) -> JSON``; ``current`` is never ``None`` when it is called) and with which message."""
    def deco(dump: Callable[[Any], Any]) -> Callable[[Any], Any]:
        _STALE_STATE[bp.name] = (dump, message)
        return dump
    return deco


def stale_conflict(e: StaleEdit, bp_name: str, response=None) -> ApiError:
    """The one answer to a stale edit: 409 ``conflict`` with the current state in ``current``
    (``None`` when the record is gone), dumped by the blueprint's :func:`stale_state`, else by the
    endpoint's ``response`` schema."""
    dump, message = _STALE_STATE.get(bp_name, (None, STALE_MESSAGE))
    current = None
    if e.current is not None:
        if dump is not None:
            current = dump(e.current)
        elif response is not None:
            current = schema_instance(response).dump(e.current)
    return conflict(message, current=current)


_SCHEMAS: dict[type, Schema] = {}


def schema_instance(schema: Schema | type[Schema]) -> Schema:
    """One instance per schema class, made once: building a schema copies all its fields
    (and a nested schema's), which costs more than using it. Instances hold no state
    between calls (``many``, ``partial``, ``unknown`` are passed per call)."""
    if not isinstance(schema, type):
        return schema
    inst = _SCHEMAS.get(schema)
    if inst is None:
        inst = _SCHEMAS[schema] = schema()
    return inst


def load(schema: Schema | type[Schema], data: Any = None, *, partial: bool = False) -> dict:
    """Validate ``data`` (default: the JSON body) or raise 422 with field messages."""
    schema = schema_instance(schema)
    if data is None:
        data = request.get_json(silent=True)
        if data is None:
            raise ApiError(400, "bad_request", "The request body must be a JSON object.")
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", "The request body must be a JSON object.")
    try:
        return schema.load(data, partial=partial, unknown=RAISE)
    except ValidationError as e:
        raise invalid(field_messages(e.messages)) from None


def load_args(schema: Schema | type[Schema]) -> dict:
    """Validate the query string or raise 422."""
    schema = schema_instance(schema)
    try:
        return schema.load(request.args.to_dict(), unknown=EXCLUDE)
    except ValidationError as e:
        raise invalid(field_messages(e.messages)) from None


class LazyBody(MutableMapping):
    """The request's JSON body, validated against ``schema`` on first access (422 if invalid)."""

    def __init__(self, schema) -> None:
        self._schema = schema
        self._data: dict | None = None

    def _loaded(self) -> dict:
        if self._data is None:
            self._data = load(self._schema)
        return self._data

    def __getitem__(self, key):
        return self._loaded()[key]

    def __setitem__(self, key, value) -> None:
        self._loaded()[key] = value

    def __delitem__(self, key) -> None:
        del self._loaded()[key]

    def __iter__(self):
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())

    def __repr__(self) -> str:
        return f"LazyBody({self._data!r})"


#: the last page anyone may ask for (its offset stays far within a database integer)
MAX_PAGE = 100_000


class PageArgs(Schema):
    # marshmallow 4: a validator must raise; one returning False would let anything through
    page = fields.Int(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Int(load_default=50, validate=validate.Range(min=1, max=500))


def paginate(query, schema: Schema, *, args: dict | None = None) -> dict:
    """One page of a peewee query, dumped with ``schema(many=True)``."""
    args = args or load_args(PageArgs)
    total = query.count()
    items = list(query.paginate(args["page"], args["per_page"]))
    return {"items": schema.dump(items, many=True), "total": total,
            "page": args["page"], "per_page": args["per_page"]}


@dataclass
class Operation:
    rule: str
    method: str
    endpoint: str
    summary: str
    body: type[Schema] | None = None
    response: type[Schema] | None = None
    query: type[Schema] | None = None
    status: int = 200
    public: bool = False
    tags: list[str] = field(default_factory=list)
    many: bool = False
    idempotent: bool = False


#: endpoint name -> operations (filled as blueprints are defined; read by openapi())
OPERATIONS: dict[str, list[Operation]] = {}


def endpoint(bp: Blueprint, rule: str, methods=("GET",), *, summary: str, body=None, response=None,
             query=None, status: int = 200, public: bool = False, many: bool = False,
             idempotent: bool = False) -> Callable:
    """Declare an API route on ``bp``.

    The view receives ``body`` (validated dict) when ``body`` is a schema and
    ``args`` when ``query`` is a schema. It returns a model/dict/list (dumped with
    ``response`` if given, status ``status``), a ``(data, status)`` tuple or a Response.
    ``idempotent=True`` (creating writes): an ``Idempotency-Key`` header makes a repeat of
    the request answer with the first result (:mod:`zhurnal.core.idempotency`).
    A :class:`~zhurnal.core.errors.StaleEdit` raised by the view answers 409 (:func:`stale_conflict`).
    """
    def deco(fn: Callable) -> Callable:
        def run(kwargs):
            try:
                return fn(**kwargs)
            except StaleEdit as e:
                raise stale_conflict(e, bp.name, response) from None

        @functools.wraps(fn)
        def view(**kwargs):
            if not public:
                require_api_login()
            if body is not None:
                # validated when the view first reads it: a view checks permission first,
                # so a forbidden caller gets 403/404, never field messages about the input
                kwargs["body"] = LazyBody(body)
            if query is not None:
                kwargs["args"] = load_args(query)
            if idempotent:   # the header is honoured: see core.idempotency
                from . import idempotency
                return idempotency.run(lambda: run(kwargs), respond)
            return respond(run(kwargs))

        def respond(rv):
            if isinstance(rv, current_app.response_class):
                return rv
            code = status
            if isinstance(rv, tuple):
                rv, code = rv
            if response is not None and rv is not None:
                rv = schema_instance(response).dump(rv, many=many)
            if rv is None:
                return _empty(204 if code == 200 else code)
            resp = jsonify(rv)
            resp.status_code = code
            return resp
        name = f"{bp.name}.{fn.__name__}"
        full = (bp.url_prefix or "") + rule
        OPERATIONS[name] = [Operation(full, m.lower(), name, summary, body, response, query, status, public,
                                      [bp.name], many, idempotent) for m in methods]
        bp.add_url_rule(rule, fn.__name__, view, methods=list(methods))
        return view
    return deco


def _empty(code: int):
    """An answer without a body, and so without a content type (documented as such)."""
    resp = current_app.response_class(status=code)
    del resp.headers["Content-Type"]
    return resp


def require_api_login():
    user = getattr(g, "user", None)
    if user is None:
        raise ApiError(401, "unauthorized", "Log in first.")
    if user.must_change_password and request.endpoint not in ALLOWED_BEFORE_PASSWORD_CHANGE:
        raise ApiError(403, "password_change_required", "You must change your password first.")


ALLOWED_BEFORE_PASSWORD_CHANGE = {"core_api.me", "core_api.logout", "core_api.change_password",
                                  "core_api.report_compromised"}


def install_error_handlers(app) -> None:
    from werkzeug.exceptions import HTTPException

    def is_api() -> bool:
        return request.path.startswith(API_PREFIX)

    @app.errorhandler(ApiError)
    def _api_error(e: ApiError):
        wants_page = request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"
        if not is_api() and wants_page:  # a page used an API helper (load_args...): answer a browser with a page
            from werkzeug.exceptions import BadRequest, default_exceptions
            from .ui import error_page
            detail = "; ".join(f"{k}: {v}" for k, v in e.fields.items())
            exc = default_exceptions.get(e.status, BadRequest)(description=f"{e.message} {detail}".strip())
            return error_page(exc)
        return e.response()

    @app.errorhandler(HTTPException)
    def _http(e: HTTPException):
        if not is_api():
            from .ui import error_page
            return error_page(e)
        code = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
                422: "invalid", 429: "too_many_requests", 500: "internal_error"}.get(e.code, "error")
        from flask_babel import gettext
        message = gettext(HTTP_MESSAGES[e.code]) if e.code in HTTP_MESSAGES else e.description
        resp = jsonify({"error": {"code": code, "message": message, "fields": {}}})
        return resp, e.code

    @app.before_request
    def _json_only():
        # JSON bodies only: a cross-site form cannot post JSON without a CORS preflight,
        # which is what keeps session-cookie API calls safe without a CSRF token
        if is_api() and request.method in ("POST", "PUT", "PATCH", "DELETE") and request.content_length:
            if not request.is_json and not request.path.endswith("/import"):
                raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")


def openapi(app) -> dict:
    """The OpenAPI 3 document of the registered routes (built by :mod:`zhurnal.core.openapi`)."""
    from .openapi import build
    return build(app)
