"""Kernel tables: schools, accounts, role assignments, API tokens."""
from __future__ import annotations

import peewee as pw

from ..db import BaseModel, utcnow

#: every role the kernel knows; plugins grant permissions to these
ROLES = ("admin", "director", "deputy", "teacher", "class_teacher", "nurse",
         "parent", "student", "support")

#: what a role assignment's scope may be
SCOPES = ("deployment", "school", "class", "student")


class School(BaseModel):
    """A school of the deployment. Details beyond the name belong to the roster plugin."""
    name = pw.CharField(max_length=300)
    short_name = pw.CharField(max_length=100)
    #: comma-separated names of loaded plugins switched off for this school
    disabled_plugins = pw.TextField(default="")
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "core_school"

    def disabled_plugin_names(self) -> list[str]:
        return [n for n in self.disabled_plugins.split(",") if n]


class User(BaseModel):
    login = pw.CharField(max_length=64, unique=True)
    password_hash = pw.CharField(max_length=255, default="")
    display_name = pw.CharField(max_length=200)
    email = pw.CharField(max_length=200, null=True)
    phone = pw.CharField(max_length=32, null=True)
    #: the school the account belongs to (None for deployment staff)
    school = pw.ForeignKeyField(School, null=True, backref="users", on_delete="RESTRICT")
    locale = pw.CharField(max_length=8, null=True)
    is_active = pw.BooleanField(default=True)
    #: why the account is stopped ("admin", "compromised"), None when usable
    blocked_reason = pw.CharField(max_length=32, null=True)
    locked_until = pw.DateTimeField(null=True)
    failed_logins = pw.IntegerField(default=0)
    last_failed_at = pw.DateTimeField(null=True)
    must_change_password = pw.BooleanField(default=False)
    #: bumped to end every session and token of the user at once
    session_epoch = pw.IntegerField(default=0)
    last_login_at = pw.DateTimeField(null=True)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "core_user"

    # flask-login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_epoch}"


class RoleAssignment(BaseModel):
    """``user`` holds ``role`` within a scope: the whole deployment, a school,
    a class (``scope_id`` is the roster class id) or a student (student id)."""
    user = pw.ForeignKeyField(User, backref="assignments", on_delete="CASCADE")
    role = pw.CharField(max_length=32)
    school = pw.ForeignKeyField(School, null=True, on_delete="CASCADE")
    scope_type = pw.CharField(max_length=16)
    scope_id = pw.IntegerField(null=True)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "core_role_assignment"
        indexes = ((("user", "role", "scope_type", "scope_id"), True),)


class ApiToken(BaseModel):
    """A personal token for scripts; only its SHA-256 is stored."""
    user = pw.ForeignKeyField(User, backref="tokens", on_delete="CASCADE")
    name = pw.CharField(max_length=100)
    token_hash = pw.CharField(max_length=64, unique=True)
    prefix = pw.CharField(max_length=12)
    created_at = pw.DateTimeField(default=utcnow)
    last_used_at = pw.DateTimeField(null=True)
    revoked_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "core_api_token"


class CompromiseReport(BaseModel):
    """A user's report that their credentials are known to someone else."""
    user = pw.ForeignKeyField(User, backref="compromise_reports", on_delete="CASCADE")
    reported_at = pw.DateTimeField(default=utcnow)
    reported_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    ip = pw.CharField(max_length=64, null=True)
    note = pw.TextField(default="")
    #: from when the credentials are known to be in other hands (default: the report itself);
    #: audit entries of the user from then on are marked invalid
    compromised_since = pw.DateTimeField(null=True)
    #: when the head of school and support were told (the 1-working-day rule)
    notified_at = pw.DateTimeField(null=True)
    resolved_at = pw.DateTimeField(null=True)
    #: by when the incident must be handled: one working day after the report (weekends and
    #: the school's holidays skipped), fixed when reported
    deadline_at = pw.DateTimeField(null=True)
    #: when the director was told the deadline passed with the incident still open
    overdue_flagged_at = pw.DateTimeField(null=True)
    #: when the writes of the suspect window were reverted (one audited action)
    reverted_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "core_compromise_report"


class LoginFailure(BaseModel):
    """Failed logins with a login that names no account, counted as an account's are: a stranger
    trying logins sees the same slow-down and lock whether or not the account exists."""
    login = pw.CharField(max_length=64, primary_key=True)
    failed_logins = pw.IntegerField(default=0)
    last_failed_at = pw.DateTimeField(null=True)
    locked_until = pw.DateTimeField(null=True)

    class Meta:
        table_name = "core_login_failure"


class LoginAddress(BaseModel):
    """Failed logins from one client address, over all accounts: one address trying many
    accounts is slowed down, whoever it tries."""
    ip = pw.CharField(max_length=64, primary_key=True)
    failed_logins = pw.IntegerField(default=0)
    last_failed_at = pw.DateTimeField(null=True)
    locked_until = pw.DateTimeField(null=True)

    class Meta:
        table_name = "core_login_address"


class UnlockCode(BaseModel):
    """A one-time code that opens an account locked by failed logins (a slip from staff, or
    sent to the owner); only its SHA-256 is stored."""
    user = pw.ForeignKeyField(User, backref="unlock_codes", on_delete="CASCADE")
    code_hash = pw.CharField(max_length=64, unique=True)
    created_at = pw.DateTimeField(default=utcnow)
    expires_at = pw.DateTimeField()
    used_at = pw.DateTimeField(null=True)
    issued_by = pw.IntegerField(null=True)

    class Meta:
        table_name = "core_unlock_code"


class TotpSecret(BaseModel):
    """A staff member's TOTP second factor (RFC 6238, 30-second steps, 6 digits)."""
    user = pw.ForeignKeyField(User, primary_key=True, on_delete="CASCADE")
    secret = pw.CharField(max_length=64)
    created_at = pw.DateTimeField(default=utcnow)
    #: None until the first code was entered (enrolment not finished: not asked at sign-in)
    confirmed_at = pw.DateTimeField(null=True)
    #: the time step of the last accepted code: a code is accepted once
    last_step = pw.BigIntegerField(default=0)

    class Meta:
        table_name = "core_totp"


class SchoolSecurity(BaseModel):
    """Per-school security settings."""
    school = pw.ForeignKeyField(School, primary_key=True, on_delete="CASCADE")
    #: staff (every role but parent and student) must sign in with a TOTP code
    staff_totp_required = pw.BooleanField(default=False)
    updated_at = pw.DateTimeField(default=utcnow)
    updated_by = pw.IntegerField(null=True)

    class Meta:
        table_name = "core_school_security"


class UserSession(BaseModel):
    """One signed-in browser or API client. The session cookie carries a random key whose
    SHA-256 is stored here: ending the row (logout, "end this one", a password change, a
    compromise report) refuses the cookie on every worker at its next request."""
    user = pw.ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    key_hash = pw.CharField(max_length=64, unique=True)
    created_at = pw.DateTimeField(default=utcnow)
    last_seen_at = pw.DateTimeField(default=utcnow)
    ended_at = pw.DateTimeField(null=True)
    ip = pw.CharField(max_length=64, null=True)
    user_agent = pw.CharField(max_length=200, default="")
    #: the long-lived device cookie's id (hashed): a sign-in from a device never seen is announced
    device = pw.CharField(max_length=64, default="", index=True)
    via = pw.CharField(max_length=16, default="web")

    class Meta:
        table_name = "core_session"
        indexes = ((("user", "ended_at"), False),)


MODELS = [School, User, RoleAssignment, ApiToken, CompromiseReport, LoginFailure, LoginAddress, UnlockCode,
          TotpSecret, SchoolSecurity, UserSession]
