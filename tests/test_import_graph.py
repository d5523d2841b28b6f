"""The direction of imports: the kernel imports no plugin; a plugin imports another plugin only if it
declares it in ``depends``, and then only that plugin's public modules (``models``, ``schemas``,
``service``, ``signals``). Read from the source with ``ast`` (imports inside functions count too)."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

from zhurnal.core.plugins import discover

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = {"models", "schemas", "service", "signals"}


#: top-level folders and the packages they are imported as (``core/`` is ``zhurnal.core``)
PACKAGES = {"core": "zhurnal.core", "plugins": "zhurnal.plugins"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join((PACKAGES.get(parts[0], parts[0]), *parts[1:]))


def _imports(path: Path) -> list[tuple[int, str]]:
    """Absolute module names imported by the file (``from x import y`` also yields ``x.y``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    pkg = _module_name(path).rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.append((node.lineno, mod))
            out += [(node.lineno, f"{mod}.{a.name}") for a in node.names]
    return out


def _builtin_plugins() -> dict[str, tuple]:
    out = {}
    for name, eps in discover().items():
        ep = next((e for e in eps if e.value.startswith("zhurnal.plugins.")), None)
        if ep is not None:
            out[ep.value.split(".")[2]] = tuple(getattr(importlib.import_module(ep.value), "depends", ()))
    return out


def _is_module(dotted: str) -> bool:
    parts = dotted.split(".")
    if parts[:2] in (["zhurnal", "core"], ["zhurnal", "plugins"]):
        parts = parts[1:]
    return (ROOT.joinpath(*parts).with_suffix(".py").exists() or (ROOT.joinpath(*parts) / "__init__.py").exists())


def test_the_kernel_imports_no_plugin():
    bad = [f"{p.relative_to(ROOT)}:{line} imports {mod}" for p in sorted((ROOT / "core").rglob("*.py"))
           for line, mod in _imports(p) if mod == "zhurnal.plugins" or mod.startswith("zhurnal.plugins.")]
    assert not bad, bad


def test_plugins_import_only_declared_dependencies_and_their_public_modules():
    plugins = _builtin_plugins()
    assert {"roster", "journal", "diary", "health_sheet"} <= set(plugins)
    bad = []
    for folder, depends in plugins.items():
        for path in sorted((ROOT / "plugins" / folder).rglob("*.py")):
            for line, mod in _imports(path):
                parts = mod.split(".")
                if parts[:2] != ["zhurnal", "plugins"] or len(parts) < 3 or parts[2] == folder:
                    continue
                where = f"{path.relative_to(ROOT)}:{line}"
                other = parts[2]
                if other not in depends:
                    bad.append(f"{where} imports {mod}, but {folder!r} does not declare {other!r} in depends")
                elif len(parts) >= 4 and _is_module(".".join(parts[:4])) and parts[3] not in PUBLIC:
                    bad.append(f"{where} imports {mod}: not a public module of {other!r}")
    assert not bad, "\n".join(bad)
