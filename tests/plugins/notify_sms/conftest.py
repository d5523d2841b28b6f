"""A real HTTP server playing an SMS gateway, and demo apps whose SMS settings come from the environment."""
from __future__ import annotations

import pytest

from tests.channels import ChannelApps
from tests.httpserver import LocalHTTPServer


@pytest.fixture
def gateway():
    with LocalHTTPServer(lambda req: (200, {"id": "gw-1"})) as srv:
        yield srv


@pytest.fixture
def channel_apps(databases, demo_template):
    apps = ChannelApps(databases, demo_template)
    yield apps
    apps.close()
