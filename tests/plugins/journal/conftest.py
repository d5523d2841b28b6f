import pytest

from tests.plugins.journal.helpers import journal_ids


@pytest.fixture
def ids(demo_app):
    return journal_ids(demo_app)
