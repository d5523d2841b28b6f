"""HTML (Jinja templates of this plugin) -> PDF (WeasyPrint).

Each student's extract is laid out as its own document and the pages are joined into one
PDF (:func:`join`), so a batch reports progress after every student and every extract
starts on a new sheet. DejaVu fonts carry the Cyrillic; ``@page`` rules give A4 with
the page numbers and, for the archive, the checksum in the footer.
"""
from __future__ import annotations

import contextlib
import io
from typing import Callable, Iterable

from flask import current_app, has_request_context, render_template

#: the documents' own stylesheet (fonts, A4, tables that repeat their header across pages)
CSS_TEMPLATE = "paper_export/_document_css.html"


@contextlib.contextmanager
def request_context():
    """A request for the templates and translations when there is none (CLI, background jobs):
    they need one to pick the locale (then the deployment's default)."""
    if has_request_context():
        yield
    else:
        with current_app.test_request_context("/"):
            yield


def html(template: str, **context) -> str:
    if not has_request_context():
        # a background job: the templates need a request for the locale (the deployment's default)
        with current_app.test_request_context("/"):
            return html(template, **context)
    return render_template(template, css=render_template(CSS_TEMPLATE), **context)


def document(markup: str):
    """A laid-out WeasyPrint document of one HTML string."""
    from weasyprint import HTML
    return HTML(string=markup, base_url=".").render()


def join(documents: list) -> bytes:
    """One PDF of the pages of all ``documents`` (metadata of the first)."""
    if not documents:
        raise ValueError("nothing to print")
    pages = [p for d in documents for p in d.pages]
    out = io.BytesIO()
    documents[0].copy(pages).write_pdf(out, custom_metadata=True)
    return out.getvalue()


def pdf(markup: str) -> bytes:
    return join([document(markup)])


def many(markups: Iterable[str], progress: Callable[[int], None] | None = None) -> tuple[bytes, int]:
    """Lay out each HTML string, calling ``progress(done)`` after each; (PDF, pages)."""
    docs = []
    for i, m in enumerate(markups, 1):
        docs.append(document(m))
        if progress is not None:
            progress(i)
    return join(docs), sum(len(d.pages) for d in docs)
