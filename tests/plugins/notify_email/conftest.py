import pytest

from tests.conftest import _close_app
from tests.notify_support import SmtpServer, build_notify_app


@pytest.fixture
def smtp():
    server = SmtpServer(reject={"nobody@bad.example"}).start()
    yield server
    server.stop()


@pytest.fixture
def notify_app(databases, demo_template):
    """``notify_app(email=..., consent=..., url=...)``: an app on a fresh copy of the demo school."""
    made = []

    def build(url=None, **kw):
        url = url or databases.new_url(template=demo_template[0])
        app = build_notify_app(url, **kw)
        made.append((app, url))
        return app
    yield build
    for app, _u in made:
        _close_app(app)
    for u in {u for _a, u in made}:
        databases.drop(u)
