"""The inventory of extension points: every hook and every signal has a test naming it, a documented
example, and a section in ``docs/EXTENDING.md``, which lists exactly the existing ones and is what
``python -m zhurnal.core.extending`` generates; every hook has a call site."""
from __future__ import annotations

import inspect
import re
from pathlib import Path

from zhurnal.core import extending, signals

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "EXTENDING.md"
#: these modules check the inventory itself; naming a hook there is not a test of it
META = {"tests/hooks/test_inventory.py", "tests/core/test_hookspecs.py", "tests/hooks/test_signal_homes.py",
        "tests/hooks/probe.py"}


def _signals() -> dict:
    extending.load_builtin_plugins()
    return extending.declared_signals()


def _test_sources() -> dict[str, str]:
    out = {}
    for path in sorted((ROOT / "tests").rglob("*.py")):
        rel = str(path.relative_to(ROOT))
        if rel not in META:
            out[rel] = path.read_text(encoding="utf-8")
    return out


def test_the_doc_is_generated_from_the_declarations():
    assert DOC.read_text(encoding="utf-8") == extending.render(), \
        "docs/EXTENDING.md is out of date: run python -m zhurnal.core.extending > docs/EXTENDING.md"


def test_the_doc_lists_exactly_the_existing_hooks_and_signals():
    sections = re.findall(r"^### (\w+)$", DOC.read_text(encoding="utf-8"), re.M)
    expected = list(extending.hooks()) + [attr for attr, _m, _c in _signals().values()]
    assert sorted(sections) == sorted(expected)
    assert len(extending.hooks()) == 31 and len(_signals()) == len(signals.all_signals()) >= 22


def test_every_hookspec_has_an_example():
    missing = [n for n, fn in extending.hooks().items() if "Example::" not in (inspect.getdoc(fn) or "")]
    assert not missing, f"hookspecs without an Example:: block: {missing}"


def test_every_signal_lists_its_keyword_arguments_with_school_id():
    for name, (attr, module, _c) in _signals().items():
        kwargs = extending.kwargs_of(signals.all_signals()[name].__doc__)
        assert "school_id" in kwargs, f"{module}.{attr}: its doc must end with the kwargs it carries"


def test_every_hook_and_signal_has_a_test_naming_it():
    sources = _test_sources()
    names = list(extending.hooks()) + [attr for attr, _m, _c in _signals().values()]
    untested = [n for n in names if not any(re.search(rf"\b{n}\b", text) for text in sources.values())]
    assert not untested, f"no test names these hooks or signals: {untested}"


def test_every_hook_has_a_call_site_in_the_kernel_or_a_builtin_plugin():
    """A hook nobody calls is dead surface: call it or remove it (the kernel's calls are also
    observed at run time by ``tests/core/test_hookspecs.py``)."""
    code = "\n".join(p.read_text(encoding="utf-8") for top in ("core", "plugins")
                     for p in sorted((ROOT / top).rglob("*.py")) if p.name != "hookspecs.py")
    uncalled = [n for n in extending.hooks()
                if not re.search(rf"(\.{n}\b(?!\s*=)|\(\s*\"{n}\")", code)]
    assert not uncalled, f"hooks without a call site: {uncalled}"
