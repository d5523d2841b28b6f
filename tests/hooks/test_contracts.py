"""What the hook docstrings promise about clashes and combining answers, checked with real plugins:
a kind, a channel code, a permission or a role offered twice stops start-up with one line; the
``firstresult`` hooks take the first answer that is not ``None``; merged answers merge as documented."""
from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from zhurnal.core.notify import DeliveryResult
from zhurnal.core.notify.channel import Channel
from zhurnal.core.plugins import PluginError
from tests.core.conftest import run_zhurnal, stderr_lines
from tests.hooks.probe import make_probe


def _one_line(e) -> str:
    msg = str(e.value)
    assert "\n" not in msg
    return msg


def test_zhurnal_importers_a_kind_offered_twice_stops_start_up(make_app):
    """The roster offers ``students``; a second plugin offering it too stops start-up, naming both."""
    dup = make_probe("dup", depends=("roster",), zhurnal_importers=lambda: {"students": lambda *a: None})
    with pytest.raises(PluginError) as e:
        make_app(plugins=["roster", "dup"], extra_plugins=[dup], migrate=False)
    assert _one_line(e) == "import kind 'students' is offered by two plugins: 'roster' and 'dup'"


def test_zhurnal_exporters_a_kind_offered_twice_stops_start_up(make_app):
    dup = make_probe("dup", depends=("roster",), zhurnal_exporters=lambda: {"students": lambda *a: 0})
    with pytest.raises(PluginError) as e:
        make_app(plugins=["roster", "dup"], extra_plugins=[dup], migrate=False)
    assert _one_line(e) == "export kind 'students' is offered by two plugins: 'roster' and 'dup'"


def test_an_installed_distribution_offering_a_taken_import_kind_stops_the_cli(tmp_path):
    """The same through the real console script, with a second distribution installed on the path."""
    site = tmp_path / "site"
    (site / "dup_import").mkdir(parents=True)
    (site / "dup_import" / "__init__.py").write_text(textwrap.dedent('''
        from zhurnal.core.hookspecs import hookimpl
        name, title, version, depends, schema_version = "dup_import", "Dup", "1", ("roster",), 0

        @hookimpl
        def zhurnal_importers():
            return {"students": lambda *args: None}
    '''))
    info = site / "dup_import-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: dup-import\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[zhurnal.plugins]\ndup_import = dup_import\n")
    env = {"PYTHONPATH": str(site), "ZHURNAL_PLUGINS": "roster,dup_import",
           "ZHURNAL_DATABASE_URL": f"sqlite:///{tmp_path / 'z.db'}"}
    r = run_zhurnal(["init"], cwd=tmp_path, env=env)
    assert r.returncode != 0, r
    assert stderr_lines(r) == ["Error: import kind 'students' is offered by two plugins: 'roster' and 'dup_import'"], \
        r.stderr


class _Mail(Channel):
    code = "email"
    title = "Second mail"

    def send(self, message):
        return DeliveryResult.delivered()


def test_zhurnal_notification_channels_one_code_twice_stops_start_up(make_app):
    dup = make_probe("dup", zhurnal_notification_channels=lambda: [_Mail])
    with pytest.raises(PluginError) as e:
        make_app(plugins=["notify_email", "dup"], extra_plugins=[dup], migrate=False)
    assert _one_line(e) == "channel code 'email' is offered by 'notify_email' and 'dup'"


def test_zhurnal_roles_and_zhurnal_permissions_clashes_stop_start_up(make_app):
    from zhurnal.core.access import Permission, Role
    a = make_probe("pa", zhurnal_roles=lambda: [Role("psychologist", "Psychologist")])
    b = make_probe("pb", zhurnal_roles=lambda: [Role("psychologist", "Psychologist again")])
    with pytest.raises(PluginError) as e:
        make_app(plugins=["pa", "pb"], extra_plugins=[a, b], migrate=False)
    assert "psychologist" in _one_line(e) and "twice" in _one_line(e)
    c = make_probe("pc", zhurnal_permissions=lambda: [Permission("core.users.read", "again", roles=("admin",))])
    with pytest.raises(PluginError) as e:
        make_app(plugins=["pc"], extra_plugins=[c], migrate=False)
    assert _one_line(e) == "two plugins declare the permission 'core.users.read'"


@pytest.mark.parametrize("hook, kwargs", [
    ("zhurnal_consent_granted", {"user_id": 1, "student_id": 2}),
    ("zhurnal_paper_delivery_guardians", {"class_id": 3}),
    ("zhurnal_render_pdf", {"html": "<p>x</p>"}),
    ("zhurnal_contact_address", {"user": None, "kind": "email"}),
    ("zhurnal_contact_addresses", {"user_ids": [1], "kind": "email"}),
    ("zhurnal_notification_audience", {"student_id": 2}),
    ("zhurnal_notification_current", {"event": "mark", "student_id": 2, "data": {}}),
    ("zhurnal_absence_justification", {"student_id": 2, "day": dt.date(2026, 11, 26)}),
    ("zhurnal_revert_write", {"entry": None, "by": None}),
    ("zhurnal_object_scope", {"obj": None}),
])
def test_firstresult_hooks_skip_none_and_use_the_first_answer(make_app, hook, kwargs):
    """A plugin that does not know answers ``None`` and does not hide another's answer; the
    hook's result is one answer, not a list."""
    args = ", ".join(kwargs)
    silent = make_probe("silent", **{hook: eval(f"lambda {args}: None")})
    answer = {"zhurnal_consent_granted": False, "zhurnal_contact_address": ""}.get(hook, ["answer"])
    knows = make_probe("knows", **{hook: eval(f"lambda {args}: answer", {"answer": answer})})
    # both orders: whichever is asked first, the None is skipped
    for order in (["silent", "knows"], ["knows", "silent"]):
        mods = {"silent": silent, "knows": knows}
        app = make_app(plugins=order, extra_plugins=[mods[n] for n in order], migrate=False)
        with app.app_context():
            assert getattr(app.extensions["zhurnal"].plugins.hook, hook)(**kwargs) == answer


def test_zhurnal_paper_acknowledgements_lists_are_concatenated(make_app):
    day = dt.date(2026, 11, 23)
    row = {"student_id": 1, "guardian_id": None, "date_from": day, "date_to": day, "handed_on": day}
    a = make_probe("ackA", zhurnal_paper_acknowledgements=lambda student_ids, date_from, date_to: [row])
    b = make_probe("ackB", zhurnal_paper_acknowledgements=lambda student_ids, date_from, date_to: [
        {**row, "student_id": 2}])
    app = make_app(plugins=["ackA", "ackB"], extra_plugins=[a, b], migrate=False)
    with app.app_context():
        lists = app.extensions["zhurnal"].plugins.hook_for(None).zhurnal_paper_acknowledgements(
            student_ids=[1, 2], date_from=day, date_to=day)
    assert sorted(r["student_id"] for rows in lists for r in rows) == [1, 2]


def test_builtin_implementations_give_their_arguments_no_defaults():
    """Hooks are called with keyword arguments; an implementation declares those it uses, without
    defaults (a default would hide a misspelt argument that pluggy never passes)."""
    import importlib
    import inspect

    from zhurnal.core import extending
    from zhurnal.core.plugins import discover
    bad = []
    for name, eps in discover().items():
        ep = next((e for e in eps if e.value.startswith("zhurnal.plugins.")), None)
        if ep is None:
            continue
        mod = importlib.import_module(ep.value)
        for hook in extending.hooks():
            fn = getattr(mod, hook, None)
            if fn is not None and any(p.default is not inspect.Parameter.empty
                                      for p in inspect.signature(fn).parameters.values()):
                bad.append(f"{name}.{hook}")
    assert not bad, bad
