"""Fixtures of the paper export tests: PDFs read back with poppler's tools."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.access import demo_ids


def pdf_text(body: bytes, tmp_path) -> str:
    """The PDF's text (``pdftotext -layout``) with whitespace squeezed to single spaces."""
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: install poppler-utils (scripts/test.sh does)")
    path = tmp_path / "doc.pdf"
    path.write_bytes(body)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout
    return re.sub(r"\s+", " ", out.decode("utf-8"))


def pdf_pages(body: bytes) -> int:
    from io import BytesIO
    from pypdf import PdfReader
    return len(PdfReader(BytesIO(body)).pages)


@pytest.fixture
def ids(demo_app):
    return demo_ids(demo_app)


def last_audit_id(app) -> int:
    from zhurnal.core.audit import AuditEntry
    with app.app_context():
        e = AuditEntry.select(AuditEntry.id).order_by(AuditEntry.id.desc()).first()
        return e.id if e else 0


def audit_since(app, since: int, action: str | None = None) -> list:
    from zhurnal.core.audit import AuditEntry
    with app.app_context():
        q = AuditEntry.select().where(AuditEntry.id > since).order_by(AuditEntry.id)
        if action:
            q = q.where(AuditEntry.action == action)
        return list(q)


@pytest.fixture
def cli():
    """``cli(app, "export", ...)`` runs a command in-process against ``app``."""
    from click.testing import CliRunner
    from zhurnal.core.cli import main
    runner = CliRunner()

    def invoke(app, *args):
        return runner.invoke(main, list(args), obj={"app": app}, catch_exceptions=False)
    return invoke
