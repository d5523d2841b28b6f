# old-names: off (this module is about the old names: the package rename leaves it as it is)
"""Where ``zhurnal.core`` and ``zhurnal.plugins`` come from, and what the old names ``core`` and
``plugins`` give.

* **Installed** (a wheel, ``pip install .``): the packages are ``zhurnal/core`` and ``zhurnal/plugins``
  and are imported the ordinary way; nothing here takes part.
* **Source checkout** (``pip install -e .``, or running from the checkout's folder): the folders
  ``core/`` and ``plugins/`` sit at the top of the tree, beside ``zhurnal/``. :class:`SourceTree`
  answers ``zhurnal.core`` and ``zhurnal.plugins`` from the tree *this* ``zhurnal`` package was
  imported from, ahead of any editable-install finder, so a checkout run from its own folder never
  mixes in modules of another checkout that the environment's editable install points to.

Every module has one name. The names used before the packages moved (``core.*``, ``plugins.*``) are
aliases for code not yet updated: ``import core.db`` gives the very object ``zhurnal.core.db`` (never a
second copy: a second copy would mean second sets of signals, registries and models) and a
``DeprecationWarning``. An alias is only handed out when no other distribution provides a top-level
``core`` or ``plugins``: those names are not Zhurnal's to take.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import os
import sys
import warnings

#: the folders at the top of a source checkout, installed as ``zhurnal.<name>``
PACKAGES = ("core", "plugins")
_HERE = os.path.dirname(os.path.abspath(__file__))


def source_root() -> str | None:
    """The checkout's top folder when ``core/`` and ``plugins/`` sit beside this package (None when installed)."""
    if any(os.path.isdir(os.path.join(_HERE, p)) for p in PACKAGES):
        return None
    root = os.path.dirname(_HERE)
    if all(os.path.isfile(os.path.join(root, p, "__init__.py")) for p in PACKAGES):
        return root
    return None


class SourceTree(importlib.abc.MetaPathFinder):
    """Finds ``zhurnal.core`` / ``zhurnal.plugins`` in the checkout of this ``zhurnal`` package;
    their sub-modules are then found through the packages' ``__path__`` as usual."""

    def __init__(self, root: str) -> None:
        self.root = root

    def find_spec(self, fullname, path=None, target=None):
        parent, _, name = fullname.rpartition(".")
        if parent != "zhurnal" or name not in PACKAGES:
            return None
        folder = os.path.join(self.root, name)
        return importlib.util.spec_from_file_location(fullname, os.path.join(folder, "__init__.py"),
                                                      submodule_search_locations=[folder])


class _Alias(importlib.abc.Loader):
    """Loads an old name by handing out the module already imported under the new one."""

    def __init__(self, module) -> None:
        self.module = module
        self.spec = module.__spec__

    def create_module(self, spec):
        return self.module

    def exec_module(self, module) -> None:
        # the import system has just set the alias's spec on the module: it keeps its own
        module.__spec__ = self.spec

    # ``python -m core.i18n`` (runpy asks the loader for the code)
    def get_code(self, fullname):
        return self.spec.loader.get_code(self.spec.name)

    def is_package(self, fullname) -> bool:
        return self.spec.submodule_search_locations is not None


class LegacyNames(importlib.abc.MetaPathFinder):
    """``core.*`` / ``plugins.*`` as aliases of ``zhurnal.core.*`` / ``zhurnal.plugins.*``.

    Two instances: one first on ``sys.meta_path`` answers sub-modules once ``core`` (``plugins``) is
    the alias, so that no finder loads ``core/db.py`` a second time as ``core.db``; one last answers
    the top-level names only when no other finder has a package of that name.
    """

    def __init__(self, top_level: bool) -> None:
        self.top_level = top_level

    def find_spec(self, fullname, path=None, target=None):
        top, dot, _ = fullname.partition(".")
        if top not in PACKAGES:
            return None
        if not dot:
            if not self.top_level:
                return None
        elif top not in sys.modules or sys.modules[top] is not sys.modules.get("zhurnal." + top):
            return None  # ``core`` is another distribution's package here
        module = importlib.import_module("zhurnal." + fullname)
        deprecated(fullname)
        return importlib.util.spec_from_loader(fullname, _Alias(module), origin=module.__spec__.origin,
                                               is_package=module.__spec__.submodule_search_locations is not None)

    def __eq__(self, other) -> bool:  # one of each kind, however often zhurnal is imported
        return type(other).__name__ == type(self).__name__ and getattr(other, "top_level", None) == self.top_level

    __hash__ = object.__hash__


def _internal(filename: str) -> bool:
    return (filename.startswith("<frozen importlib") or os.path.dirname(filename) == _HERE
            or filename.endswith(os.path.join("importlib", "__init__.py"))
            or any(filename.endswith(os.path.join(p, "__init__.py")) for p in PACKAGES))


def deprecated(old: str) -> None:
    """Warn, at the line that imported ``old``, that it is ``zhurnal.<old>`` now."""
    frame, level = sys._getframe(0), 1
    while frame is not None and _internal(frame.f_code.co_filename):
        frame = frame.f_back
        # the warnings module itself steps over the import system's frames: count only the others
        if frame is not None and not ("importlib" in frame.f_code.co_filename and "_bootstrap" in frame.f_code.co_filename):
            level += 1
    warnings.warn(f"{old!r} is now 'zhurnal.{old}': import it by that name", DeprecationWarning, stacklevel=level)


def adopt(name: str) -> None:
    """Called by ``core/__init__.py`` (``plugins/__init__.py``) when a checkout on ``sys.path``
    is imported by the old top-level name: that name becomes the alias of the one real package."""
    sys.modules[name] = importlib.import_module("zhurnal." + name)
    deprecated(name)


def install() -> None:
    root = source_root()
    for finder in list(sys.meta_path):
        if type(finder).__name__ == "SourceTree" and getattr(finder, "root", None) != root:
            sys.meta_path.remove(finder)  # another checkout's zhurnal was imported before: it is gone
    if root is not None and not any(type(f).__name__ == "SourceTree" for f in sys.meta_path):
        sys.meta_path.insert(0, SourceTree(root))
    if LegacyNames(False) not in sys.meta_path:
        sys.meta_path.insert(0, LegacyNames(False))
    if LegacyNames(True) not in sys.meta_path:
        sys.meta_path.append(LegacyNames(True))
