"""CSRF protection of the JSON API for requests authenticated by the session cookie.

Pages are protected by Flask-WTF's form tokens. API writes (every method but GET, HEAD and
OPTIONS under ``/api/v1``) authenticated by the cookie must show that they come from this
site, whatever their body (JSON, multipart or none at all):

* an ``Origin`` header naming this site (the request's own scheme and host, or the
  configured ``base_url``); browsers send it with every cross-origin and every non-GET
  ``fetch()``, so the web UI needs nothing extra; ``Origin: null`` is refused;
* without ``Origin``, a ``Referer`` of this site;
* or the page's CSRF token in an ``X-CSRFToken`` header (clients that strip both).

A request with neither ``Origin`` nor ``Referer`` is not from a browser page (browsers send
``Origin`` with every cross-site POST, PUT, PATCH and DELETE) and passes: scripts, the CLI's
own tests and API clients. Requests authenticated by a Bearer token carry no ambient
credentials and are exempt; a bogus ``Authorization`` header does not exempt a cookie.
Refusals are ``403 csrf_failed``.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, g, request

from .api import API_PREFIX, ApiError

SAFE_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))


def _origin_of(url: str) -> tuple[str, str] | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if not parts.scheme or not parts.netloc:
        return None
    return parts.scheme.lower(), parts.netloc.lower()


def trusted_origins() -> set[tuple[str, str]]:
    own = {(request.scheme, request.host.lower())}
    base = _origin_of(current_app.extensions["zhurnal"].settings.base_url)
    if base:
        own.add(base)
    return own


def same_site(url: str | None) -> bool:
    found = _origin_of(url or "")
    return found is not None and found in trusted_origins()


def _token_ok() -> bool:
    token = request.headers.get("X-CSRFToken") or request.headers.get("X-CSRF-Token")
    if not token:
        return False
    from flask_wtf.csrf import ValidationError, validate_csrf
    try:
        validate_csrf(token)
    except ValidationError:
        return False
    return True


def check() -> None:
    """Refuse a cookie-authenticated API write that does not come from this site."""
    if request.method in SAFE_METHODS or not request.path.startswith(API_PREFIX):
        return
    if g.get("via_token"):
        return
    origin = request.headers.get("Origin")
    referer = request.headers.get("Referer")
    if origin is None and referer is None:
        return
    if origin is not None:
        ok = origin != "null" and same_site(origin)
    else:
        ok = same_site(referer)
    if ok or _token_ok():
        return
    raise ApiError(403, "csrf_failed", "This request does not come from this site (Origin/Referer or CSRF token).")


def install(app) -> None:
    """Register the check after the login loader (it needs to know how the user authenticated)."""
    app.before_request(check)
