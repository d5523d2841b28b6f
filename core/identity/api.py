"""``/api/v1/auth/*``, ``/api/v1/me`` and personal API tokens."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, g, request
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from marshmallow import Schema, fields, validate

from .. import access
from ..api import ApiError, endpoint, not_found, schema_instance
from .models import ApiToken
from . import service
from .views import _client_ip, refusal_message

bp = Blueprint("core_api", __name__, url_prefix="/api/v1")


class LoginSchema(Schema):
    login = fields.Str(required=True, validate=validate.Length(min=1, max=64))
    password = fields.Str(required=True, validate=validate.Length(min=1, max=256))


class RoleSchema(Schema):
    role = fields.Str()
    scope_type = fields.Str()
    scope_id = fields.Int(allow_none=True)
    school_id = fields.Int(attribute="school_id", allow_none=True)


class MeSchema(Schema):
    id = fields.Int()
    login = fields.Str()
    display_name = fields.Str()
    email = fields.Str(allow_none=True)
    school_id = fields.Int(allow_none=True)
    must_change_password = fields.Bool()
    roles = fields.Method("get_roles")
    role_assignments = fields.Method("get_assignments")

    def get_roles(self, user):
        return sorted(access.roles(user))

    def get_assignments(self, user):
        return schema_instance(RoleSchema).dump(access.assignments(user), many=True)


class PasswordSchema(Schema):
    #: not needed right after logging in with an activation code
    current_password = fields.Str(load_default="")
    new_password = fields.Str(required=True, validate=validate.Length(max=256))


class TokenIn(Schema):
    name = fields.Str(required=True, validate=validate.Length(min=1, max=100))


class TokenOut(Schema):
    id = fields.Int()
    name = fields.Str()
    prefix = fields.Str()
    created_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)
    token = fields.Str(dump_only=True)


class CompromisedIn(Schema):
    note = fields.Str(load_default="", validate=validate.Length(max=2000))
    #: from when the credentials were in other hands (ISO date-time, UTC); default: now
    since = fields.NaiveDateTime(load_default=None, allow_none=True, timezone=dt.timezone.utc)


@endpoint(bp, "/auth/login", ["POST"], summary="Log in; sets the session cookie", body=LoginSchema,
          response=MeSchema, public=True)
def login(body):
    try:
        user = service.authenticate(body["login"], body["password"], ip=_client_ip(), via="api")
    except service.LoginRefused as e:
        status = 429 if e.code in ("throttled", "locked") else 401
        extra = {"retry_after": e.retry_after} if e.retry_after else {}
        raise ApiError(status, "login_refused" if status == 401 else e.code, refusal_message(e), **extra)
    login_user(user)
    g.user = user
    return user


@endpoint(bp, "/auth/logout", ["POST"], summary="End this session", public=True)
def logout():
    logout_user()
    return None


@endpoint(bp, "/me", summary="The logged-in user with roles", response=MeSchema)
def me():
    return g.user


@endpoint(bp, "/me/password", ["POST"], summary="Change own password; ends all other sessions and tokens",
          body=PasswordSchema)
def change_password(body):
    try:
        service.change_password(g.user, body["new_password"], current=body["current_password"])
    except ValueError as e:
        field = "current_password" if "Current" in str(e) else "new_password"
        raise ApiError(422, "invalid", _("Invalid input."), {field: _(str(e))})
    if not g.get("via_token"):
        login_user(g.user)
    return None


@endpoint(bp, "/me/tokens", summary="Own active API tokens", response=TokenOut, many=True)
def list_tokens():
    return list(ApiToken.select().where((ApiToken.user == g.user.id) & ApiToken.revoked_at.is_null()))


@endpoint(bp, "/me/tokens", ["POST"], summary="Create a personal API token (shown once)", body=TokenIn,
          response=TokenOut, status=201)
def create_token(body):
    issued = service.issue_token(g.user, body["name"])
    issued.token.token = issued.secret
    return issued.token


@endpoint(bp, "/me/tokens/<int:token_id>", ["DELETE"], summary="Revoke a personal API token")
def revoke_token(token_id):
    tok = ApiToken.get_or_none((ApiToken.id == token_id) & (ApiToken.user == g.user.id) & ApiToken.revoked_at.is_null())
    if tok is None:
        raise not_found()
    service.revoke_token(tok, by=g.user)
    return None


@endpoint(bp, "/me/compromised", ["POST"], summary="Report own credentials compromised: stops the account now",
          body=CompromisedIn, status=202)
def report_compromised(body):
    report = service.report_compromised(g.user, ip=_client_ip(), note=body["note"], since=body["since"])
    logout_user()
    return {"report_id": report.id, "status": "account_stopped"}, 202
