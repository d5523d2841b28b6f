"""Write ``docs/EXTENDING.md``: every hook and every signal, with its arguments, when it fires
and an example, taken from the one place each is declared (the docstrings of
:mod:`zhurnal.core.hookspecs`, the declarations in ``core/signals.py`` and each plugin's
``signals.py``). Run ``python -m zhurnal.core.extending > docs/EXTENDING.md`` after changing one;
``tests/hooks/test_inventory.py`` fails while the file is out of date.

Plugins are loaded through their entry points (as the application loads them), never imported
by name: the kernel imports no plugin.
"""
from __future__ import annotations

import inspect
import re
import sys

from . import hookspecs, signals

MARK = f"{hookspecs.PROJECT}_spec"


def hooks() -> dict:
    """``{name: function}`` of every hookspec, in the order they are declared."""
    found = {n: f for n, f in vars(hookspecs).items() if callable(f) and hasattr(f, MARK)}
    return dict(sorted(found.items(), key=lambda kv: kv[1].__code__.co_firstlineno))


#: the package of the built-in plugins (``plugins.`` beside ``core.``)
BUILTIN = signals.__name__[: -len("core.signals")] + "plugins."


def load_builtin_plugins() -> None:
    """Import every built-in plugin's module (each declares its signals on import); plugins of other
    distributions document themselves."""
    from .plugins import discover
    for eps in discover().values():
        for ep in eps:
            if ep.value.startswith(BUILTIN):
                ep.load()


def declared_signals() -> dict:
    """``{signal name: (attribute name, module name, comment)}`` for every signal a loaded module declares."""
    out = {}
    by_object = {id(s): n for n, s in signals.all_signals().items()}
    modules = [signals] + sorted((m for name, m in list(sys.modules.items())
                                  if m is not None and name.startswith(BUILTIN) and name.endswith(".signals")),
                                 key=lambda m: m.__name__)
    for mod in modules:
        comments = _comments(mod)
        for attr, value in vars(mod).items():
            if id(value) in by_object and attr not in ("zhurnal_signals",) and not attr.startswith("_"):
                name = by_object[id(value)]
                if name not in out:
                    out[name] = (attr, mod.__name__, comments.get(attr, ""))
    return out


def _comments(mod) -> dict[str, str]:
    """The ``#:`` lines just above each ``name = ...signal(`` of a module's source."""
    try:
        lines = inspect.getsource(mod).splitlines()
    except (OSError, TypeError):
        return {}
    out = {}
    for i, line in enumerate(lines):
        m = re.match(r"^(\w+) = zhurnal_signals\.signal\(", line)
        if not m:
            continue
        j, text = i - 1, []
        while j >= 0 and lines[j].startswith("#:"):
            text.insert(0, lines[j][2:].strip())
            j -= 1
        out[m.group(1)] = " ".join(text)
    return out


def kwargs_of(doc: str) -> list[str]:
    """The keyword arguments a signal's doc lists in its last parentheses."""
    m = re.search(r"\(([^()]*)\)\.?\s*$", doc or "")
    if not m:
        return []
    return [a.strip().split(" ")[0] for a in m.group(1).split(",") if a.strip()]


def _rst_to_md(doc: str) -> str:
    """The docstring with its ``Example::`` block as a fenced Python block."""
    out, in_code = [], False
    for line in doc.splitlines():
        if line.strip() == "Example::":
            out.append("Example:")
            out.append("")
            out.append("```python")
            in_code = True
            continue
        if in_code:
            if line.strip() == "" and not out[-1] == "```python":
                out.append("")
                continue
            if line.startswith("    ") or line.strip() == "":
                if line.strip():
                    out.append(line[4:])
                continue
            while out and out[-1] == "":
                out.pop()
            out.append("```")
            in_code = False
        out.append(line)
    if in_code:
        while out and out[-1] == "":
            out.pop()
        out.append("```")
    return "\n".join(out)


def _receiver_example(attr: str, module: str, kwargs: list[str]) -> str:
    alias = module.rsplit(".", 2)[-2] + "_signals" if module != signals.__name__ else "signals"
    imp = (f"from {module.rsplit('.', 1)[0]} import signals as {alias}" if module != signals.__name__
           else "from zhurnal.core import signals")
    params = ", ".join(kwargs + ["**extra"]) if kwargs else "**extra"
    return "\n".join([
        "```python",
        "from zhurnal.core.hookspecs import hookimpl",
        "from zhurnal.core.signals import connect",
        imp,
        "",
        "",
        f"def on_{attr}(sender, *, {params}):",
        f"    ...  # runs after commit, only when \"my_plugin\" is on for school_id",
        "",
        "",
        "@hookimpl",
        "def zhurnal_app_ready(app):",
        f"    connect({alias}.{attr}, on_{attr}, app=app, owner=\"my_plugin\")",
        "```",
    ])


def render() -> str:
    load_builtin_plugins()
    specs = hooks()
    sigs = declared_signals()
    out = [
        "# Extending Zhurnal: every hook and signal",
        "",
        "<!-- Generated by `python -m zhurnal.core.extending > docs/EXTENDING.md` from the docstrings of",
        "     core/hookspecs.py and the signals.py modules; edit those, then regenerate.",
        "     tests/hooks/test_inventory.py fails while this file is out of date. -->",
        "",
        "A plugin *asks* through hooks (pluggy) and *tells* through signals (blinker); see",
        "`docs/DEVELOPING.md` (\"Adding a hook or a signal\") for the rules and `tests/hooks/` for a test of each.",
        "Hooks are called with keyword arguments; an implementation declares only those it uses.",
        "A `firstresult` hook takes the first answer that is not `None`; the others receive one answer per",
        "plugin, combined as each hook says. Signals are sent after the transaction committed, always with",
        "`school_id`; a receiver connected with `zhurnal.core.signals.connect(..., owner=...)` is skipped for a school",
        "where its plugin is switched off, and one that raises is logged, never turning the request into an error.",
        "",
        f"## Hooks ({len(specs)})",
        "",
        "| hook | arguments | answers |",
        "| --- | --- | --- |",
    ]
    for name, fn in specs.items():
        first = getattr(fn, MARK, {}).get("firstresult")
        args = ", ".join(f"`{a}`" for a in inspect.signature(fn).parameters) or "—"
        out.append(f"| [`{name}`](#{name}) | {args} | {'first answer (firstresult)' if first else 'one per plugin'} |")
    for name, fn in specs.items():
        sig = ", ".join(inspect.signature(fn).parameters)
        out += ["", f"### {name}", "", f"`{name}({sig})`" + (" — firstresult" if getattr(fn, MARK, {}).get("firstresult") else ""),
                "", _rst_to_md(inspect.getdoc(fn) or "")]
    out += ["", f"## Signals ({len(sigs)})", "",
            "| signal | declared in | keyword arguments |", "| --- | --- | --- |"]
    all_sigs = signals.all_signals()
    for name, (attr, module, _c) in sorted(sigs.items(), key=lambda kv: (kv[1][1], kv[1][0])):
        kw = ", ".join(f"`{k}`" for k in kwargs_of(all_sigs[name].__doc__))
        out.append(f"| [`{attr}`](#{attr}) (`\"{name}\"`) | `{module}` | {kw} |")
    for name, (attr, module, comment) in sorted(sigs.items(), key=lambda kv: (kv[1][1], kv[1][0])):
        doc = all_sigs[name].__doc__ or ""
        out += ["", f"### {attr}", "", f"`{module}.{attr}`, name `\"{name}\"`.", "", doc]
        if comment:
            out += ["", comment[0].upper() + comment[1:]]
        out += ["", _receiver_example(attr, module, kwargs_of(doc))]
    return "\n".join(out) + "\n"


def main() -> None:
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
