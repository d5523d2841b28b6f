"""Login, logout, password change, personal tokens and the "my credentials are compromised" page."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import login_user, logout_user

from ..db import database
from ..ui import login_required
from . import activation, service
from .models import ApiToken

bp = Blueprint("identity", __name__)


def _client_ip() -> str:
    return (request.headers.get("X-Forwarded-For") or request.remote_addr or "").split(",")[0].strip()


def refusal_message(e: service.LoginRefused) -> str:
    if e.code == "throttled":
        return ngettext("Too many failed attempts. Try again in %(num)d second.",
                        "Too many failed attempts. Try again in %(num)d seconds.", e.retry_after or 1)
    if e.code == "locked":
        minutes = max(1, (e.retry_after or 60) // 60)
        return ngettext("The account is locked after failed attempts. Try again in %(num)d minute.",
                        "The account is locked after failed attempts. Try again in %(num)d minutes.", minutes)
    if e.code == "blocked":
        return _("This account is stopped. Contact the school administrator.")
    return _("Wrong login or password.")


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("ui.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if g.get("user") is not None and request.method == "GET":
        return redirect(url_for("ui.dashboard"))
    error = None
    status = 200
    if request.method == "POST":
        try:
            user = service.authenticate(request.form.get("login", ""), request.form.get("password", ""),
                                        ip=_client_ip(), via="web")
        except service.LoginRefused as e:
            error = refusal_message(e)
            status = 429 if e.code in ("throttled", "locked") else 401
        else:
            login_user(user)
            g.user = user
            if user.must_change_password:
                return redirect(url_for("identity.change_password"))
            return redirect(_safe_next(request.args.get("next")))
    return render_template("core/login.html", error=error, login=request.form.get("login", "")), status


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
    return render_template("core/account.html", tokens=tokens, new_token=None)


@bp.post("/account/tokens")
@login_required
def create_token():
    name = (request.form.get("name") or "").strip() or _("Script")
    issued = service.issue_token(g.user, name)
    tokens = list(ApiToken.select().where((ApiToken.user == g.user.id) & ApiToken.revoked_at.is_null())
                  .order_by(ApiToken.id.desc()))
    return render_template("core/account.html", tokens=tokens, new_token=issued.secret)


@bp.post("/account/tokens/<int:token_id>/revoke")
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
