"""Help for each role, and a one-page leaflet for parents' meetings."""
from __future__ import annotations

from flask import g, render_template, request

from zhurnal.core import access
from zhurnal.core.ui import login_required

from .. import access as diary_access
from . import bp

#: help sections in the order they are shown; the reader's own first
SECTIONS = ("parent", "student", "class_teacher", "teacher")


def _own_sections(user) -> list[str]:
    roles = access.roles(user)
    own = [s for s in SECTIONS if s in roles]
    return own + [s for s in SECTIONS if s not in own]


@bp.get("/help")
@login_required
def help():
    diary_access.require("diary.help.read")
    return render_template("diary/help.html", sections=_own_sections(g.user))


@bp.get("/help/leaflet")
@login_required
def leaflet():
    """A clean page that prints on one A4 sheet (no site chrome)."""
    diary_access.require("diary.help.read")
    return render_template("diary/leaflet.html", school=g.get("school"), base_url=request.host_url.rstrip("/"))
