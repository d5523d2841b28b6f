"""Security headers: CSP without inline scripts, no framing, nosniff, referrer policy, HSTS
behind TLS, no-store on pages and JSON with personal data."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import login

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("path", ["/login", "/diary/", "/api/v1/me", "/api/v1/diary/children", "/account/compromised"])
def test_pages_and_json_carry_the_headers(demo_app, path):
    c = login(demo_app, "parent1")
    r = c.get(path)
    assert r.status_code in (200, 302, 404), path
    csp = r.headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in \
        csp.split("script-src", 1)[1].split(";")[0]
    assert r.headers.get("X-Frame-Options") == "DENY"
    assert r.headers.get("X-Content-Type-Options") == "nosniff"
    assert r.headers.get("Referrer-Policy") == "same-origin"
    assert "no-store" in r.headers.get("Cache-Control", "")
    assert "Strict-Transport-Security" not in r.headers        # plain http, base_url http


def test_static_files_stay_cacheable(demo_app):
    r = demo_app.test_client().get("/static/core/zhurnal.css")
    assert r.status_code == 200 and "no-store" not in r.headers.get("Cache-Control", "")


def test_hsts_behind_tls(demo_app, make_app):
    c = demo_app.test_client()
    r = c.get("/login", base_url="https://localhost")
    assert r.headers.get("Strict-Transport-Security", "").startswith("max-age=")
    app = make_app(base_url="https://school.example")
    assert app.test_client().get("/login").headers.get("Strict-Transport-Security")


def test_no_template_has_an_inline_script_or_handler():
    found = []
    for f in list(ROOT.glob("core/**/templates/**/*.html")) + list(ROOT.glob("plugins/**/templates/**/*.html")):
        text = f.read_text(encoding="utf-8")
        for m in re.finditer(r"<script\b([^>]*)>", text):
            if "src=" not in m.group(1) and "application/json" not in m.group(1):
                found.append(f"{f.relative_to(ROOT)}: inline <script>")
        for m in re.finditer(r"\son[a-z]+\s*=\s*[\"']", text):
            found.append(f"{f.relative_to(ROOT)}: {m.group(0).strip()}")
        if "javascript:" in text:
            found.append(f"{f.relative_to(ROOT)}: javascript: URL")
    assert not found, found
