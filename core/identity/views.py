"""Login, logout, password change, personal tokens and the "my credentials are compromised" page."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, ngettext
from flask_login import login_user, logout_user

from ..ui import login_required, safe_next
from . import activation, service, sessions, totp
from .models import ApiToken

bp = Blueprint("identity", __name__)


def _client_ip() -> str:
    from ..clientip import client_ip
    return client_ip()


def refusal_message(e: service.LoginRefused) -> str:
    if e.code == "throttled":
        return ngettext("Too many failed attempts. Try again in %(num)d second.",
                        "Too many failed attempts. Try again in %(num)d seconds.", e.retry_after or 1)
    if e.code == "locked":
        minutes = max(1, (e.retry_after or 60) // 60)
        return ngettext("The account is locked after failed attempts. Try again in %(num)d minute.",
                        "The account is locked after failed attempts. Try again in %(num)d minutes.", minutes)
    if e.code == "totp_required":
        return _("Enter the code from your authenticator app.")
    if e.code == "totp_invalid":
        return _("Wrong code from the authenticator app.")
    if e.code == "locked" and e.retry_after is None:
        return _("The account is locked.")
    if e.code == "blocked":
        return _("This account is stopped. Contact the school administrator.")
    return _("Wrong login or password.")


def _safe_next(target: str | None) -> str:
    return safe_next(target, url_for("ui.dashboard"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if g.get("user") is not None and request.method == "GET":
        return redirect(url_for("ui.dashboard"))
    error = None
    status = 200
    ask_unlock = ask_totp = False
    if request.method == "POST":
        try:
            user = service.authenticate(request.form.get("login", ""), request.form.get("password", ""),
                                        ip=_client_ip(), via="web",
                                        unlock_code=request.form.get("unlock_code") or None,
                                        totp_code=request.form.get("totp") or None)
        except service.LoginRefused as e:
            error = refusal_message(e)
            status = 429 if e.code in ("throttled", "locked") else 401
            ask_unlock = e.code == "locked"
            ask_totp = e.code in ("totp_required", "totp_invalid")
        else:
            login_user(user)
            g.user = user
            totp.after_login(user)
            if session.get(totp.ENROL_FLAG):
                return redirect(url_for("identity.totp"))
            if user.must_change_password:
                return redirect(url_for("identity.change_password"))
            return redirect(_safe_next(request.args.get("next")))
    return render_template("core/login.html", error=error, login=request.form.get("login", ""),
                           ask_unlock_code=ask_unlock, ask_totp=ask_totp), status


@bp.post("/login/unlock-code")
def send_unlock_code():
    """Ask for a one-time code that opens an account locked by failed logins (the answer is the same
    whether or not the login exists and is locked)."""
    service.send_unlock_code(request.form.get("login", "")[:64], ip=_client_ip())
    flash(_("If this account is locked and has an address for notices, a one-time code has been sent to it."), "ok")
    return redirect(url_for("identity.login"))


@bp.post("/logout")
def logout():
    logout_user()
    return redirect(url_for("identity.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    error = None
    if request.method == "POST":
        new = request.form.get("new_password", "")
        if new != request.form.get("new_password2", ""):
            error = _("The two new passwords differ.")
        else:
            try:
                service.change_password(g.user, new, current=request.form.get("current_password", ""))
            except ValueError as e:
                error = _(str(e))
            else:
                login_user(g.user)  # the old session ended with the change; this browser continues
                flash(_("Password changed. Other sessions have been ended."), "ok")
                return redirect(url_for("ui.dashboard"))
    return render_template("core/password.html", error=error, forced=g.user.must_change_password,
                           no_current=activation.awaiting_password(g.user)), (422 if error else 200)


@bp.get("/account")
@login_required
def account():
    tokens = list(ApiToken.select().where((ApiToken.user == g.user.id) & ApiToken.revoked_at.is_null())
                  .order_by(ApiToken.id.desc()))
    return render_template("core/account.html", tokens=tokens, new_token=None,
                           sessions=sessions.open_sessions(g.user), current_session=g.get("zh_session_id"))


@bp.post("/account/tokens")
@login_required
def create_token():
    name = (request.form.get("name") or "").strip() or _("Script")
    issued = service.issue_token(g.user, name)
    tokens = list(ApiToken.select().where((ApiToken.user == g.user.id) & ApiToken.revoked_at.is_null())
                  .order_by(ApiToken.id.desc()))
    return render_template("core/account.html", tokens=tokens, new_token=issued.secret,
                           sessions=sessions.open_sessions(g.user), current_session=g.get("zh_session_id"))


@bp.post("/account/tokens/<id:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    tok = ApiToken.get_or_none((ApiToken.id == token_id) & (ApiToken.user == g.user.id))
    if tok is None:
        abort(404)
    service.revoke_token(tok, by=g.user)
    flash(_("Token revoked."), "ok")
    return redirect(url_for("identity.account"))


@bp.route("/account/compromised", methods=["GET", "POST"])
@login_required
def report_compromised():
    if request.method == "POST":
        if request.form.get("confirm") != "yes":
            return render_template("core/compromised.html", error=_("Tick the box to confirm.")), 422
        service.report_compromised(g.user, ip=_client_ip(), note=request.form.get("note", ""))
        logout_user()
        return render_template("core/compromised_done.html")
    return render_template("core/compromised.html", error=None)


@bp.post("/account/sessions/<int:session_id>/end")
@login_required
def end_session(session_id: int):
    if not sessions.end(g.user, session_id):
        abort(404)
    flash(_("Session ended."), "ok")
    return redirect(url_for("identity.account"))


@bp.post("/account/sessions/end-others")
@login_required
def end_other_sessions():
    n = sessions.end_others(g.user)
    flash(ngettext("%(num)d other session ended.", "%(num)d other sessions ended.", n), "ok")
    return redirect(url_for("identity.account"))


@bp.route("/account/totp", methods=["GET", "POST"], endpoint="totp")
@login_required
def totp_page():
    """Enrol in (or leave) the second factor."""
    error, started = None, None
    if request.method == "POST":
        action = request.form.get("action")
        if action == "start":
            started = totp.start(g.user)
        elif action == "confirm":
            if totp.confirm(g.user, request.form.get("code", "")):
                flash(_("Second factor switched on."), "ok")
                return redirect(url_for("identity.account"))
            error = _("Wrong code from the authenticator app.")
        elif action == "disable" and not totp.required_for(g.user):
            row = totp.confirmed(g.user)
            if row is not None and totp.verify(row, request.form.get("code", "")):
                totp.disable(g.user, by=g.user)
                flash(_("Second factor switched off."), "ok")
                return redirect(url_for("identity.account"))
            error = _("Wrong code from the authenticator app.")
    return render_template("core/totp.html", error=error, started=started, enabled=totp.confirmed(g.user) is not None,
                           required=totp.required_for(g.user)), (422 if error else 200)


@bp.route("/admin/security", methods=["GET", "POST"])
@login_required
def school_security():
    """The school's security settings: whether staff must sign in with a second factor."""
    from .. import access
    from .models import SchoolSecurity
    school = g.get("school")
    if school is None or not access.can(g.user, "core.users.manage", school):
        abort(403)
    if request.method == "POST":
        totp.set_school_requirement(school.id, request.form.get("staff_totp_required") == "1", by=g.user)
        flash(_("Saved."), "ok")
        return redirect(url_for("identity.school_security"))
    row = SchoolSecurity.get_or_none(SchoolSecurity.school == school.id)
    return render_template("core/school_security.html", school=school,
                           required=bool(row and row.staff_totp_required))
