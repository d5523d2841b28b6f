"""The Telegram page of one's profile: link a chat with a one-time code, see it, unlink it."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from zhurnal.core import access
from zhurnal.core.ui import NavItem, login_required

from . import service

bp = Blueprint("notify_telegram", __name__, url_prefix="/notify_telegram", template_folder="templates")

LINK = "notify_telegram.chat.link"


def allowed(user) -> bool:
    """Any role of one's own (the page touches only the user's own link): a permission held anywhere."""
    return access.can(user, LINK)


def nav_items(user, school):
    if user is None or not allowed(user):
        return []
    return [NavItem(_("Telegram"), "notify_telegram.index", priority=860)]


def _page(code: str | None = None, expires=None, status: int = 200):
    s = service.settings()
    bot = s.get("bot_username") or ""
    return render_template("notify_telegram/index.html", link=service.link_of(g.user), code=code,
                           shown_code=service.display_code(code) if code else None, expires=expires,
                           bot=bot, configured=service.configured(), minutes=s["code_minutes"]), status


@bp.get("/")
@login_required
def index():
    if not allowed(g.user):
        abort(403)
    return _page()


@bp.post("/code")
@login_required
def new_code():
    if not allowed(g.user):
        abort(403)
    code, expires = service.issue_code(g.user)
    return _page(code, expires)


@bp.post("/unlink")
@login_required
def unlink():
    if not allowed(g.user):
        abort(403)
    if service.unlink(g.user, by=g.user):
        flash(_("Telegram is unlinked: notifications no longer go to that chat."), "ok")
    return redirect(url_for("notify_telegram.index"))
