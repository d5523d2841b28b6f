# old-names: off (this module is about the old names: the package rename leaves it as it is)
"""One name per module: the packages are ``zhurnal.core`` and ``zhurnal.plugins`` (their folders are
``core/`` and ``plugins/`` at the top of the tree), no file is ever loaded as two module objects, and
the old names ``core.*`` / ``plugins.*`` are aliases that give the very same objects.

Two copies of a module would mean two copies of its signals, registries and models: a receiver
connected to one copy would never hear the other."""
from __future__ import annotations

import ast
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: never walked: environments, build output, artefacts
SKIP_DIRS = {".venv", ".git", "node_modules", "test-artifacts", "build", "dist", "__pycache__", ".pytest_cache"}
#: build the application when imported (``gunicorn zhurnal.core.wsgi:app``) or run the CLI
NOT_IMPORTED = {"wsgi", "__main__"}


def project_modules() -> list[str]:
    """Every module of the installed packages, by its one name."""
    names = []
    for top, folder in (("zhurnal", ROOT / "zhurnal"), ("zhurnal.core", ROOT / "core"),
                        ("zhurnal.plugins", ROOT / "plugins")):
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(folder).with_suffix("").parts
            if parts[-1] in NOT_IMPORTED:
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            names.append(".".join((top, *parts)))
    return names


def loaded_twice() -> dict[str, list[str]]:
    """Files that back more than one module object in ``sys.modules``: {file: [names]}."""
    by_file: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for name, module in list(sys.modules.items()):
        f = getattr(module, "__file__", None)
        if f:
            by_file[os.path.realpath(f)][id(module)].append(name)
    return {f: sorted(n for names in objs.values() for n in names) for f, objs in by_file.items() if len(objs) > 1}


def python_files():
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.endswith(".egg-info")
                             and Path(dirpath, d) != ROOT / "bench" / "out")
        for fn in sorted(filenames):
            if fn.endswith(".py"):
                yield Path(dirpath, fn)


def test_every_module_imports_under_its_one_name_and_no_file_is_loaded_twice(make_app):
    modules = project_modules()
    assert "zhurnal.core.app" in modules and "zhurnal.plugins.roster.service" in modules
    for name in modules:
        importlib.import_module(name)
    for name in modules:
        f = os.path.realpath(sys.modules[name].__file__)
        assert f.startswith(str(ROOT) + os.sep), (name, f)
    app = make_app(plugins=("roster", "journal"))
    assert app.import_name == "zhurnal.core" and app.root_path == str(ROOT / "core")
    assert not loaded_twice()
    # nothing in Zhurnal (nor a library handed one of its names) reaches a module by its old name
    assert not [n for n in sys.modules if n.split(".")[0] in ("core", "plugins")]


SCRIPT = r"""
import importlib, json, os, sys, warnings
from collections import defaultdict
names, root, where = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
warnings.simplefilter("always")
out = {"same": {}, "warned": []}
sys.path.insert(0, root)  # this checkout's zhurnal, whatever the environment has installed
import zhurnal.core.plugins, zhurnal.plugins
if where == "elsewhere":  # core/ and plugins/ are not on sys.path: only the aliases can answer the old names
    sys.path.remove(root)
    sys.path_importer_cache.clear()
with warnings.catch_warnings(record=True) as caught:
    for new in names:
        old = new[len("zhurnal."):]
        out["same"][old] = importlib.import_module(old) is importlib.import_module(new)
    from core import db as alias_db
    from plugins.roster import service as alias_service
    out["from_import"] = alias_db is zhurnal.core.db and alias_service is sys.modules["zhurnal.plugins.roster.service"]
ours = [w for w in caught if issubclass(w.category, DeprecationWarning) and "is now 'zhurnal." in str(w.message)]
out["warned"] = sorted({str(w.message).split("'")[1] for w in ours})
out["where"] = sorted({os.path.basename(w.filename) for w in ours})
by_file = defaultdict(set)
for name, m in list(sys.modules.items()):
    if getattr(m, "__file__", None):
        by_file[os.path.realpath(m.__file__)].add(id(m))
out["twice"] = sorted(f for f, ids in by_file.items() if len(ids) > 1)
out["old_entry_point"] = __import__("zhurnal.core.plugins", fromlist=["x"]).current_name("plugins.roster")
print(json.dumps(out))
"""


@pytest.mark.parametrize("where", ["elsewhere", "checkout"])
def test_old_names_are_aliases_of_the_same_module_objects(tmp_path, where):
    """``import core.db`` (``from plugins.roster import service``) gives the object ``zhurnal.core.db``, with a
    DeprecationWarning at the importing line; from a checkout on ``sys.path`` (where ``core/`` is found as a
    top-level package) as well as elsewhere."""
    names = [n for n in project_modules() if n.startswith(("zhurnal.core", "zhurnal.plugins"))]
    (tmp_path / "check.py").write_text(SCRIPT, encoding="utf-8")
    r = subprocess.run([sys.executable, str(tmp_path / "check.py"), json.dumps(names), str(ROOT), where],
                       cwd=ROOT if where == "checkout" else tmp_path,
                       env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout.splitlines()[-1])
    assert out["same"] and all(out["same"].values()), [k for k, v in out["same"].items() if not v]
    assert out["from_import"]
    assert {"core", "core.db", "plugins", "plugins.roster.service"} <= set(out["warned"])
    assert out["where"] == ["check.py"], out["where"]  # the warning points at the importing line
    assert out["twice"] == []
    assert out["old_entry_point"] == "zhurnal.plugins.roster"


def test_no_file_imports_the_old_top_level_names():
    bad = []
    for path in python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                if name.split(".")[0] in ("core", "plugins"):
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {name}")
    assert not bad, "\n".join(bad)


#: a module path in a command or an entry point: ``core.wsgi:app``, ``python -m core.i18n``
OLD_TARGET = re.compile(r"(?<![\w.\-/])(?:core|plugins)(?:\.\w+)+:\w+|-m\s+(?:core|plugins)\b")
TEXT_SUFFIXES = {".py", ".toml", ".cfg", ".ini", ".sh", ".md", ".txt", ".service", ".conf", ".yml", ".yaml",
                 ".json", ".lua", ".html", ".js"}


def test_commands_and_entry_points_name_the_new_packages():
    """Deployment files, scripts, docs and code start ``zhurnal.core.wsgi:app`` / ``python -m zhurnal.core.i18n``."""
    bad = []
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS and not d.endswith(".egg-info")]
        for fn in filenames:
            path = Path(dirpath, fn)
            if path.suffix not in TEXT_SUFFIXES and fn != "Dockerfile":
                continue
            off = False  # between "old-names: off" and "old-names: on": text about the old names
            for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
                off = off or "old-names: off" in line
                if not off and OLD_TARGET.search(line):
                    bad.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
                off = off and "old-names: on" not in line
    assert not bad, "\n".join(bad)


def _run(args, cwd, **env):
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={**{k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, **env})


WHERE_FROM = ("import json, os, sys, zhurnal.core.app, zhurnal.plugins.roster.service, zhurnal.plugins.journal.service; "
              "print(json.dumps({'root': os.path.dirname(os.path.dirname(zhurnal.__file__)), "
              "'files': {n: m.__file__ for n, m in sys.modules.items() "
              "if n.split('.')[0] == 'zhurnal' and getattr(m, '__file__', None)}}))")


def _outside(files: dict, root) -> dict:
    root = os.path.realpath(root) + os.sep
    return {n: f for n, f in files.items() if not os.path.realpath(f).startswith(root)}


def test_the_checkout_in_the_current_folder_wins_over_the_installed_one(tmp_path):
    """Several checkouts may share one environment whose editable install points at one of them: run from
    another checkout's folder, every module comes from that checkout, none from the installed one."""
    other = tmp_path / "other-checkout"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("zhurnal", "core", "plugins"):
        shutil.copytree(ROOT / folder, other / folder, ignore=ignore)
    r = _run(["-c", WHERE_FROM], cwd=other)
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout)
    assert len(out["files"]) > 20 and os.path.realpath(out["root"]) == os.path.realpath(other)
    assert not _outside(out["files"], other)

    # outside any checkout: every module from the one installed tree (the editable checkout, or site-packages)
    r = _run(["-c", WHERE_FROM], cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout)
    assert os.path.realpath(out["root"]) != os.path.realpath(other)
    assert not _outside(out["files"], out["root"])


def _wheel_files(root: Path) -> set[str]:
    """What a wheel must carry of the checkout: every file of core/ and plugins/ (code, templates,
    static files, translations, data; not the plugins' README.md) under zhurnal/."""
    out = set()
    for folder in ("core", "plugins", "zhurnal"):
        for path in (root / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".md"):
                rel = path.relative_to(root)
                out.add(str(rel) if folder == "zhurnal" else str(Path("zhurnal", rel)))
    return out


@pytest.mark.slow
def test_a_wheel_installs_the_packages_under_zhurnal_with_their_files(tmp_path):
    """``pip install .`` (a wheel): zhurnal.core and zhurnal.plugins with every template, static file,
    translation and data file; the command works and every plugin imports, from outside the checkout."""
    src = tmp_path / "src"  # built from a copy: a build leaves build/ and *.egg-info behind in the tree it ran in
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for folder in ("zhurnal", "core", "plugins"):
        shutil.copytree(ROOT / folder, src / folder, ignore=ignore)
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(ROOT / name, src / name)
    wheels = tmp_path / "wheels"
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(src)],
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0 and "setuptools" in r.stderr and "No matching distribution" in r.stderr:
        pytest.skip("no setuptools to build with (offline): " + r.stderr.strip().splitlines()[-1])
    assert r.returncode == 0, r.stderr[-3000:]
    (wheel,) = wheels.glob("zhurnal-*.whl")
    import zipfile
    names = {n for n in zipfile.ZipFile(wheel).namelist() if not n.startswith("zhurnal-")}
    missing = sorted(_wheel_files(ROOT) - names)
    assert not missing, missing[:20]
    assert not any(n.split("/")[0] in ("core", "plugins", "tests", "bench", "examples") for n in names)

    site = tmp_path / "site"
    r = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    here = tmp_path / "run"
    here.mkdir()
    r = _run(["-m", "zhurnal", "--help"], cwd=here, PYTHONPATH=str(site))
    assert r.returncode == 0 and "Usage:" in r.stdout, r.stderr[-3000:]
    check = ("import json, sys; from zhurnal.core.plugins import discover; import importlib; "
             "mods = {n: importlib.import_module(eps[0].value) for n, eps in discover().items() "
             "if eps[0].value.startswith('zhurnal.plugins.')}; "
             "print(json.dumps({'plugins': sorted(mods), 'files': sorted({m.__file__ for m in sys.modules.values() "
             "if getattr(m, '__file__', None) and m.__name__.split('.')[0] == 'zhurnal'})}))")
    r = _run(["-c", check], cwd=here, PYTHONPATH=str(site))
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout)
    assert {"roster", "journal", "diary"} <= set(out["plugins"])
    assert all(os.path.realpath(f).startswith(os.path.realpath(site) + os.sep) for f in out["files"]), out["files"]
