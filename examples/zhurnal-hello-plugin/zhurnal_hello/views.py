"""The hello page: a greeting and the number of classes, read through the roster's public service."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, g, render_template
from flask_babel import gettext as _

from zhurnal.core import access, clock
from zhurnal.core.ui import NavItem, login_required

bp = Blueprint("hello", __name__, url_prefix="/hello", template_folder="templates")


def class_count(school) -> int:
    """Classes of the school in the current school year."""
    from zhurnal.plugins.roster import service as roster
    year = roster.current_year(school, clock.today())
    return len(roster.classes(school, year)) if year else 0


def nav_items(user, school):
    if school is None or not access.can(user, "hello.greet", school):
        return []
    return [NavItem(_("Hello"), "hello.index", priority=800)]


@bp.get("/")
@login_required
def index():
    school = g.school
    if school is None or not access.can(g.user, "hello.greet", school):
        abort(403)
    settings = current_app.extensions["zhurnal"].plugins.infos["hello"].settings
    return render_template("hello/index.html", name=g.user.display_name, classes=class_count(school),
                           school=school, motto=settings["motto"])
