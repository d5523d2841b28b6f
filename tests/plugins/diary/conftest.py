"""Fixtures of the diary tests."""
from __future__ import annotations

import pytest

from tests.access import demo_ids

from .helpers import user


@pytest.fixture
def ids(demo_app):
    demo_app.config["WTF_CSRF_ENABLED"] = False
    out = demo_ids(demo_app)
    with demo_app.app_context():
        out.update({f"user_{n}": user(n).id for n in ("parent1", "student1", "klass5a", "teacher")})
    return out


@pytest.fixture
def caught():
    """Collect what a blinker signal carries: ``caught(signal)`` -> list of kwargs dicts."""
    connected = []

    def catch(signal):
        got = []

        def receiver(sender, **kw):
            got.append(kw)
        signal.connect(receiver, weak=False)
        connected.append((signal, receiver))
        return got
    yield catch
    for signal, receiver in connected:
        signal.disconnect(receiver)
