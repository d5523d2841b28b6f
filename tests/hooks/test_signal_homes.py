"""A plugin's signals live in that plugin: the old names in ``zhurnal.core.signals`` still resolve to the
same objects (with a DeprecationWarning), and no code in the repository uses them any more."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import blinker
import pytest

from zhurnal.core import signals as core_signals

ROOT = Path(__file__).resolve().parents[2]
MOVED = sorted(core_signals._MOVED)
SIGNALS_MODULE = core_signals.__name__                 # "core.signals"
CORE_PACKAGE = SIGNALS_MODULE.rpartition(".")[0]       # "core"


@pytest.mark.parametrize("name", MOVED)
def test_the_old_name_is_the_same_object_with_a_warning(name):
    signal_name, _plugin = core_signals._MOVED[name]
    home = core_signals.moved_to(name)
    declared = getattr(importlib.import_module(home), name)
    with pytest.warns(DeprecationWarning, match=f"{core_signals.__name__}.{name} moved to {home}.{name}"):
        from_core = getattr(core_signals, name)
    assert from_core is declared
    assert core_signals.named(signal_name) is declared
    assert core_signals.all_signals()[signal_name] is declared


def test_from_import_of_an_old_name_still_works():
    from zhurnal.plugins.journal import signals as journal_signals
    with pytest.warns(DeprecationWarning):
        from zhurnal.core.signals import mark_saved
    assert mark_saved is journal_signals.mark_saved


def test_an_unknown_name_is_still_an_attribute_error():
    with pytest.raises(AttributeError):
        core_signals.no_such_signal  # noqa: B018


def test_a_signal_looked_up_by_name_first_gets_its_doc_from_the_declaration():
    early = core_signals.named("test-early-lookup")
    assert "__doc__" not in vars(early)
    assert core_signals.zhurnal_signals.signal("test-early-lookup", doc="Declared later (x, school_id).") is early
    assert early.__doc__ == "Declared later (x, school_id)."
    del core_signals.zhurnal_signals["test-early-lookup"]


def test_the_kernel_declares_only_its_own_signals():
    own = {n for n, s in vars(core_signals).items() if isinstance(s, blinker.NamedSignal)}
    assert own == {"user_logged_in", "login_failed", "account_locked", "credentials_compromised",
                   "new_device_login", "password_changed", "plugin_toggled"}


def _python_files():
    for top in ("core", "plugins", "tests", "bench", "examples"):
        for path in sorted((ROOT / top).rglob("*.py")):
            if ".venv" not in path.parts and "site-packages" not in path.parts:
                yield path


def test_no_code_uses_the_deprecated_names():
    """``core.signals.mark_saved`` (attribute, ``from zhurnal.core.signals import mark_saved``, or
    ``signals.mark_saved`` where ``signals`` is ``zhurnal.core.signals``) appears nowhere but here."""
    here = Path(__file__).resolve()
    bad = []
    for path in _python_files():
        if path == here or path == ROOT / "core" / "signals.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        aliases = set()   # local names bound to the core.signals module
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == SIGNALS_MODULE and not node.level:
                bad += [f"{path.relative_to(ROOT)}:{node.lineno} imports {a.name}"
                        for a in node.names if a.name in core_signals._MOVED]
            elif isinstance(node, ast.ImportFrom) and node.module == CORE_PACKAGE and not node.level:
                aliases |= {a.asname or a.name for a in node.names if a.name == "signals"}
            elif isinstance(node, ast.Import):
                aliases |= {a.asname for a in node.names if a.name == SIGNALS_MODULE and a.asname}
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in core_signals._MOVED:
                base = node.value
                if isinstance(base, ast.Name) and base.id in aliases:
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno} uses {base.id}.{node.attr}")
                elif (isinstance(base, ast.Attribute) and base.attr == "signals"
                      and isinstance(base.value, ast.Name) and base.value.id == "core"):
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno} uses {SIGNALS_MODULE}.{node.attr}")
    assert not bad, "\n".join(bad)
