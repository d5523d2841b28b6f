"""A probe plugin for the hook tests: a module object whose hook implementations record the
arguments the caller passed and answer what the test put in ``probe.answers``."""
from __future__ import annotations

import types

from zhurnal.core.hookspecs import hookimpl


def make_probe(name: str = "probe", depends=(), **impls) -> types.ModuleType:
    """``make_probe(zhurnal_metrics=lambda: [...])``: each function becomes a recorded hookimpl;
    ``probe.calls`` is ``[(hook_name, kwargs)]`` in call order."""
    m = types.ModuleType(name)
    m.name, m.title, m.version, m.depends, m.schema_version = name, name.title(), "1", tuple(depends), 0
    m.calls = []
    for hook_name, fn in impls.items():
        setattr(m, hook_name, _recorded(m, hook_name, fn))
    return m


def _recorded(m, hook_name, fn):
    import inspect
    params = list(inspect.signature(fn).parameters)
    args = ", ".join(params)
    ns = {"fn": fn, "calls": m.calls}
    exec(f"def {hook_name}({args}):\n"
         f"    calls.append(({hook_name!r}, dict({', '.join(f'{p}={p}' for p in params)})))\n"
         f"    return fn({args})\n", ns)
    return hookimpl(ns[hook_name])


def calls_of(m, hook_name: str) -> list[dict]:
    return [kw for h, kw in m.calls if h == hook_name]
