"""The OpenAPI 3 document, built from the operations that :func:`zhurnal.core.api.endpoint` declared
(served at ``/api/v1/openapi.json``; :func:`zhurnal.core.api.openapi` calls :func:`build`)."""
from __future__ import annotations

import re
from typing import Any

from . import fields
from .api import OPERATIONS


_CONVERTER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _schema_name(schema) -> str:
    """Component name of a schema, qualified by its owner so two plugins may both have a ``PeriodOut``."""
    from apispec.ext.marshmallow.common import resolve_schema_cls
    cls = resolve_schema_cls(schema)
    if isinstance(cls, list):
        cls = cls[0]
    module = cls.__module__.removeprefix("zhurnal.").split(".")
    owner = module[1] if module[0] == "plugins" and len(module) > 1 else module[0]
    name = cls.__name__[:-6] if cls.__name__.endswith("Schema") and len(cls.__name__) > 6 else cls.__name__
    prefix = "" if owner == "core" else "".join(p.capitalize() for p in owner.split("_"))
    partial = getattr(schema, "partial", False) if not isinstance(schema, type) else False
    return f"{prefix}{name}{'Partial' if partial else ''}"


def build(app) -> dict:
    """Build the OpenAPI 3 document from the declared operations of registered routes."""
    from apispec import APISpec
    from apispec.ext.marshmallow import MarshmallowPlugin

    spec = APISpec(title="Zhurnal API", version="1", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin(schema_name_resolver=_schema_name)],
                   info={"description": "JSON API of Zhurnal. Errors: {\"error\": {\"code\", \"message\", \"fields\"}}."})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.security_scheme("cookie", {"type": "apiKey", "in": "cookie", "name": "session"})
    spec.components.schema("Error", {"type": "object", "properties": {"error": {"type": "object", "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}, "fields": {"type": "object"}}}}})
    paths: dict[str, dict] = {}
    live = {r.endpoint for r in app.url_map.iter_rules()}
    for name, ops in sorted(OPERATIONS.items()):
        if name not in live:
            continue
        for op in ops:
            path = _CONVERTER.sub(lambda m: "{" + m.group(2) + "}", op.rule)
            params = [{"name": m.group(2), "in": "path", "required": True,
                       "schema": fields.ID_SCHEMA if m.group(1) in ("int", "id") else {"type": "string"}}
                      for m in _CONVERTER.finditer(op.rule)]
            o: dict[str, Any] = {"summary": op.summary, "tags": op.tags, "operationId": f"{name}.{op.method}",
                                 "responses": {"default": {"description": "error",
                                                           "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}
            if op.query is not None:
                params.append({"in": "query", "schema": op.query})
            if op.idempotent:
                from .idempotency import PARAMETER
                params.append(PARAMETER)
            if params:
                o["parameters"] = params
            if op.body is not None:
                o["requestBody"] = {"required": True, "content": {"application/json": {"schema": op.body}}}
            ok = {"description": "OK"}
            if op.response is not None:
                sch = {"type": "array", "items": op.response} if op.many else op.response
                ok["content"] = {"application/json": {"schema": sch}}
            o["responses"][str(op.status)] = ok
            if op.response is None or op.method == "delete":   # a view returning nothing answers 204
                o["responses"].setdefault("204", {"description": "Done; no content"})
            if not op.public:
                o["security"] = [{"bearer": []}, {"cookie": []}]
            paths.setdefault(path, {})[op.method] = o
    for path, ops in paths.items():
        spec.path(path=path, operations=ops)
    return spec.to_dict()
