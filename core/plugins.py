"""Plugin discovery, dependencies and enablement.

Three levels of "on":

* **installed** — a distribution declares an entry point in the group
  ``zhurnal.plugins`` (the built-in plugins are declared the same way in our
  own ``pyproject.toml``);
* **loaded** — the deployment's configuration lists it (``[plugins] enabled``
  or ``ZHURNAL_PLUGINS``); only loaded plugins are registered with pluggy, so a
  plugin that is not loaded contributes nothing at all. Changing this needs a
  restart;
* **enabled for a school** — an admin switches a loaded plugin off or on for one
  school at run time (:meth:`PluginHost.set_enabled`). While it is off its
  routes answer 404, its hooks are not called for that school and its signal
  receivers are skipped. Its data stays.
"""
from __future__ import annotations

import importlib.metadata as md
import logging
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

import pluggy
from marshmallow import RAISE, ValidationError

from . import hookspecs
from .config import ConfigError, _one_line

log = logging.getLogger("zhurnal.plugins")

ENTRY_POINT_GROUP = "zhurnal.plugins"


class PluginError(ConfigError):
    """The plugin set cannot start; the message is one line naming the plugins."""


@dataclass
class PluginInfo:
    """What the kernel knows of one installed plugin."""
    name: str
    module: Any
    distribution: str
    version: str = "0"
    title: str = ""
    depends: tuple[str, ...] = ()
    schema_version: int = 0
    settings: dict = field(default_factory=dict)

    @property
    def description(self) -> str:
        return (self.module.__doc__ or "").strip().splitlines()[0] if self.module.__doc__ else ""


#: the import packages' names before they moved under ``zhurnal`` (see :mod:`zhurnal._layout`)
OLD_PACKAGES = ("core", "plugins")


def current_name(value: str) -> str:
    """An entry point's value with an old package name (``plugins.x``) given its current one (``zhurnal.plugins.x``)."""
    return f"zhurnal.{value}" if value.split(".", 1)[0].split(":", 1)[0] in OLD_PACKAGES else value


def discover() -> dict[str, list[md.EntryPoint]]:
    """All installed plugins by name (a name offered twice has two entries)."""
    found: dict[str, list[md.EntryPoint]] = {}
    seen: set[tuple[str, str, str]] = set()
    for ep in md.entry_points(group=ENTRY_POINT_GROUP):
        dist = (ep.dist.name if ep.dist else "?").lower().replace("_", "-")
        key = (ep.name, current_name(ep.value), dist)
        if key in seen:  # one distribution seen twice on sys.path (editable installs)
            continue
        seen.add(key)
        found.setdefault(ep.name, []).append(ep)
    return found


def _info_from(name: str, ep: md.EntryPoint) -> PluginInfo:
    if current_name(ep.value) != ep.value:  # loads through the old name's alias: the same module, once
        log.warning("plugin %r: entry point %r names a package by its old name; write %r",
                    name, ep.value, current_name(ep.value))
    try:
        module = ep.load()
    except Exception as e:  # a broken plugin must fail loudly, never vanish
        raise PluginError(f"plugin {name!r} failed to import: {type(e).__name__}: {e}") from e
    declared = getattr(module, "name", None)
    if declared != name:
        raise PluginError(f"plugin entry point {name!r} loads a plugin named {declared!r}")
    return PluginInfo(
        name=name, module=module, distribution=ep.dist.name if ep.dist else "?",
        version=str(getattr(module, "version", "0")), title=getattr(module, "title", name),
        depends=tuple(getattr(module, "depends", ())),
        schema_version=int(getattr(module, "schema_version", 0)),
    )


def resolve(enabled: Iterable[str], installed: dict[str, list[md.EntryPoint]] | None = None,
            extra: Iterable[Any] = ()) -> list[PluginInfo]:
    """Check the configured plugin set and return it in dependency order.

    :param extra: plugin objects given directly (tests, embedding), treated as installed.
    :raises PluginError: for an unknown name, a name offered by two plugins, a
        missing dependency or a dependency cycle; one line naming them.
    """
    installed = dict(discover() if installed is None else installed)
    objects: dict[str, Any] = {}
    for obj in extra:
        if obj.name in installed or obj.name in objects:
            raise PluginError(f"two plugins claim the name {obj.name!r}")
        objects[obj.name] = obj
    enabled = list(dict.fromkeys(enabled))
    dupes = [n for n in enabled if len(installed.get(n, ())) > 1]
    if dupes:
        n = dupes[0]
        dists = " and ".join(sorted(ep.dist.name if ep.dist else ep.value for ep in installed[n]))
        raise PluginError(f"two plugins claim the name {n!r}: {dists}")
    unknown = [n for n in enabled if n not in installed and n not in objects]
    if unknown:
        raise PluginError(f"unknown plugin {unknown[0]!r} (installed: {', '.join(sorted(set(installed) | set(objects))) or 'none'})")
    infos: dict[str, PluginInfo] = {}
    for n in enabled:
        if n in objects:
            o = objects[n]
            infos[n] = PluginInfo(name=n, module=o, distribution="(given)", version=str(getattr(o, "version", "0")),
                                  title=getattr(o, "title", n), depends=tuple(getattr(o, "depends", ())),
                                  schema_version=int(getattr(o, "schema_version", 0)))
        else:
            infos[n] = _info_from(n, installed[n][0])
    for info in infos.values():
        for dep in info.depends:
            if dep not in infos:
                raise PluginError(f"plugin {info.name!r} depends on {dep!r}, which is not enabled")
    order: list[PluginInfo] = []
    state: dict[str, int] = {}

    def visit(n: str, chain: list[str]):
        if state.get(n) == 2:
            return
        if state.get(n) == 1:
            raise PluginError(f"plugins depend on each other in a cycle: {' -> '.join(chain + [n])}")
        state[n] = 1
        for dep in infos[n].depends:
            visit(dep, chain + [n])
        state[n] = 2
        order.append(infos[n])

    for n in enabled:
        visit(n, [])
    return order


class PluginHost:
    """The pluggy manager of one application plus what the kernel adds to it.

    Kept on ``app.extensions["zhurnal"].plugins``; never a module global.
    """

    def __init__(self, infos: list[PluginInfo], settings) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.infos: dict[str, PluginInfo] = {}
        self.order: list[str] = []
        self._subset_cache: dict[tuple[frozenset, str], Any] = {}
        from . import builtin_hooks
        self.pm.register(builtin_hooks, name="core")
        for info in infos:
            info.settings = self._validate_settings(info, settings.for_plugin(info.name),
                                                    getattr(settings, "plugin_env", {}).get(info.name, {}))
            self.pm.register(info.module, name=info.name)
            self.infos[info.name] = info
            self.order.append(info.name)
        unknown_settings = set(settings.plugin_settings) - set(self.infos)
        if unknown_settings:
            n = sorted(unknown_settings)[0]
            from_env = getattr(settings, "plugin_env", {}).get(n)
            if from_env:
                raise PluginError(f"{sorted(from_env.values())[0]} sets plugin {n!r}, which is not enabled")
            raise PluginError(f"settings given for plugin {n!r}, which is not enabled")
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as e:
            who = self.pm.get_name(e.plugin) or getattr(e.plugin, "name", repr(e.plugin))
            hook = re.search(r"unknown hook '(\w+)'", str(e))
            raise PluginError(f"plugin {who!r} implements an unknown hook "
                              f"{hook.group(1) if hook else str(e).splitlines()[0]!r}") from None

    @staticmethod
    def _validate_settings(info: PluginInfo, raw: dict, env_names: dict[str, str] | None = None) -> dict:
        """``[plugins.<name>]`` (with ``ZHURNAL_<NAME>__<KEY>`` over it) checked by the plugin's schema.

        :param env_names: keys whose value came from the environment, with their variable's name:
            an error names the variable, and a list or table setting is read from it (see
            :func:`_from_env`)
        """
        env_names = env_names or {}
        schema_cls = getattr(info.module, "settings_schema", None)
        if schema_cls is None:
            if raw:
                got = ", ".join(env_names.get(k, k) for k in raw)
                raise PluginError(f"plugin {info.name!r} takes no settings, got: {got}")
            return {}
        schema = schema_cls(unknown=RAISE)
        raw = dict(raw)
        for key, var in env_names.items():
            if key in raw and key in schema.fields:
                try:
                    raw[key] = _from_env(schema.fields[key], raw[key])
                except ValueError as e:
                    raise PluginError(f"invalid setting {var}: {e}") from None
        try:
            return schema.load(raw)
        except ValidationError as e:
            raise PluginError(_one_line(e, prefix=f"plugins.{info.name}.", names=env_names)) from None

    # --- calling hooks --------------------------------------------------------
    @property
    def hook(self):
        """Hooks of every loaded plugin (deployment-wide work: CLI, migrations)."""
        return self.pm.hook

    def hook_for(self, school) -> "_SchoolHooks":
        """Hooks restricted to the plugins enabled for ``school`` (None: all loaded)."""
        return _SchoolHooks(self, frozenset(self.disabled_for(school)))

    def per_plugin(self, hook_name: str, only: Iterable[str] | None = None, **kwargs) -> dict[str, Any]:
        """Call a hook on each plugin separately, in dependency order: {plugin: result}."""
        impls = {self.pm.get_name(i.plugin): i for i in getattr(self.pm.hook, hook_name).get_hookimpls()}
        out = {}
        for name in ["core"] + self.order:
            if name in impls and (only is None or name in only):
                impl = impls[name]
                out[name] = impl.function(**{k: kwargs[k] for k in impl.argnames})
        return out

    # --- per-school enablement ------------------------------------------------
    def disabled_for(self, school) -> set[str]:
        """Loaded plugins that are off for ``school``, including those whose
        dependency is off there."""
        if school is None:
            return set()
        off = set(school.disabled_plugin_names()) & set(self.infos)
        changed = True
        while changed:
            changed = False
            for name, info in self.infos.items():
                if name not in off and any(d in off for d in info.depends):
                    off.add(name)
                    changed = True
        return off

    def is_enabled(self, name: str, school) -> bool:
        return name in self.infos and name not in self.disabled_for(school)

    def subset_caller(self, disabled: frozenset, hook_name: str):
        key = (disabled, hook_name)
        caller = self._subset_cache.get(key)
        if caller is None:
            if disabled:
                remove = [self.pm.get_plugin(n) for n in disabled if self.pm.get_plugin(n) is not None]
                caller = self.pm.subset_hook_caller(hook_name, remove_plugins=remove)
            else:
                caller = getattr(self.pm.hook, hook_name)
            self._subset_cache[key] = caller
        return caller


def _from_env(fld, text: str):
    """The value of a setting given as an environment variable's text.

    Scalars go to the schema as text (marshmallow reads ``"25"``, ``"true"``, dates); a list is
    the comma-separated items (``a,b,c``; empty: none); a table (``Dict``/``Nested``) is JSON.
    """
    from . import fields  # marshmallow's fields, as every schema sees them
    if isinstance(fld, fields.List):
        return [item.strip() for item in text.split(",") if item.strip()]
    if isinstance(fld, (fields.Dict, fields.Nested)):
        import json
        try:
            return json.loads(text)
        except ValueError:
            raise ValueError("must be a JSON object") from None
    return text


class _SchoolHooks:
    def __init__(self, host: PluginHost, disabled: frozenset) -> None:
        self._host = host
        self._disabled = disabled

    def __getattr__(self, name: str):
        return self._host.subset_caller(self._disabled, name)
