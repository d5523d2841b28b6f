"""The journal's public API is one list: ``zhurnal.plugins.journal.service.__all__``, which the plugin's README
lists name for name (other plugins import only ``models``, ``service`` and ``signals``)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from zhurnal.plugins.journal import service

README = Path(service.__file__).with_name("README.md")


def _readme_names() -> set[str]:
    """The names in the first column of the tables under the README's "Public API" heading."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Public API", 1)[1].split("\n## ", 1)[0]
    names = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            first_cell = line[1:].split(" | ", 1)[0]
            names.update(re.findall(r"`([A-Za-z_]\w*)", first_cell))
    return names


def test_the_readme_lists_exactly_the_public_names_of_the_service():
    assert len(service.__all__) == len(set(service.__all__)), "a name twice in __all__"
    readme = _readme_names()
    assert sorted(readme - set(service.__all__)) == [], "in the README, not in service.__all__"
    assert sorted(set(service.__all__) - readme) == [], "in service.__all__, not in the README"


def test_every_public_name_is_there_and_nothing_else_is_public():
    for name in service.__all__:
        assert getattr(service, name) is not None, name
    public = {n for n in vars(service) if not n.startswith("_") and n != "annotations"}
    assert public == set(service.__all__), "the facade only re-exports the names of __all__"


def test_the_modules_behind_the_facade_do_not_import_it():
    """service.py re-exports from its modules; they import each other, never the facade (no cycle)."""
    folder = Path(service.__file__).parent
    behind = {n.module for n in ast.walk(ast.parse((folder / "service.py").read_text(encoding="utf-8")))
              if isinstance(n, ast.ImportFrom) and n.level == 1 and n.module}
    assert {"reading", "marks", "pupil_lessons"} <= behind
    bad = []
    for name in sorted(behind):
        tree = ast.parse((folder / f"{name}.py").read_text(encoding="utf-8"))
        for n in ast.walk(tree):
            if isinstance(n, ast.ImportFrom) and (
                    (n.level == 1 and (n.module == "service" or (n.module is None and
                                                                 any(a.name == "service" for a in n.names))))
                    or n.module in ("plugins.journal.service", "zhurnal.plugins.journal.service")
                    or (n.module in ("plugins.journal", "zhurnal.plugins.journal") and any(a.name == "service" for a in n.names))):
                bad.append(f"{name}.py:{n.lineno}")
    assert not bad, bad
