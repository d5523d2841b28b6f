"""The web shell: layout, navigation, dashboard, language switch and error pages.

Plugins add to the shell only through small data objects returned by hooks:
:class:`NavItem` (``zhurnal_nav_items``) and :class:`Widget`
(``zhurnal_dashboard_widgets``, ``zhurnal_student_card_sections``).
Templates extend ``core/base.html``.
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import (Blueprint, current_app, g, has_request_context, redirect, render_template, request,
                   send_from_directory, session, url_for)
from flask_babel import format_date, format_datetime, get_locale, gettext as _
from markupsafe import Markup

from . import access
from .i18n import N_


@dataclass(frozen=True)
class NavItem:
    """One entry of the main navigation.

    :param label: already translated text
    :param endpoint: Flask endpoint to link (or give ``url``)
    :param priority: lower first; kernel uses 0-9 and 900+, plugins 10-899
    """
    label: str
    endpoint: str | None = None
    url: str | None = None
    priority: int = 100
    params: tuple = ()

    def href(self) -> str:
        return self.url or href(self.endpoint, **dict(self.params))


def href(endpoint: str, **values) -> str:
    """``url_for(endpoint, **values)`` for the links every page's layout and menu draw, worked
    out once per app, endpoint and values: the URL map does not change while the app runs.
    (An app with ``url_defaults`` callbacks, whose URLs may depend on the request, gets
    ``url_for`` every time.)"""
    app = current_app._get_current_object()
    if any(app.url_default_functions.values()):
        return url_for(endpoint, **values)
    cache = app.extensions.setdefault("zhurnal_hrefs", {})
    key = (request.script_root, endpoint, tuple(sorted(values.items())))
    url = cache.get(key)
    if url is None:
        if len(cache) >= 4096:   # menu links with ids (a child's page) are many but few at a time
            cache.clear()
        url = cache[key] = url_for(endpoint, **values)
    return url


def shell_words(lang: str) -> dict:
    """The layout's fixed words and links in ``lang`` (the current language: call it with that),
    translated and worked out once per app and language instead of on every page."""
    cache = current_app.extensions.setdefault("zhurnal_shell", {})
    key = (lang, request.script_root)
    words = cache.get(key)
    if words is None:
        words = cache[key] = {
            "zhurnal": _("Zhurnal"), "language": _("Language"), "my_account": _("My account"),
            "change_password": _("Change password"), "report": _("Report lost or stolen password"),
            "log_out": _("Log out"), "main_menu": _("Main menu"),
            "footer": _("Zhurnal — electronic class journal and diary"),
            "css": href("static", filename="zhurnal.css"), "js": href("static", filename="zhurnal.js"),
            "home": href("ui.dashboard"), "lang_ru": href("ui.set_language", code="ru"),
            "lang_en": href("ui.set_language", code="en"), "account": href("identity.account"),
            "password": href("identity.change_password"), "compromised": href("identity.report_compromised"),
            "logout": href("identity.logout"),
        }
    return words


@dataclass
class Widget:
    """A panel on a page: rendered ``template`` with ``context``, or ready ``html``."""
    title: str
    template: str | None = None
    context: dict = field(default_factory=dict)
    html: str | None = None
    priority: int = 100

    def render(self) -> Markup:
        if self.html is not None:
            return Markup(self.html)
        return Markup(render_template(self.template, **self.context))


bp = Blueprint("ui", __name__)


def serve_assets(bp: Blueprint, folder) -> None:
    """Serve a plugin's scripts and styles from ``folder`` at ``<blueprint prefix>/static/<file>``
    (endpoint ``<blueprint>.asset``), behind the login like the plugin's pages; the browser may
    keep them an hour (:mod:`zhurnal.core.headers` leaves ``*.asset`` answers cacheable)."""
    @bp.get("/static/<path:filename>", endpoint="asset")
    @login_required
    def asset(filename: str):
        return send_from_directory(folder, filename, max_age=3600)


def login_required(fn):
    """Pages: send anonymous users to the login form."""
    @functools.wraps(fn)
    def wrapper(*a, **kw):
        if g.get("user") is None:
            return current_app.login_manager.unauthorized()
        return fn(*a, **kw)
    return wrapper


def plugin_hooks():
    """Hooks of the plugins enabled for the current user's school."""
    return current_app.extensions["zhurnal"].plugins.hook_for(g.get("school"))


def collect(hook_name: str, **kwargs) -> list:
    results = getattr(plugin_hooks(), hook_name)(**kwargs)
    items = [x for r in results for x in (r or [])]
    return sorted(items, key=lambda x: (x.priority, getattr(x, "label", getattr(x, "title", ""))))


@bp.get("/")
@login_required
def dashboard():
    widgets = collect("zhurnal_dashboard_widgets", user=g.user, school=g.school)
    return render_template("core/dashboard.html", widgets=widgets)


def safe_next(target: str | None, default: str) -> str:
    """``target`` if it is a path of this site, else ``default``: the one check for every
    ``next`` (and referrer) a view redirects to.

    Refused: anything with a scheme or a host, ``//`` and ``/\\`` (browsers read a backslash as a
    slash), control characters (a tab inside ``/\t/evil.example`` is dropped by browsers, which
    then see ``//evil.example``; CR/LF would split the header) and anything not starting with ``/``.
    """
    from urllib.parse import urlsplit
    if not target or not isinstance(target, str) or len(target) > 2000:
        return default
    if any(ord(ch) < 0x20 or ord(ch) == 0x7f for ch in target) or "\\" in target:
        return default
    if not target.startswith("/") or target.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def same_site_referrer() -> str | None:
    """The path (and query) of the request's referrer when it is a page of this site."""
    from urllib.parse import urlsplit
    ref = request.referrer
    if not ref:
        return None
    parts = urlsplit(ref)
    if parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


@bp.get("/lang/<code>")
def set_language(code: str):
    if code in ("ru", "en"):
        session["lang"] = code
    home = url_for("ui.dashboard")
    if "next" in request.args:
        return redirect(safe_next(request.args.get("next"), home))
    return redirect(safe_next(same_site_referrer(), home))


@bp.get("/healthz")
def healthz():
    from . import db
    db.database.execute_sql("SELECT 1")
    return {"status": "ok"}


def error_page(e):
    code = getattr(e, "code", 500) or 500
    titles = {400: _("Bad request"), 403: _("Access denied"), 404: _("Page not found"),
              405: _("Method not allowed"), 409: _("Conflict"), 413: _("File too large"),
              429: _("Too many requests")}
    return render_template("core/error.html", code=code, title=titles.get(code, _("Error")),
                           description=getattr(e, "description", "")), code


ROLE_LABELS = {
    "admin": N_("Administrator"), "director": N_("Director"), "deputy": N_("Deputy director"),
    "teacher": N_("Teacher"), "class_teacher": N_("Class teacher"), "nurse": N_("Nurse"),
    "parent": N_("Parent"), "student": N_("Student"), "support": N_("Tech support"),
}


def json_island(data: bytes) -> Markup:
    """JSON text (UTF-8) to put inside ``<script type="application/json">`` on a page, where
    the page's script reads it with ``JSON.parse``: every ``<`` written ``\\u003c``, which
    JSON reads the same (it occurs only inside strings), so nothing in the data can close the
    block or open a comment. ``data`` is usually an API's own answer
    (``current_app.json.encode(obj)``, the bytes ``jsonify`` answers).
    """
    return Markup(_escaped(data).decode("utf-8"))


def _escaped(data: bytes) -> bytes:
    """JSON made safe inside a ``<script>`` block: ``<`` written ``\\u003c``."""
    return data.replace(b"<", b"\\u003c")


#: what stands for an island in the rendered page until its bytes are put there (a control
#: character and a token of this process: nothing a template prints from data can contain it)
_ISLAND = "\x1ezh-island:{name}:" + os.urandom(8).hex() + "\x1e"


def render_with_islands(template: str, islands: dict[str, bytes], **context):
    """``render_template(template, **context)`` as a response, where the template prints each
    of ``islands`` (``{{ <name> }}`` inside ``<script type="application/json">``): JSON text
    (UTF-8, usually an API's own answer) written as :func:`json_island` writes it, but put
    into the page's bytes after rendering, so a large answer is not decoded, joined and
    encoded again with the page around it (a journal grid's answer is 170 KB)."""
    marks = {name: _ISLAND.format(name=name) for name in islands}
    page = render_template(template, **context, **{n: Markup(m) for n, m in marks.items()}).encode("utf-8")
    for name, data in islands.items():
        mark = marks[name].encode("ascii")
        before, found, after = page.partition(mark)
        if not found or mark in after:
            raise ValueError(f"{template} must print the island {name!r} exactly once")
        page = b"".join((before, _escaped(data), after))
    return current_app.response_class(page, mimetype="text/html")


def role_label(role: str) -> str:
    if role in ROLE_LABELS:
        return _(ROLE_LABELS[role])
    declared = current_app.extensions["zhurnal"].access.roles.get(role)  # a plugin's role
    return _(declared.label) if declared is not None else role


def _incident_state(report) -> str:
    from .incidents import state
    return state(report)


def install(app) -> None:
    """Context processors, filters and the forced-password-change gate."""
    @app.context_processor
    def shell_context():
        user = g.get("user")
        nav = []
        if user is not None:
            # once per request: widgets and card sections render templates of their own
            nav = g.get("_zh_nav")
            if nav is None:
                from .builtin_hooks import core_nav
                nav = g._zh_nav = sorted(core_nav(user) + collect("zhurnal_nav_items", user=user, school=g.school),
                                         key=lambda n: (n.priority, n.label))
        lang = str(get_locale() or "ru")
        out = {
            "nav_items": nav,
            "current_user_": user,
            "current_school": g.get("school"),
            "can": lambda perm, obj=None: access.can(user, perm, obj),
            "lang": lang,
            "role_label": role_label,
            "user_roles": sorted(access.roles(user)) if user else [],
            "incident_state": _incident_state,
        }
        if has_request_context():   # a page (not a job's message): the layout's words and links
            out["shell"] = shell_words(lang)
            # the language links come back here (as url_for would write its "next")
            out["lang_next"] = "?" + urlencode([("next", request.full_path)], safe="!$'()*,/:;?@")
        return out

    app.jinja_env.globals["href"] = href   # url_for for links drawn on every page of a kind
    app.jinja_env.filters["date"] = lambda d, fmt="medium": format_date(d, fmt) if d else ""
    app.jinja_env.filters["datetime"] = lambda d, fmt="short": format_datetime(d, fmt) if d else ""

    @app.before_request
    def _force_password_change():
        user = g.get("user")
        if user is None or not user.must_change_password:
            return None
        if request.path.startswith("/api/") or request.endpoint in (
                "identity.change_password", "identity.logout", "static", "ui.set_language",
                "identity.report_compromised"):
            return None
        return redirect(url_for("identity.change_password"))
