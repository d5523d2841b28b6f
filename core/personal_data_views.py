"""The access request's surfaces: ``GET /api/v1/me/personal-data``, ``GET /api/v1/users/<id>/personal-data``
and the profile page «Мои персональные данные» with its JSON download (see :mod:`zhurnal.core.personal_data`)."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, g, render_template
from flask_babel import gettext as _

from . import access, personal_data
from .api import ApiError, endpoint, not_found
from .db import database
from .identity.models import User
from .ui import login_required

bp = Blueprint("personal_data", __name__, url_prefix="/account")
api_bp = Blueprint("personal_data_api", __name__, url_prefix="/api/v1")


def _own(via: str) -> dict:
    data = personal_data.export(g.user, viewer=g.user)
    with database.atomic():
        personal_data.record_read(g.user, by=g.user, via=via)
    return data


@endpoint(api_bp, "/me/personal-data", summary="Everything held about oneself (152-FZ access request); "
          "a guardian also gets their children's sections")
def mine():
    return _own("api")


@endpoint(api_bp, "/users/<id:user_id>/personal-data",
          summary="Everything held about an account (152-FZ access request; administration; audited)")
def of_user(user_id):
    if not access.can(g.user, "core.personal_data.export"):
        raise ApiError(403, "forbidden", _("You are not allowed to do this."))
    user = User.get_or_none(User.id == user_id)
    if user is None or not access.can(g.user, "core.personal_data.export", user):
        raise not_found()
    data = personal_data.export(user, viewer=g.user)
    with database.atomic():
        personal_data.record_read(user, by=g.user, via="api")
    return data


@bp.get("/personal-data")
@login_required
def page():
    infos = current_app.extensions["zhurnal"].plugins.infos
    return render_template("core/personal_data.html", data=_own("page"),
                           titles={name: info.title for name, info in infos.items()})


@bp.get("/personal-data.json")
@login_required
def download():
    data = _own("download")
    name = f"personal-data-{g.user.login}.json"
    return Response(personal_data.as_json(data), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
