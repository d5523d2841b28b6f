"""The roster's public API is what its README lists: every name of ``service.__all__`` and
``schemas.__all__`` (and no other) appears in the README's tables, and each is importable."""
from __future__ import annotations

import re
from pathlib import Path

from zhurnal.plugins.roster import schemas, service

README = Path(service.__file__).with_name("README.md").read_text(encoding="utf-8")


def _listed(section_title: str, column: int) -> set[str]:
    """The code names in ``column`` of the table under ``section_title``."""
    start = README.index(section_title)
    end = min(e for e in (README.find("\n### ", start + 1), README.find("\n## ", start + 1)) if e != -1)
    rows = [line for line in README[start:end].splitlines() if line.startswith("| ") and "---" not in line][1:]
    return {name for row in rows for name in re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", row.split("|")[column])}


def test_the_readme_lists_exactly_the_public_service():
    listed = _listed("### `zhurnal.plugins.roster.service`", 2)
    assert listed == set(service.__all__)
    assert all(hasattr(service, name) for name in service.__all__)


def test_the_readme_lists_exactly_the_public_schemas():
    listed = _listed("### `zhurnal.plugins.roster.schemas`", 1)
    assert listed == set(schemas.__all__)
    assert all(hasattr(schemas, name) for name in schemas.__all__)
