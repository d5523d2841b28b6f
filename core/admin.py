"""Administration: modules per school, accounts, the audit log and incidents (pages and API)."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import Schema, validate
from . import fields

from . import access, audit, audit_view, signals
from .api import ApiError, PageArgs, endpoint, load_args, not_found, paginate
from .db import database
from .identity import service
from .identity.models import School, User
from .clientip import client_ip
from .ui import login_required

bp = Blueprint("admin", __name__, url_prefix="/admin")
api_bp = Blueprint("admin_api", __name__, url_prefix="/api/v1")


# --- services ---------------------------------------------------------------------------

class ToggleRefused(Exception):
    pass


def set_plugin_enabled(school: School, name: str, enabled: bool, *, by: User) -> None:
    """Switch a loaded plugin on or off for one school, at once and audited. Data is kept."""
    from . import plugin_switch
    host = current_app.extensions["zhurnal"].plugins
    if name not in host.infos:
        raise LookupError(name)

    def refuse(off: set[str]) -> None:  # read under the school's lock
        missing = [d for d in host.infos[name].depends if d in off] if enabled else []
        if missing:
            raise ToggleRefused(_("Switch on %(dep)s first: %(name)s depends on it.", dep=missing[0], name=name))

    with database.atomic():
        off = plugin_switch.switch(school.id, name, enabled, by_id=by.id if by else None, refuse=refuse)
        audit.record("core.plugin.enable" if enabled else "core.plugin.disable", school, user=by,
                     school_id=school.id, data={"plugin": name})
    school.disabled_plugins = off
    signals.send(signals.plugin_toggled, plugin=name, enabled=enabled, by=by, school_id=school.id)


def plugin_rows(school: School) -> list[dict]:
    host = current_app.extensions["zhurnal"].plugins
    disabled = host.disabled_for(school)
    explicit = set(school.disabled_plugin_names())
    return [{"name": n, "title": i.title, "version": i.version, "depends": list(i.depends),
             "distribution": i.distribution, "enabled": n not in disabled,
             "off_by_dependency": n in disabled and n not in explicit}
            for n, i in host.infos.items()]


def _school_or_404(school_id: int) -> School:
    school = School.get_or_none(School.id == school_id)
    if school is None or not access.can(g.user, "core.plugins.manage", school):
        raise not_found()
    return school


# --- pages ---------------------------------------------------------------------------------

@bp.route("/plugins", methods=["GET", "POST"])
@login_required
def plugins():
    school = g.school
    if school is None and access.can(g.user, "core.plugins.manage"):  # a fresh deployment: an empty state
        return render_template("core/admin_plugins.html", rows=[], school=None)
    if school is None or not access.can(g.user, "core.plugins.manage", school):
        abort(403)
    if request.method == "POST":
        name = request.form.get("plugin", "")
        try:
            set_plugin_enabled(school, name, request.form.get("enabled") == "1", by=g.user)
            flash(_("Saved."), "ok")
        except LookupError:
            abort(404)
        except ToggleRefused as e:
            flash(str(e), "error")
        return redirect(url_for("admin.plugins"))
    return render_template("core/admin_plugins.html", rows=plugin_rows(school), school=school)


@bp.get("/users")
@login_required
def users():
    if not access.can(g.user, "core.users.read"):
        abort(403)
    q = (request.args.get("q") or "").strip().lower()
    query = _users_query(q)
    args = load_args(PageArgs)
    total = query.count()
    rows = list(query.paginate(args["page"], args["per_page"]))
    return render_template("core/admin_users.html", rows=rows, q=q, total=total, page=args["page"],
                           per_page=args["per_page"], new_password=None)


def _users_query(q: str = ""):
    query = User.select().order_by(User.login)
    v = access.visible(g.user, "core.users.read")
    if not v.everything:
        query = query.where(User.school.in_(list(v.schools) or [-1]))
    if q:
        query = query.where(User.login.contains(q) | User.display_name.contains(q))
    return query


def _managed_user_or_404(user_id: int) -> User:
    user = User.get_or_none(User.id == user_id)
    if user is None or not access.can(g.user, "core.users.read", user):
        abort(404)
    if not access.can(g.user, "core.users.manage", user):
        abort(403)
    return user


@bp.post("/users/<id:user_id>/<action>")
@login_required
def user_action(user_id: int, action: str):
    user = _managed_user_or_404(user_id)
    new_password = None
    if action == "lock":
        service.lock(user, by=g.user)
    elif action == "unlock":
        service.unlock(user, by=g.user)
    elif action in ("reset", "unlock-code"):
        new_password = (service.reset_password if action == "reset" else service.issue_unlock_code)(user, by=g.user)
    else:
        abort(404)
    if new_password:
        query = _users_query(user.login)
        return render_template("core/admin_users.html", rows=list(query), q=user.login, total=query.count(),
                               page=1, per_page=50, new_password=(user, new_password, action))
    flash(_("Saved."), "ok")
    return redirect(url_for("admin.users", q=request.args.get("q", "")))


class AuditArgs(PageArgs):
    action = fields.Str(load_default=None)
    login = fields.Str(load_default=None)
    #: login or a part of the name
    person = fields.Str(load_default=None, validate=validate.Length(max=100))
    kind = fields.Str(load_default=None, validate=validate.Length(max=100))
    class_id = fields.Int(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))
    object_type = fields.Str(load_default=None)
    object_id = fields.Str(load_default=None)
    date_from = fields.Date(load_default=None, data_key="from")
    date_to = fields.Date(load_default=None, data_key="to")


def _audit_query(args: dict):
    v = access.visible(g.user, "core.audit.read")
    user_id = None
    if args.get("login"):
        u = User.get_or_none(User.login == args["login"].strip().lower())
        user_id = u.id if u else -1
    q = audit.query(user_id=user_id, action=args.get("action"), object_type=args.get("object_type"),
                    object_id=args.get("object_id"), date_from=args.get("date_from"), date_to=args.get("date_to"))
    if not v.everything:
        q = q.where(audit.AuditEntry.school_id.in_(list(v.schools) or [-1]))
    if args.get("person"):
        q = q.where(audit.AuditEntry.user_id.in_(audit_view.people(args["person"])))
    if args.get("kind"):
        q = audit_view.for_kind(q, args["kind"])
    if args.get("class_id"):
        q = audit_view.for_class(q, args["class_id"])
    return q


def _invalid(rows) -> set[int]:
    return {r.entry_id for r in audit.AuditInvalid.select().where(
        audit.AuditInvalid.entry_id.in_([r.id for r in rows] or [-1]))}


@bp.get("/audit")
@login_required
def audit_log():
    if not access.can(g.user, "core.audit.read"):
        abort(403)
    args = load_args(AuditArgs)
    q = _audit_query(args)
    rows = list(q.paginate(args["page"], args["per_page"]))
    school_id = g.school.id if g.get("school") is not None else None
    return render_template("core/audit.html", lines=audit_view.describe(rows, _invalid(rows)), args=args,
                           has_next=len(rows) == args["per_page"], kinds=sorted(audit_view.kinds()),
                           classes=audit_view.class_choices(school_id))


#: an export for an inspection is capped; narrow the filter for more
EXPORT_LIMIT = 50_000


@bp.get("/audit/export.<fmt>")
@login_required
def audit_export(fmt: str):
    """The filtered audit log as a spreadsheet, in words (for an inspection); the export is audited."""
    import io
    from flask import send_file
    from .tabular import write_table
    if fmt not in ("csv", "xlsx"):
        abort(404)
    if not access.can(g.user, "core.audit.read"):
        abort(403)
    args = load_args(AuditArgs)
    rows = list(_audit_query(args).limit(EXPORT_LIMIT))
    lines = audit_view.describe(rows, _invalid(rows))
    table = [[x.entry.id, x.entry.at, x.entry.login or "", x.entry.ip or "", x.what, x.whom,
              "; ".join(f"{k}: {v}" if k else v for k, v in x.details), _("invalid") if x.invalid else ""]
             for x in lines]
    buf = io.BytesIO()
    write_table(buf, fmt, [_("No."), _("When (UTC)"), _("Who"), _("IP address"), _("What was done"), _("Whom or what"),
                           _("Details"), _("Void")], table, sheet_title=_("Audit"))
    audit.record("core.audit.export", school_id=g.school.id if g.get("school") is not None else None,
                 data={"rows": len(table), "format": fmt,
                       "filter": {k: str(v) for k, v in args.items() if v and k not in ("page", "per_page")}})
    buf.seek(0)
    return send_file(buf, as_attachment=True, download_name=f"audit.{fmt}",
                     mimetype="text/csv" if fmt == "csv" else
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.get("/incidents")
@login_required
def incidents():
    if not access.can(g.user, "core.incidents.read"):
        abort(403)
    from . import incidents as inc
    rows = list(inc.visible(g.user).limit(200))
    return render_template("core/incidents.html", rows=rows, notices=inc.notifications([r.id for r in rows]))


# --- API -------------------------------------------------------------------------------------

class PluginOut(Schema):
    name = fields.Str()
    title = fields.Str()
    version = fields.Str()
    depends = fields.List(fields.Str())
    distribution = fields.Str()
    enabled = fields.Bool()
    off_by_dependency = fields.Bool()


class ToggleIn(Schema):
    enabled = fields.Bool(required=True)


@endpoint(api_bp, "/schools/<id:school_id>/plugins", summary="Plugins and whether each is on for the school",
          response=PluginOut, many=True)
def school_plugins(school_id):
    return plugin_rows(_school_or_404(school_id))


@endpoint(api_bp, "/schools/<id:school_id>/plugins/<name>", ["PUT"], summary="Switch a plugin on or off for a school",
          body=ToggleIn, response=PluginOut)
def toggle_plugin(school_id, name, body):
    school = _school_or_404(school_id)
    try:
        set_plugin_enabled(school, name, body["enabled"], by=g.user)
    except LookupError:
        raise not_found(_("No such plugin."))
    except ToggleRefused as e:
        raise ApiError(409, "conflict", str(e))
    return next(r for r in plugin_rows(school) if r["name"] == name)


class UserOut(Schema):
    id = fields.Int()
    login = fields.Str()
    display_name = fields.Str()
    school_id = fields.Int(allow_none=True)
    is_active = fields.Bool()
    blocked_reason = fields.Str(allow_none=True)
    locked_until = fields.DateTime(allow_none=True)
    must_change_password = fields.Bool()
    last_login_at = fields.DateTime(allow_none=True)


class UsersArgs(PageArgs):
    q = fields.Str(load_default="")


class UserIn(Schema):
    login = fields.Str(required=True, validate=validate.Length(min=2, max=64))
    display_name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(load_default=None, allow_none=True)
    phone = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=32))
    role = fields.Str(required=True, validate=validate.OneOf(["admin", "director", "deputy", "teacher", "nurse", "support"]))


@endpoint(api_bp, "/users", summary="Accounts (paged)", query=UsersArgs)
def list_users(args):
    if not access.can(g.user, "core.users.read"):
        raise ApiError(403, "forbidden", _("You are not allowed to do this."))
    return paginate(_users_query(args["q"].lower()), UserOut(), args=args)


@endpoint(api_bp, "/users", ["POST"], summary="Create a staff account with an issued password", body=UserIn, status=201)
def create_user(body):
    school = g.school
    if school is None or not access.can(g.user, "core.users.manage", school):
        raise ApiError(403, "forbidden", _("You are not allowed to do this."))
    scope = "deployment" if body["role"] in ("admin", "support") else "school"
    with database.atomic():
        try:
            user, password = service.create_user(body["login"], body["display_name"], school=school,
                                                 email=body["email"], phone=body["phone"])
        except ValueError as e:
            raise ApiError(409 if "taken" in str(e) else 422, "conflict" if "taken" in str(e) else "invalid",
                           str(e), {"login": str(e)})
        access.grant(user, body["role"], school=school, scope_type=scope,
                     scope_id=None if scope == "deployment" else school.id)
    return {"user": UserOut().dump(user), "password": password}, 201


@endpoint(api_bp, "/users/<id:user_id>/<any(lock,unlock,'reset-password','unlock-code'):action>", ["POST"],
          summary="Lock, unlock, reset the password of an account, or issue a one-time unlock code for a slip")
def user_action_api(user_id, action):
    user = User.get_or_none(User.id == user_id)
    if user is None or not access.can(g.user, "core.users.read", user):
        raise not_found()
    if not access.can(g.user, "core.users.manage", user):
        raise ApiError(403, "forbidden", _("You are not allowed to do this."))
    if action == "lock":
        service.lock(user, by=g.user)
    elif action == "unlock":
        service.unlock(user, by=g.user)
    elif action == "unlock-code":
        return {"user": UserOut().dump(user), "unlock_code": service.issue_unlock_code(user, by=g.user)}
    else:
        return {"user": UserOut().dump(user), "password": service.reset_password(user, by=g.user)}
    return {"user": UserOut().dump(user)}


class CompromisedFor(Schema):
    note = fields.Str(load_default="", validate=validate.Length(max=2000))
    since = fields.NaiveDateTime(load_default=None, allow_none=True, timezone=dt.timezone.utc)


@endpoint(api_bp, "/users/<id:user_id>/compromised", ["POST"], status=202, body=CompromisedFor,
          summary="Report an account's credentials compromised for its owner (who may be locked out)")
def report_compromised_for(user_id, body):
    user = User.get_or_none(User.id == user_id)
    if user is None or not access.can(g.user, "core.users.read", user):
        raise not_found()
    if not access.can(g.user, "core.incidents.report", user):
        raise ApiError(403, "forbidden", _("You are not allowed to do this."))
    report = service.report_compromised(user, by=g.user, note=body["note"], since=body["since"],
                                        ip=client_ip())
    return {"report_id": report.id, "status": "account_stopped"}, 202


class AuditOut(Schema):
    id = fields.Int()
    at = fields.DateTime()
    user_id = fields.Int(allow_none=True)
    login = fields.Str(allow_none=True)
    ip = fields.Str(allow_none=True)
    action = fields.Str()
    object_type = fields.Str(allow_none=True)
    object_id = fields.Str(allow_none=True)
    school_id = fields.Int(allow_none=True)
    data = fields.Function(lambda e: e.payload)
    #: the entry was made with credentials reported compromised: its action is void
    void = fields.Function(lambda e: getattr(e, "void_report_id", None) is not None)
    void_report_id = fields.Function(lambda e: getattr(e, "void_report_id", None))


@endpoint(api_bp, "/audit", summary="Audit log, newest first (paged, filterable; entries made with "
          "compromised credentials are flagged void)", query=AuditArgs)
def audit_api(args):
    if not access.can(g.user, "core.audit.read"):
        raise ApiError(403, "forbidden", _("You are not allowed to do this."))
    q = _audit_query(args)
    total = q.count()
    rows = list(q.paginate(args["page"], args["per_page"]))
    void = {r.entry_id: r.report_id for r in audit.AuditInvalid.select().where(
        audit.AuditInvalid.entry_id.in_([r.id for r in rows] or [-1]))}
    for r in rows:
        r.void_report_id = void.get(r.id)
    return {"items": AuditOut().dump(rows, many=True), "total": total, "page": args["page"],
            "per_page": args["per_page"]}


@endpoint(api_bp, "/audit/verify", ["POST"], status=202,
          summary="Check the audit chain in the background; the outcome is recorded as core.audit.verified")
def audit_verify_api():
    if not access.can(g.user, "core.audit.verify"):
        raise ApiError(403, "forbidden", _("You are not allowed to do this."))
    from . import jobs, queue
    result = jobs.audit_verify_job()
    out = {"job_id": getattr(result, "id", None), "status": "queued"}
    if queue.get_queue(current_app).immediate and result is not None:
        out.update(status="done", result=result.get())
    return out, 202
