"""Names that moved to another module stay importable where they were.

A module whose public names moved declares, once, where they went::

    __getattr__ = forward(__name__, {"verify", "Problem"}, "zhurnal.core.audit_check")

and ``from zhurnal.core.audit import verify`` gives the very object of the new module (imported
when first asked, so the two modules may import each other). Vendors' code keeps working; the
project's own code imports from the new place. (Signals that moved to their plugins are answered
by :mod:`zhurnal.core.signals` itself: they are looked up by name in the namespace, with a warning.)
"""
from __future__ import annotations

import importlib
from typing import Any, Callable, Iterable


def forward(module: str, names: Iterable[str], to: str) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``module`` answering ``names`` from the module ``to``."""
    moved = frozenset(names)

    def __getattr__(name: str) -> Any:
        if name in moved:
            return getattr(importlib.import_module(to), name)
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    return __getattr__
