"""The optional TOTP second factor of staff accounts (pyotp, RFC 6238).

A staff member enrols on ``/account/totp`` (or ``POST /api/v1/me/totp`` then
``/me/totp/confirm``); from then on a sign-in needs the current code after the password
(``totp`` in ``POST /api/v1/auth/login``, a field on the login form). A wrong code counts as a
failed login. Each code is accepted once. A school may require it of all its staff
(``PUT /api/v1/schools/<id>/security``): a staff member without it who signs in there can do
nothing but enrol until they have.
"""
from __future__ import annotations

import calendar
import hmac

import pyotp
from flask import current_app, g, redirect, request, session, url_for

from .. import access, audit
from ..db import database, utcnow
from .models import SchoolSecurity, TotpSecret, User

#: roles that are not staff (never asked to enrol by the school setting)
NOT_STAFF = frozenset(("parent", "student"))
ENROL_FLAG = "_zh_totp_enrol"
ISSUER = "Zhurnal"


def is_staff(user: User) -> bool:
    roles = access.roles(user)
    return bool(roles) and not roles <= NOT_STAFF


def confirmed(user: User) -> TotpSecret | None:
    row = TotpSecret.get_or_none(TotpSecret.user == user.id)
    return row if row is not None and row.confirmed_at is not None else None


def required_for(user: User) -> bool:
    """The user's school requires a second factor of its staff, and the user is staff."""
    if user.school_id is None:
        return False
    row = SchoolSecurity.get_or_none(SchoolSecurity.school == user.school_id)
    return bool(row and row.staff_totp_required) and is_staff(user)


def _window() -> int:
    return current_app.extensions["zhurnal"].settings.security["totp_valid_window"]


def verify(row: TotpSecret, code: str | None) -> bool:
    """Accept ``code`` once (its time step is remembered; ``totp_valid_window`` steps of drift)."""
    code = (code or "").replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return False
    totp = pyotp.TOTP(row.secret)
    now = calendar.timegm(utcnow().utctimetuple())
    for offset in range(-_window(), _window() + 1):
        at = now + offset * totp.interval
        step = at // totp.interval
        if step > row.last_step and hmac.compare_digest(totp.at(at), code):
            # claimed atomically: of two requests with the same code, one wins
            return bool(TotpSecret.update(last_step=step).where(
                (TotpSecret.user == row.user_id) & (TotpSecret.last_step < step)).execute())
    return False


def start(user: User) -> dict:
    """Begin (or restart) enrolment: a new secret, not asked at sign-in until confirmed."""
    secret = pyotp.random_base32()
    with database.atomic():
        TotpSecret.insert(user=user.id, secret=secret, created_at=utcnow(), confirmed_at=None, last_step=0).on_conflict(
            conflict_target=[TotpSecret.user],
            update={TotpSecret.secret: secret, TotpSecret.confirmed_at: None, TotpSecret.last_step: 0,
                    TotpSecret.created_at: utcnow()}).execute()
        audit.record("core.totp.start", user, user=user)
    return {"secret": secret, "otpauth_uri": pyotp.TOTP(secret).provisioning_uri(name=user.login, issuer_name=ISSUER)}


def confirm(user: User, code: str) -> bool:
    row = TotpSecret.get_or_none(TotpSecret.user == user.id)
    if row is None or not verify(row, code):
        return False
    with database.atomic():
        TotpSecret.update(confirmed_at=utcnow()).where(TotpSecret.user == user.id).execute()
        audit.record("core.totp.enable", user, user=user)
    session.pop(ENROL_FLAG, None)
    return True


def disable(user: User, *, by: User) -> None:
    with database.atomic():
        TotpSecret.delete().where(TotpSecret.user == user.id).execute()
        audit.record("core.totp.disable", user, user=by)


def set_school_requirement(school_id: int, required: bool, *, by: User) -> None:
    with database.atomic():
        SchoolSecurity.insert(school=school_id, staff_totp_required=required, updated_at=utcnow(),
                              updated_by=by.id).on_conflict(
            conflict_target=[SchoolSecurity.school],
            update={SchoolSecurity.staff_totp_required: required, SchoolSecurity.updated_at: utcnow(),
                    SchoolSecurity.updated_by: by.id}).execute()
        audit.record("core.school.security", object_type="core_school", object_id=school_id, user=by,
                     school_id=school_id, data={"staff_totp_required": required})


def after_login(user: User) -> None:
    """Remember in the session that this staff member must enrol before anything else."""
    if required_for(user) and confirmed(user) is None:
        session[ENROL_FLAG] = True
    else:
        session.pop(ENROL_FLAG, None)


_ALLOWED = {"core_api.me", "core_api.logout", "core_api.totp_status", "core_api.totp_start", "core_api.totp_confirm",
            "identity.logout", "identity.totp", "static", "ui.set_language", "core_api.report_compromised",
            "identity.report_compromised"}


def install(app) -> None:
    @app.before_request
    def _enrol_first():
        if g.get("user") is None or not session.get(ENROL_FLAG) or request.endpoint in _ALLOWED:
            return None
        from ..api import API_PREFIX, ApiError
        if request.path.startswith(API_PREFIX):
            raise ApiError(403, "totp_enrollment_required",
                           "Your school requires a second factor: enrol at /api/v1/me/totp first.")
        return redirect(url_for("identity.totp"))
