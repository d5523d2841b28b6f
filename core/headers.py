"""Security headers on every answer.

* ``Content-Security-Policy``: scripts only from this site (no inline scripts, no ``on*``
  attributes: behaviours live in static files such as ``core/ui/static/zhurnal.js``), no
  plugins, no framing (``frame-ancestors 'none'``: the «Ознакомлен» button and the
  compromise page cannot be clicked through someone else's frame), forms post only here.
  Inline ``<style>`` is still allowed (``style-src 'unsafe-inline'``): styles cannot run code.
* ``X-Frame-Options: DENY`` for browsers without CSP level 2, ``X-Content-Type-Options:
  nosniff``, ``Referrer-Policy: same-origin`` (addresses of pages, which hold ids of
  children, never leave the site), ``Cross-Origin-Opener-Policy: same-origin``.
* ``Strict-Transport-Security`` when the request came over TLS or ``base_url`` is https.
* ``Cache-Control: no-store`` on every page and API answer (they hold personal and health
  data: no copy in the browser's or a proxy's cache); static files keep their caching.
"""
from __future__ import annotations

from flask import request

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")
HSTS = "max-age=31536000; includeSubDomains"


def install(app) -> None:
    https_base = app.extensions["zhurnal"].settings.base_url.startswith("https://")

    always = [(name.lower(), name, value) for name, value in (
        ("Content-Security-Policy", CSP), ("X-Frame-Options", "DENY"), ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"), ("Cross-Origin-Opener-Policy", "same-origin"))]
    hsts = ("strict-transport-security", "Strict-Transport-Security", HSTS)

    @app.after_request
    def _security_headers(resp):
        # a view's own value of a header wins; the answer's few headers are looked at once
        # (werkzeug's setdefault searches them again for every header: 4x the cost)
        h = resp.headers
        present = {name.lower() for name in h.keys()}
        for low, name, value in (always + [hsts]) if (request.is_secure or https_base) else always:
            if low not in present:
                h.add(name, value)
        if not _is_static(request.endpoint or ""):
            h["Cache-Control"] = "no-store"
            if "expires" in present:
                del h["Expires"]
        return resp


def _is_static(endpoint: str) -> bool:
    """The kernel's and the plugins' own static files (scripts, styles): cacheable."""
    return endpoint == "static" or endpoint.endswith((".static", ".asset"))
