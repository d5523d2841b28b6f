"""``/api/v1/auth/*``, ``/api/v1/me`` and personal API tokens."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, g
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from marshmallow import Schema, validate
from .. import fields

from .. import access
from ..api import ApiError, endpoint, not_found, schema_instance
from .models import ApiToken
from . import service, sessions, totp
from .views import _client_ip, refusal_message

bp = Blueprint("core_api", __name__, url_prefix="/api/v1")


class LoginSchema(Schema):
    login = fields.Str(required=True, validate=validate.Length(min=1, max=64))
    password = fields.Str(required=True, validate=validate.Length(min=1, max=256))
    #: opens an account locked by failed logins (a slip from staff or a message)
    unlock_code = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=32))
    #: the code of the authenticator app, for accounts with a second factor
    totp = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=10))


class UnlockRequest(Schema):
    login = fields.Str(required=True, validate=validate.Length(min=1, max=64))


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
        user = service.authenticate(body["login"], body["password"], ip=_client_ip(), via="api",
                                    unlock_code=body["unlock_code"], totp_code=body["totp"])
    except service.LoginRefused as e:
        status = 429 if e.code in ("throttled", "locked") else 401
        extra = {"retry_after": e.retry_after} if e.retry_after else {}
        code = e.code if e.code in ("totp_required", "totp_invalid") else "login_refused"
        raise ApiError(status, code if status == 401 else e.code, refusal_message(e), **extra)
    login_user(user)
    g.user = user
    totp.after_login(user)
    return user


@endpoint(bp, "/auth/unlock-code", ["POST"], summary="Send a one-time unlock code to the owner of a locked "
          "account (through the channels that take security notices); the answer never tells whether it exists",
          body=UnlockRequest, status=202, public=True)
def request_unlock_code(body):
    service.send_unlock_code(body["login"], ip=_client_ip())
    return {"status": "accepted"}, 202


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


@endpoint(bp, "/me/tokens/<id:token_id>", ["DELETE"], summary="Revoke a personal API token")
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


class SessionOut(Schema):
    id = fields.Int()
    created_at = fields.DateTime()
    last_seen_at = fields.DateTime()
    ip = fields.Str(allow_none=True)
    user_agent = fields.Str()
    via = fields.Str()
    current = fields.Method("is_current")

    def is_current(self, row):
        return row.id == g.get("zh_session_id")


@endpoint(bp, "/me/sessions", summary="Own open sessions (browsers and API clients), newest first",
          response=SessionOut, many=True)
def list_sessions():
    return sessions.open_sessions(g.user)


@endpoint(bp, "/me/sessions/<int:session_id>", ["DELETE"], summary="End one of one's own sessions")
def end_session(session_id):
    if not sessions.end(g.user, session_id):
        raise not_found()
    return None


@endpoint(bp, "/me/sessions/end-others", ["POST"], summary="End all one's sessions but this one")
def end_other_sessions():
    return {"ended": sessions.end_others(g.user)}


class TotpStatus(Schema):
    enabled = fields.Bool()
    required = fields.Bool()


class TotpStarted(Schema):
    secret = fields.Str()
    otpauth_uri = fields.Str()


class TotpCode(Schema):
    code = fields.Str(required=True, validate=validate.Length(min=6, max=10))


@endpoint(bp, "/me/totp", summary="Whether one's second factor is on, and whether the school requires it",
          response=TotpStatus)
def totp_status():
    return {"enabled": totp.confirmed(g.user) is not None, "required": totp.required_for(g.user)}


@endpoint(bp, "/me/totp", ["POST"], summary="Start enrolling a TOTP second factor: a new secret (shown once)",
          response=TotpStarted, status=201)
def totp_start():
    if not totp.is_staff(g.user):
        raise ApiError(403, "forbidden", _("A second factor is for staff accounts."))
    return totp.start(g.user), 201


@endpoint(bp, "/me/totp/confirm", ["POST"], summary="Finish enrolling with the first code", body=TotpCode,
          response=TotpStatus)
def totp_confirm(body):
    if not totp.confirm(g.user, body["code"]):
        raise ApiError(422, "invalid", _("Invalid input."), {"code": _("Wrong code from the authenticator app.")})
    return {"enabled": True, "required": totp.required_for(g.user)}


@endpoint(bp, "/me/totp", ["DELETE"], summary="Switch one's second factor off (with a current code; not where "
          "the school requires it)", body=TotpCode)
def totp_disable(body):
    if totp.required_for(g.user):
        raise ApiError(409, "conflict", _("Your school requires a second factor."))
    row = totp.confirmed(g.user)
    if row is None:
        raise not_found()
    if not totp.verify(row, body["code"]):
        raise ApiError(422, "invalid", _("Invalid input."), {"code": _("Wrong code from the authenticator app.")})
    totp.disable(g.user, by=g.user)
    return None


class SchoolSecurityIO(Schema):
    staff_totp_required = fields.Bool(required=True)


def _managed_school(school_id: int):
    from .models import School
    school = School.get_or_none(School.id == school_id)
    if school is None or not access.can(g.user, "core.users.read", school):
        raise not_found()
    if not access.can(g.user, "core.users.manage", school):
        raise ApiError(403, "forbidden", _("You are not allowed to do this."))
    return school


@endpoint(bp, "/schools/<int:school_id>/security", summary="A school's security settings", response=SchoolSecurityIO)
def school_security(school_id):
    from .models import SchoolSecurity
    school = _managed_school(school_id)
    row = SchoolSecurity.get_or_none(SchoolSecurity.school == school.id)
    return {"staff_totp_required": bool(row and row.staff_totp_required)}


@endpoint(bp, "/schools/<int:school_id>/security", ["PUT"], summary="Require (or not) a TOTP second factor of "
          "the school's staff", body=SchoolSecurityIO, response=SchoolSecurityIO)
def set_school_security(school_id, body):
    school = _managed_school(school_id)
    totp.set_school_requirement(school.id, body["staff_totp_required"], by=g.user)
    return {"staff_totp_required": body["staff_totp_required"]}
