"""Meta-tests of the extension points: every hook and signal is documented, and every hook is
either called by the kernel (observed here) or implemented by a built-in plugin."""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import types

import blinker
import pytest

from zhurnal.core import hookspecs, signals
from zhurnal.core.plugins import discover

MARK = f"{hookspecs.PROJECT}_spec"
IMPL = f"{hookspecs.PROJECT}_impl"


def hookspec_functions() -> dict:
    return {n: f for n, f in vars(hookspecs).items() if callable(f) and hasattr(f, MARK)}


def test_every_hookspec_is_documented():
    specs = hookspec_functions()
    assert len(specs) >= 14
    for name, fn in specs.items():
        assert name.startswith("zhurnal_"), name
        doc = inspect.getdoc(fn) or ""
        assert len(doc) > 60, f"{name} needs a docstring saying when it is called and what it returns"
        assert "call" in doc.lower() or "return" in doc.lower(), name


def test_every_signal_is_documented_and_in_the_namespace():
    for mod in builtin_modules().values():   # the plugins' signals too, whatever ran before this test
        if importlib.util.find_spec(mod.__name__ + ".signals"):
            importlib.import_module(mod.__name__ + ".signals")
    declared = signals.all_signals()
    module_level = {n: s for n, s in vars(signals).items() if isinstance(s, blinker.NamedSignal)}
    assert set(module_level.values()) <= set(declared.values()), "a signal outside the zhurnal namespace"
    assert len(declared) >= 10
    for name, sig in declared.items():
        doc = sig.__doc__ or ""
        assert len(doc) > 15 and doc != blinker.NamedSignal.__doc__, f"signal {name!r} has no doc"
        assert "(" in doc, f"signal {name!r}: the doc must list what it carries"


def builtin_modules() -> dict:
    out = {}
    for name, eps in discover().items():
        ep = next((e for e in eps if e.value.startswith("zhurnal.plugins.")), None)
        if ep is not None:
            out[name] = importlib.import_module(ep.value)
    return out


def make_spy():
    """A plugin implementing every hook, recording which ones the kernel calls."""
    called: set[str] = set()
    m = types.ModuleType("spy")
    m.name, m.title, m.version, m.depends, m.schema_version = "spy", "Spy", "1", (), 0
    m.called = called
    for name, spec in hookspec_functions().items():
        args = ", ".join(inspect.signature(spec).parameters)
        ns = {"called": called}
        exec(f"def {name}({args}):\n    called.add({name!r})\n", ns)
        setattr(m, name, hookspecs.hookimpl(ns[name]))
    return m


def test_every_hook_is_called_by_the_kernel_or_implemented_by_a_builtin_plugin(make_app, cli, tmp_path):
    spy = make_spy()
    # the kernel alone with the spy: whatever the spy sees, the kernel asked
    app = make_app(plugins=["spy"], extra_plugins=[spy],  # permissions, blueprints, app_ready, models
                   metrics_token="m" * 20)
    from zhurnal.core import access, demo
    from zhurnal.core.identity.models import User
    from tests.conftest import login
    with app.app_context():
        ctx = demo.seed(students_per_class=5)  # demo_seed
        access.can(User.get(User.login == "director"), "core.users.read", ctx.school)  # object_scope
    director = login(app, "director")
    director.get("/")  # nav_items, dashboard_widgets
    cli(app, "--help")  # cli_commands
    cli(app, "import", "nosuch", __file__)  # importers
    cli(app, "export", "nosuch", str(tmp_path / "x.csv"))  # exporters
    login(app, "nurse").post("/api/v1/me/compromised", json={})  # security_alert (through the job)
    assert app.test_client().get("/metrics", headers={"Authorization": "Bearer " + "m" * 20}).status_code == 200

    implemented: dict[str, list[str]] = {}
    for pname, mod in builtin_modules().items():
        for hname in hookspec_functions():
            fn = getattr(mod, hname, None)
            if fn is not None and hasattr(fn, IMPL):
                implemented.setdefault(hname, []).append(pname)
    orphans = sorted(h for h in hookspec_functions() if h not in spy.called and h not in implemented)
    assert not orphans, f"hooks nobody calls or implements: {orphans}"
    assert {"zhurnal_models", "zhurnal_permissions", "zhurnal_blueprints", "zhurnal_app_ready",
            "zhurnal_demo_seed", "zhurnal_object_scope", "zhurnal_nav_items", "zhurnal_dashboard_widgets",
            "zhurnal_cli_commands", "zhurnal_importers", "zhurnal_exporters",
            "zhurnal_security_alert", "zhurnal_metrics"} <= spy.called


@pytest.mark.parametrize("name", sorted(hookspec_functions()))
def test_builtin_implementations_match_the_spec(name):
    """An implementation may take fewer arguments than the spec, never other ones."""
    spec_args = set(inspect.signature(hookspec_functions()[name]).parameters)
    for pname, mod in builtin_modules().items():
        fn = getattr(mod, name, None)
        if fn is not None and hasattr(fn, IMPL):
            extra = set(inspect.signature(fn).parameters) - spec_args
            assert not extra, f"{pname}.{name} takes {extra} which the hook does not pass"
