"""The kernel's own hook implementations: its permissions and the scope of its objects."""
from __future__ import annotations

from flask_babel import gettext as _

from .access import Permission, Scope, can
from .hookspecs import hookimpl
from .identity.models import School, User

name = "core"


@hookimpl
def zhurnal_permissions():
    return [
        Permission("core.plugins.manage", "Switch plugins on and off for a school", roles=("admin",)),
        Permission("core.users.manage", "Create, lock and reset accounts", roles=("admin",)),
        Permission("core.users.read", "See the list of accounts", roles=("admin", "director", "support")),
        Permission("core.audit.read", "Read the audit log", roles=("admin", "director")),
        Permission("core.audit.verify", "Check the audit log's hash chain", roles=("admin",)),
        Permission("core.incidents.report", "Report an account's credentials compromised on the owner's behalf",
                   roles=("admin", "support")),
        Permission("core.incidents.read", "See reports of compromised credentials",
                   roles=("admin", "director", "support")),
        Permission("core.incidents.manage", "Mark an incident's suspect window, revert its writes, resolve it",
                   roles=("admin",)),
        Permission("core.schools.manage", "Create and rename schools", roles=("admin",)),
        Permission("core.notify.manage", "See every notification: the outbox, failed deliveries; retry them",
                   roles=("admin",)),
        Permission("core.personal_data.export", "Export everything held about a person (152-FZ access request)",
                   roles=("admin", "director")),
    ]


@hookimpl
def zhurnal_object_scope(obj):
    if isinstance(obj, School):
        # not school-wide: checks against the school itself mean "across the whole school"
        return Scope.of(obj.id)
    if isinstance(obj, User):
        return Scope.of(obj.school_id)
    return None


def core_nav(user) -> list:
    """Kernel navigation entries (not a hook: the kernel is always on)."""
    from .ui import NavItem
    items = [NavItem(_("Home"), "ui.dashboard", priority=0)]
    if can(user, "core.users.read"):
        items.append(NavItem(_("Accounts"), "admin.users", priority=900))
    if can(user, "core.plugins.manage"):
        items.append(NavItem(_("Modules"), "admin.plugins", priority=910))
    from flask import g
    if can(user, "core.users.manage") and g.get("school") is not None:  # a school's setting: none without one
        items.append(NavItem(_("Security"), "identity.school_security", priority=915))
    if can(user, "core.audit.read"):
        items.append(NavItem(_("Audit"), "admin.audit_log", priority=920))
    if can(user, "core.incidents.read"):
        items.append(NavItem(_("Incidents"), "admin.incidents", priority=930))
    from .notify.views import nav_items as notify_nav
    return items + notify_nav(user)


@hookimpl
def zhurnal_dashboard_widgets(user, school):
    """Open reports of compromised credentials: how the head of school and support are told in-app."""
    from .ui import Widget
    out = []
    if can(user, "core.plugins.manage"):
        out.append(backup_widget())
    if can(user, "core.incidents.read"):
        rows = open_incidents(user)
        if rows:
            out.append(Widget(_("Compromised credentials"), template="core/_incidents_widget.html",
                              context={"rows": rows}, priority=5))
    return out or None


def backup_widget():
    """The operator's view of backups: the newest one, and a warning when it is missing or too old."""
    from flask import current_app
    from . import backup
    from .ui import Widget
    st = backup.status(current_app.extensions["zhurnal"].settings)
    return Widget(_("Backups"), template="core/_backup_widget.html", context={"st": st},
                  priority=4 if st["stale"] else 80)


def open_incidents(user, limit: int = 5) -> list:
    """Unresolved compromise reports the user may see, newest first."""
    from . import access
    from .identity.models import CompromiseReport
    v = access.visible(user, "core.incidents.read")
    q = (CompromiseReport.select(CompromiseReport, User).join(User, on=(CompromiseReport.user == User.id))
         .where(CompromiseReport.resolved_at.is_null()).order_by(CompromiseReport.reported_at.desc()))
    if not v.everything:
        q = q.where(User.school.in_(list(v.schools) or [-1]))
    return list(q.limit(limit))
