"""The benchmark's WSGI app: ``gunicorn bench.wsgi:app``.

Zhurnal exactly as deployed (``create_app()``, settings from ``ZHURNAL_CONFIG``, made ready as
``zhurnal.core.wsgi`` does)
plus, only here, two reference routes served by the same server:

* ``/bench/hello`` — a bare Flask route that touches nothing (the baseline);
* ``/bench/pk`` — one primary-key SELECT through peewee.

Requests labelled ``X-Bench: <label>`` are timed inside the app by
:class:`bench.timing.Timer` into the file named by ``BENCH_TIMES``;
``/bench/stats`` summarises that file.
"""
from __future__ import annotations

import os

from zhurnal.core.app import create_app, ready_to_serve

from .timing import Timer, read_times, summary

TIMES = os.environ.get("BENCH_TIMES", os.path.join(os.path.dirname(__file__), "out", "server-times.log"))


def make_app():
    app = create_app()

    @app.get("/bench/hello")
    def bench_hello():
        return "hello"

    @app.get("/bench/pk")
    def bench_pk():
        from zhurnal.core.identity.models import User
        row = User.select(User.id, User.login).where(User.id == 1).tuples().first()
        return {"id": row[0], "login": row[1]}

    @app.get("/bench/stats")
    def bench_stats():
        return {label: summary(v) for label, v in read_times(TIMES).items()}

    for name in ("bench_hello", "bench_pk", "bench_stats"):
        app.extensions["csrf"].exempt(app.view_functions[name])
    app.wsgi_app = Timer(app.wsgi_app, TIMES)
    return ready_to_serve(app)


app = make_app()
