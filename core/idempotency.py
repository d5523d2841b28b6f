"""``Idempotency-Key``: a creating write retried by a client is done once.

A phone that lost its connection after the server committed cannot know whether a
mark was saved; sending the same request again with the same ``Idempotency-Key``
header answers with the first result instead of writing a second mark. Endpoints opt
in with ``endpoint(..., idempotent=True)``.

The key, the user, the route, a hash of the request (method, path, query and JSON
body) and the answer are stored **in the same transaction as the write**: either both
are committed or neither is. A repeat of a stored key by the same user

* with the same request: the stored answer (status and body), header
  ``Idempotent-Replayed: true``, nothing written;
* with a different request (another body or route): 422 ``idempotency_key_reused``.

Two requests with one key at the same moment: SQLite runs write transactions one after
the other (the second finds the first's answer); on PostgreSQL the second's insert of
the key waits for the first and fails, its write is rolled back and the first answer
given. Keys expire after :data:`TTL` (then a key may be used again); answers with an
error status are not stored (nothing was written). Signals of the write are sent after
the commit, as always.
"""
from __future__ import annotations

import datetime as dt
import hashlib

import orjson
import peewee as pw
from flask import current_app, g, request

from .db import BaseModel, database, utcnow

HEADER = "Idempotency-Key"
#: how long a key is remembered
TTL = dt.timedelta(hours=24)
MAX_KEY = 200


class IdempotentRequest(BaseModel):
    """A creating write done under an ``Idempotency-Key``, with its answer."""
    user_id = pw.IntegerField()
    key = pw.CharField(max_length=MAX_KEY)
    route = pw.CharField(max_length=200)
    request_hash = pw.CharField(max_length=64)
    status = pw.IntegerField()
    mimetype = pw.CharField(max_length=100, default="application/json")
    body = pw.TextField(default="")
    created_at = pw.DateTimeField(default=utcnow, index=True)

    class Meta:
        table_name = "core_idempotency"
        indexes = ((("user_id", "key"), True),)


MODELS = [IdempotentRequest]

#: how an idempotent operation's header is described in the OpenAPI document
PARAMETER = {"name": HEADER, "in": "header", "required": False,
             "description": "Any unique string (up to 200 characters): a repeat of the request with the same key "
                            "answers with the first result and writes nothing.",
             "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY}}


def forget_expired() -> int:
    """Drop the keys older than :data:`TTL` (nightly job; a user's own expired keys also go at
    their next keyed request). :returns: how many"""
    with database.atomic():
        return IdempotentRequest.delete().where(IdempotentRequest.created_at < utcnow() - TTL).execute()


def _request_hash() -> str:
    body = request.get_json(silent=True)
    canonical = orjson.dumps([request.method, request.path, sorted(request.args.items(multi=True)), body],
                             option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


def _replay(prior: IdempotentRequest):
    resp = current_app.response_class(prior.body, status=prior.status, mimetype=prior.mimetype or None)
    if not prior.body and prior.status == 204:
        del resp.headers["Content-Type"]
    resp.headers["Idempotent-Replayed"] = "true"
    return resp


def run(view, to_response):
    """Run ``view()`` (the endpoint's work; ``to_response`` makes its result a Response)
    under the request's ``Idempotency-Key``, if it has one."""
    from .api import ApiError
    from . import signals
    key = request.headers.get(HEADER)
    if key is None:
        return to_response(view())
    key = key.strip()
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise ApiError(400, "bad_request", "Idempotency-Key must be 1 to 200 printable characters.")
    user_id, route, digest = g.user.id, f"{request.method} {request.endpoint}", _request_hash()
    where = (IdempotentRequest.user_id == user_id) & (IdempotentRequest.key == key)
    try:
        with signals.after_commit(), database.atomic():
            IdempotentRequest.delete().where((IdempotentRequest.user_id == user_id) &
                                             (IdempotentRequest.created_at < utcnow() - TTL)).execute()
            prior = IdempotentRequest.get_or_none(where)
            if prior is not None:
                return _check_same(prior, route, digest) or _replay(prior)
            resp = to_response(view())
            if 200 <= resp.status_code < 300:
                with database.atomic():   # a savepoint: on PostgreSQL a duplicate key must not end the transaction
                    IdempotentRequest.create(user_id=user_id, key=key, route=route, request_hash=digest,
                                             status=resp.status_code, mimetype=resp.mimetype or "",
                                             body=resp.get_data(as_text=True))
            return resp
    except pw.IntegrityError:
        # the same key at the same moment (PostgreSQL): this request's write is rolled back
        prior = IdempotentRequest.get_or_none(where)
        if prior is None:
            raise
        return _check_same(prior, route, digest) or _replay(prior)


def _check_same(prior: IdempotentRequest, route: str, digest: str):
    from .api import ApiError
    if prior.route != route or prior.request_hash != digest:
        raise ApiError(422, "idempotency_key_reused",
                       "This Idempotency-Key was already used for another request.", {HEADER: "Already used."})
    return None
