"""The application factory: settings -> database -> plugins -> everything they contribute."""
from __future__ import annotations

import datetime as dt
import functools
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, request, session
from flask_babel import Babel
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect

import peewee as pw
from peewee import JOIN

from . import api, db, signals
from .access import AccessRegistry
from .config import Settings, load_settings
from .identity.models import School, User
from .identity.passwords import Passwords
from .plugins import PluginError, PluginHost, resolve
from .prepared import Prepared, as_datetime, slot

log = logging.getLogger("zhurnal")


@dataclass
class Zhurnal:
    """Everything the kernel keeps for one application: ``app.extensions["zhurnal"]``."""
    settings: Settings
    plugins: PluginHost
    access: AccessRegistry
    passwords: Passwords
    receivers: list = field(default_factory=list)
    blueprint_owner: dict[str, str] = field(default_factory=dict)

    def school_by_id(self, school_id) -> School | None:
        if school_id is None:
            return None
        cache = g.setdefault("_zh_schools", {}) if _has_app_ctx() else {}
        if school_id not in cache:
            found = db.by_key(School, School.id, school_id)
            cache[school_id] = found[0] if found else None
        return cache[school_id]


def _has_app_ctx() -> bool:
    from flask import has_app_context
    return has_app_context()


def create_app(overrides: dict | None = None, *, settings: Settings | None = None,
               extra_plugins: list[Any] = ()) -> Flask:
    """Build the Zhurnal application.

    :param overrides: settings that win over ``zhurnal.toml`` and the environment
    :param settings: already loaded settings (skips loading)
    :param extra_plugins: plugin objects to load besides the installed ones (tests, embedding);
        they must also be named in the enabled list
    :raises zhurnal.core.config.ConfigError: bad settings or plugin set (one line)
    """
    settings = settings or load_settings(overrides)
    app = Flask(__name__.rpartition(".")[0], template_folder="ui/templates", static_folder="ui/static",
                static_url_path="/static/core")
    app.config.update(
        SECRET_KEY=settings.secret_key,
        TESTING=settings.testing,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.security["secure_cookies"],
        REMEMBER_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=settings.security["session_hours"] * 3600,
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE=settings.default_locale,
        BABEL_DEFAULT_TIMEZONE=settings.timezone,
        JSON_SORT_KEYS=False,
    )
    app.json = api.JSONProvider(app)
    from .fields import IdConverter
    app.url_map.converters["id"] = IdConverter   # every id in a route: <id:student_id>
    app.url_map.converters["int"] = IdConverter  # and a third-party plugin's <int:...>, bounded alike

    db.init_database(settings.database_url)
    host = PluginHost(resolve(settings.enabled_plugins, extra=extra_plugins), settings)
    from .access import Permission  # noqa: F401  (hook results are Permission objects)
    declared = [p for ps in host.hook.zhurnal_permissions() for p in (ps or [])]
    roles = [r for rs in host.hook.zhurnal_roles() for r in (rs or [])]
    ext = Zhurnal(settings=settings, plugins=host, access=AccessRegistry(declared, settings.grants, roles),
                  passwords=Passwords(settings.security["argon2_time_cost"], settings.security["argon2_memory_cost"],
                                      settings.security["argon2_parallelism"]))
    app.extensions["zhurnal"] = ext
    for hook_name, what in (("zhurnal_importers", "import"), ("zhurnal_exporters", "export")):
        _check_file_kinds(host, hook_name, what)

    _install_i18n(app, host)
    _install_db_lifecycle(app)
    _install_login(app)
    from . import csrf, headers
    from .identity import totp
    csrf.install(app)
    headers.install(app)
    totp.install(app)
    CSRFProtect(app)
    api.install_error_handlers(app)
    from .fields import install as install_input_checks
    install_input_checks(app)

    from . import admin, incidents_api, incidents_pages, personal_data_views, ui
    from .identity import api as identity_api, views as identity_views
    from .notify import views as notify_views
    for bp in (identity_api.bp, identity_views.bp, ui.bp, admin.bp, admin.api_bp, incidents_api.api_bp,
               incidents_pages.bp, notify_views.bp, notify_views.api_bp, personal_data_views.bp,
               personal_data_views.api_bp):
        app.register_blueprint(bp)
        ext.blueprint_owner[bp.name] = "core"
    for name, bps in host.per_plugin("zhurnal_blueprints").items():
        for bp in bps or []:
            if bp.name in app.blueprints:
                raise RuntimeError(f"plugin {name!r} registers blueprint {bp.name!r}, which already exists")
            app.register_blueprint(bp)
            ext.blueprint_owner[bp.name] = name
    _exempt_api_from_csrf(app)
    _install_school_guard(app, ext)
    ui.install(app)

    @app.get("/api/v1/openapi.json")
    def openapi_json():
        return api.openapi(app)

    app.extensions["csrf"].exempt(openapi_json)
    from . import audit, ops, queue
    ops.install(app)
    audit.install(app)
    queue.install(app)
    from . import notify
    notify.install(app)
    host.hook.zhurnal_app_ready(app=app)
    return app


def _check_file_kinds(host: PluginHost, hook_name: str, what: str) -> None:
    """A file kind (``zhurnal import students``) offered by two plugins stops start-up with one line."""
    owners: dict[str, str] = {}
    for plugin, kinds in host.per_plugin(hook_name).items():
        for kind in kinds or {}:
            if kind in owners:
                raise PluginError(f"{what} kind {kind!r} is offered by two plugins: {owners[kind]!r} and {plugin!r}")
            owners[kind] = plugin


def ready_to_serve(app: Flask) -> Flask:
    """Make a freshly created app ready to serve requests in this process (``zhurnal.core.wsgi``).

    Everything start-up made (modules, the app, its plugins, compiled SQL and templates:
    some 90,000 objects) lives as long as the process; frozen, the collector's full passes
    no longer walk it whenever a request triggers one (a journal page: about 13 % less CPU).
    """
    import gc
    gc.freeze()
    return app


def _exempt_api_from_csrf(app: Flask) -> None:
    csrf: CSRFProtect = app.extensions["csrf"]
    for name, func in app.view_functions.items():
        bp = name.split(".", 1)[0] if "." in name else None
        if bp and app.blueprints[bp].url_prefix and app.blueprints[bp].url_prefix.startswith(api.API_PREFIX):
            csrf.exempt(func)


def _install_i18n(app: Flask, host: PluginHost) -> None:
    dirs = []
    for info in host.infos.values():
        mod_file = getattr(info.module, "__file__", None)
        if mod_file:
            d = Path(mod_file).parent / "translations"
            if d.is_dir():
                dirs.append(str(d))
    # catalogs are merged in this order and a later one wins a shared msgid: the kernel's own
    # wording comes last so that no plugin can change it (python -m zhurnal.core.i18n check reports such clashes)
    dirs.append(str(Path(__file__).parent / "translations"))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(dirs)

    def select_locale():
        if request and request.args.get("lang") in ("ru", "en"):
            session["lang"] = request.args["lang"]
        lang = session.get("lang")
        if lang:
            return lang
        user = getattr(g, "user", None)
        if user is not None and user.locale:
            return user.locale
        return app.config["BABEL_DEFAULT_LOCALE"]

    Babel(app, locale_selector=select_locale)


def _principal_query():
    from .identity.models import RoleAssignment, UserSession
    return (User.select(*User._meta.sorted_fields, *School._meta.sorted_fields,
                        *RoleAssignment._meta.sorted_fields, UserSession.id, UserSession.last_seen_at)
            .join(School, JOIN.LEFT_OUTER, on=(User.school == School.id))
            .switch(User).join(RoleAssignment, JOIN.LEFT_OUTER, on=(RoleAssignment.user == User.id))
            .switch(User).join(UserSession, JOIN.LEFT_OUTER,
                               on=((UserSession.user == User.id) & (UserSession.key_hash == slot("sid"))
                                   & UserSession.ended_at.is_null() & (UserSession.last_seen_at > slot("idle"))))
            .where(User.id == slot("id")).order_by(RoleAssignment.id))


_PRINCIPAL = Prepared(_principal_query)


def _principal(uid: int, sid: str) -> User | None:
    """The account of a session, with its school, role assignments and whether the session
    ``sid`` (its key's hash) is still open (not ended, used within ``session_hours``), in one statement.

    Every logged-in request needs all of them; the school and the roles are left where
    :meth:`Zhurnal.school_by_id` and :func:`zhurnal.core.access.assignments` look first. None when
    the account or the open session is missing.
    """
    from .identity import sessions
    idle = db.utcnow() - dt.timedelta(hours=current_app.extensions["zhurnal"].settings.security["session_hours"])
    rows = _PRINCIPAL.rows(id=uid, sid=sid, idle=idle)
    if not rows or rows[0][-2] is None:
        return None
    (um, ucols), (sm, scols), (rm, rcols) = _principal_columns()
    a, b, c = len(ucols), len(ucols) + len(scols), len(ucols) + len(scols) + len(rcols)
    user = db.model_from_row(um, ucols, rows[0][:a])
    if rows[0][a] is not None:
        g.setdefault("_zh_schools", {})[rows[0][a]] = db.model_from_row(sm, scols, rows[0][a:b])
    g.setdefault("_zh_assignments", {})[user.id] = [db.model_from_row(rm, rcols, r[b:c]) for r in rows
                                                    if r[b] is not None]
    g.zh_session_id = rows[0][-2]
    sessions.touch(rows[0][-2], as_datetime(rows[0][-1]))
    return user


@functools.cache
def _principal_columns() -> tuple:
    from .identity.models import RoleAssignment
    return tuple((m, db.converters(m._meta.sorted_fields)) for m in (User, School, RoleAssignment))


def _install_login(app: Flask) -> None:
    from flask_login import user_logged_in, user_logged_out
    from peewee import DatabaseError
    from werkzeug.exceptions import ServiceUnavailable
    from .identity import service, sessions

    lm = LoginManager(app)
    lm.login_view = "identity.login"
    lm.login_message = None
    lm.session_protection = "basic"

    @lm.user_loader
    def load_user(user_id: str):
        try:
            uid, epoch = (int(x) for x in user_id.split(":"))
        except ValueError:
            return None
        if g.get("_zh_store_down"):  # the error page of the refusal below: render it anonymous
            return None
        try:
            user = _principal(uid, sessions.current_key_hash())
        except DatabaseError:
            g._zh_store_down = True
            # fail closed: without the session store nobody is let in, and nobody is told "logged out"
            log.exception("the session store is unreachable")
            if db.database.in_transaction():
                db.database.rollback()
            raise ServiceUnavailable("The session store is unreachable; try again shortly.") from None
        if user is None or user.session_epoch != epoch or not user.is_active:
            return None
        return user

    def _on_login(sender, user, **kw):
        from .identity.views import _client_ip
        sessions.start(user, via="api" if request.path.startswith(api.API_PREFIX) else "web", ip=_client_ip())

    def _on_logout(sender, user=None, **kw):
        sessions.end_current()

    user_logged_in.connect(_on_login, app, weak=False)
    user_logged_out.connect(_on_logout, app, weak=False)
    sessions.install(app)

    @lm.request_loader
    def load_from_token(req):
        auth = req.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            user = service.user_for_token(auth[7:].strip())
            if user is not None:
                g.via_token = True
            return user
        return None

    @lm.unauthorized_handler
    def unauthorized():
        from flask import redirect, url_for
        if request.path.startswith(api.API_PREFIX):
            raise api.ApiError(401, "unauthorized", "Log in first.")
        return redirect(url_for("identity.login", next=request.full_path if request.query_string else request.path))

    @app.before_request
    def _load_user():
        user = current_user._get_current_object()
        g.user = user if user.is_authenticated else None
        g.school = None
        if g.user is not None:
            ext = app.extensions["zhurnal"]
            sid = g.user.school_id
            if sid is None:  # deployment staff work in the school they chose
                sid = session.get("school_id")
                if sid is None:
                    first = School.select(School.id).order_by(School.id).first()
                    sid = first.id if first else None
            g.school = ext.school_by_id(sid)


def _install_db_lifecycle(app: Flask) -> None:
    @app.before_request
    def _connect():
        db.database.connect(reuse_if_open=True)

    dispatch = app.full_dispatch_request

    def full_dispatch_request():
        # PostgreSQL: a backend terminated (or a server restarted) while this request was in
        # flight. If it had not written yet, it is run again, once, on a fresh connection;
        # otherwise 503: it may have done part of its work (an Idempotency-Key makes a retry safe)
        db.wrote.set(False)
        try:
            return dispatch()
        except (pw.OperationalError, pw.InterfaceError):
            if not db.is_postgres() or not db.database.obj.connection_lost():
                raise
            db.database.obj.discard_connection()
            if db.wrote.get():
                log.warning("database connection lost after %s %s had written: 503", request.method, request.path)
                from werkzeug.exceptions import ServiceUnavailable
                return app.finalize_request(app.handle_user_exception(ServiceUnavailable(
                    "The database connection was lost; the change may not be complete. Try again.")))
            log.warning("database connection lost during %s %s: running it again", request.method, request.path)
            db.wrote.set(False)
            return dispatch()

    app.full_dispatch_request = full_dispatch_request

    @app.teardown_appcontext
    def _release(exc):
        # pooled PostgreSQL connections go back to the pool; an SQLite connection stays open for the thread
        if db.is_postgres() and not db.database.is_closed():
            db.database.close()


def _install_school_guard(app: Flask, ext: Zhurnal) -> None:
    """A plugin switched off for the user's school answers 404 on all its routes."""
    from flask import abort

    @app.before_request
    def _guard():
        bp = request.blueprint
        if not bp:
            return
        owner = ext.blueprint_owner.get(bp.split(".")[0])
        if owner and owner != "core" and not ext.plugins.is_enabled(owner, g.get("school")):
            if request.path.startswith(api.API_PREFIX):
                raise api.not_found()
            abort(404)
