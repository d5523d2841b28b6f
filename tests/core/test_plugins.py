"""Resolving the deployment's plugin set: each failure stops start-up with one line naming the plugins."""
from __future__ import annotations

import types

import pytest

from zhurnal.core.plugins import PluginError, discover, resolve
from tests.core.conftest import run_zhurnal, stderr_lines


def plugin(name, depends=(), **attrs):
    m = types.ModuleType(f"fake_{name}")
    m.name, m.depends, m.version, m.title = name, tuple(depends), "1", name
    for k, v in attrs.items():
        setattr(m, k, v)
    return m


class FakeDist:
    def __init__(self, name):
        self.name = name


class FakeEntryPoint:
    """Stands in for importlib.metadata.EntryPoint (name, value, dist, load)."""

    def __init__(self, name, module, dist):
        self.name, self.value, self.dist, self._module = name, module.__name__, FakeDist(dist), module

    def load(self):
        if isinstance(self._module, Exception):
            raise self._module
        return self._module


def installed(*pairs):
    out = {}
    for mod, dist in pairs:
        out.setdefault(mod.name, []).append(FakeEntryPoint(mod.name, mod, dist))
    return out


def one_line(e) -> str:
    msg = str(e.value)
    assert "\n" not in msg
    return msg


def test_builtin_plugins_are_discovered_through_entry_points():
    found = discover()
    assert "roster" in found
    assert found["roster"][0].value == "zhurnal.plugins.roster"
    order = [i.name for i in resolve(["roster"])]
    assert order == ["roster"]


def test_dependency_order_whatever_the_listed_order():
    a, b, c = plugin("a"), plugin("b", ["a"]), plugin("c", ["b", "a"])
    order = [i.name for i in resolve(["c", "b", "a"], installed(), extra=[c, b, a])]
    assert order == ["a", "b", "c"]
    # listed twice: once
    assert [i.name for i in resolve(["a", "a"], installed(), extra=[a])] == ["a"]


def test_unknown_plugin_named():
    with pytest.raises(PluginError) as e:
        resolve(["roster", "nosuch"])
    msg = one_line(e)
    assert msg.startswith("unknown plugin 'nosuch' (installed: ")
    assert "roster" in msg


def test_missing_dependency_names_both_plugins():
    hello = plugin("hello", ["roster"])
    with pytest.raises(PluginError) as e:
        resolve(["hello"], installed(), extra=[hello])
    assert one_line(e) == "plugin 'hello' depends on 'roster', which is not enabled"


def test_name_claimed_by_two_distributions():
    r1, r2 = plugin("roster"), plugin("roster")
    with pytest.raises(PluginError) as e:
        resolve(["roster"], installed((r1, "zhurnal"), (r2, "evil-roster")))
    assert one_line(e) == "two plugins claim the name 'roster': evil-roster and zhurnal"
    # a plugin given directly may not take an installed name either
    with pytest.raises(PluginError) as e:
        resolve(["roster"], installed((r1, "zhurnal")), extra=[plugin("roster")])
    assert one_line(e) == "two plugins claim the name 'roster'"
    # a duplicate that is not enabled does not matter
    assert resolve([], installed((r1, "zhurnal"), (r2, "evil-roster"))) == []


def test_cycle_named():
    a, b, c = plugin("a", ["c"]), plugin("b", ["a"]), plugin("c", ["b"])
    with pytest.raises(PluginError) as e:
        resolve(["a", "b", "c"], installed(), extra=[a, b, c])
    assert one_line(e) == "plugins depend on each other in a cycle: a -> c -> b -> a"
    selfish = plugin("selfish", ["selfish"])
    with pytest.raises(PluginError) as e:
        resolve(["selfish"], installed(), extra=[selfish])
    assert one_line(e) == "plugins depend on each other in a cycle: selfish -> selfish"


def test_broken_plugin_fails_loudly():
    wrong = plugin("other")
    eps = {"mine": [FakeEntryPoint("mine", wrong, "dist-a")]}
    with pytest.raises(PluginError) as e:
        resolve(["mine"], eps)
    assert one_line(e) == "plugin entry point 'mine' loads a plugin named 'other'"
    boom = {"boom": [FakeEntryPoint("boom", plugin("boom"), "dist-b")]}
    boom["boom"][0]._module = ImportError("No module named 'numpyy'")
    with pytest.raises(PluginError) as e:
        resolve(["boom"], boom)
    assert one_line(e) == "plugin 'boom' failed to import: ImportError: No module named 'numpyy'"


def test_plugin_implementing_an_unknown_hook_stops_start_up(make_app):
    from zhurnal.core.hookspecs import hookimpl
    odd = plugin("odd")

    @hookimpl
    def zhurnal_no_such_hook():
        return 1
    odd.zhurnal_no_such_hook = zhurnal_no_such_hook
    with pytest.raises(PluginError) as e:
        make_app(plugins=["odd"], extra_plugins=[odd], migrate=False)
    assert one_line(e) == "plugin 'odd' implements an unknown hook 'zhurnal_no_such_hook'"


def test_two_plugins_declaring_one_permission(make_app):
    from zhurnal.core.access import Permission
    from zhurnal.core.hookspecs import hookimpl
    mods = []
    for n in ("p1", "p2"):
        m = plugin(n)
        m.zhurnal_permissions = hookimpl(lambda: [Permission("shared.thing.read", "x", roles=("teacher",))])
        mods.append(m)
    with pytest.raises(PluginError) as e:
        make_app(plugins=["p1", "p2"], extra_plugins=mods, migrate=False)
    assert one_line(e) == "two plugins declare the permission 'shared.thing.read'"


def test_real_second_distribution_claiming_roster_stops_the_cli(tmp_path):
    """A distribution installed on the path that also claims ``roster``: start-up stops, naming both."""
    site = tmp_path / "site"
    (site / "evil_roster").mkdir(parents=True)
    (site / "evil_roster" / "__init__.py").write_text('name = "roster"\n')
    info = site / "evil_roster-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: evil-roster\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[zhurnal.plugins]\nroster = evil_roster\n")
    env = {"PYTHONPATH": str(site), "ZHURNAL_PLUGINS": "roster"}
    for args in (["plugins"], ["init"]):
        r = run_zhurnal(args, cwd=tmp_path, env=env)
        assert r.returncode != 0, r
        lines = stderr_lines(r)
        assert lines == ["Error: two plugins claim the name 'roster': evil-roster and zhurnal"], r.stderr
    r = run_zhurnal(["plugins"], cwd=tmp_path, env={"PYTHONPATH": str(site), "ZHURNAL_PLUGINS": ""})
    assert r.returncode == 0, r.stderr
    assert "claimed by several distributions" in r.stdout
