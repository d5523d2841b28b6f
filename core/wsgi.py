"""WSGI entry point: ``gunicorn -w 4 zhurnal.core.wsgi:app``."""
from __future__ import annotations

import sys

from .app import create_app, ready_to_serve
from .config import ConfigError


def _load():
    try:
        app = create_app()
        from .ops import configure_logging
        configure_logging(app.extensions["zhurnal"].settings.log_format)
    except ConfigError as e:  # one line in the server's log, not a traceback
        sys.exit(f"zhurnal: {e}")
    from .migrations import schema_behind
    problem = schema_behind(app)
    if problem:
        sys.exit(f"zhurnal: {problem}")
    return ready_to_serve(app)


app = _load()
