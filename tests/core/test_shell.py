"""The layout every page shares: its links and words are worked out once per app and language
(core.ui.href, core.ui.shell_words) and read the same as url_for and gettext would write them."""
from __future__ import annotations

from flask import url_for

from zhurnal.core import ui


def test_href_is_url_for_once_per_endpoint_values_and_mount_point(make_app):
    app = make_app()
    with app.test_request_context("/"):
        for endpoint, values in [("ui.dashboard", {}), ("static", {"filename": "zhurnal.css"}),
                                 ("ui.set_language", {"code": "en"}), ("identity.account", {})]:
            assert ui.href(endpoint, **values) == url_for(endpoint, **values)
        cached = dict(app.extensions["zhurnal_hrefs"])
        assert ui.href("ui.dashboard") is cached[("", "ui.dashboard", ())]
    # mounted under a prefix (SCRIPT_NAME): the prefix's own links, not the cached ones
    with app.test_request_context("/", base_url="http://localhost/school17/"):
        assert ui.href("ui.dashboard") == url_for("ui.dashboard") == "/school17/"


def test_an_app_with_url_defaults_gets_url_for_every_time(make_app):
    app = make_app()
    seen = []

    @app.url_defaults
    def _note(endpoint, values):
        seen.append(endpoint)
    with app.test_request_context("/"):
        ui.href("ui.dashboard")
        ui.href("ui.dashboard")
    assert seen == ["ui.dashboard", "ui.dashboard"]
    assert not app.extensions.get("zhurnal_hrefs")


def test_the_layout_speaks_the_page_language_and_links_back(demo_app, as_user):
    c = as_user("parent1")
    ru = c.get("/diary/help").get_data(as_text=True)
    assert "<footer>Журнал — электронный классный журнал и дневник</footer>" in ru
    assert 'href="/lang/en?next=/diary/help?"' in ru and "Мой профиль" in ru
    assert c.get("/lang/en?next=/diary/help").status_code == 302
    en = c.get("/diary/help?x=1").get_data(as_text=True)
    assert "<footer>Zhurnal — electronic class journal and diary</footer>" in en and "My account" in en
    assert 'href="/lang/ru?next=/diary/help?x%3D1"' in en


def test_islands_are_put_into_the_page_as_json_island_writes_them(make_app, tmp_path):
    """render_with_islands gives the bytes render_template with json_island gives, the JSON
    spliced in after rendering; a template that prints an island twice or not at all is an error."""
    import jinja2
    import pytest
    app = make_app()
    app.jinja_loader = jinja2.DictLoader({
        "islands.html": '<p>{{ title }}</p><script type="application/json" id="a">{{ a }}</script>'
                        '<script type="application/json" id="b">{{ b }}</script>',
        "twice.html": "{{ a }}{{ a }}", "none.html": "<p>{{ title }}</p>"})
    a = '{"текст":"</script><!-- ё","n":1}'.encode()
    b = b'{"x":"<b>"}'
    with app.test_request_context("/"):
        got = ui.render_with_islands("islands.html", {"a": a, "b": b}, title="<Журнал>")
        want = ui.render_template("islands.html", title="<Журнал>", a=ui.json_island(a), b=ui.json_island(b))
        assert got.get_data() == want.encode("utf-8")
        assert got.content_type == "text/html; charset=utf-8"
        assert b"</script><!--" not in got.get_data() and "&lt;Журнал&gt;".encode() in got.get_data()
        # the marker holds a token of the process that no one sees; even text that held it would
        # make the page refused, never the JSON put in the wrong place
        with pytest.raises(ValueError, match="exactly once"):
            ui.render_with_islands("islands.html", {"a": a, "b": b}, title=ui._ISLAND.format(name="a"))
        for name in ("twice.html", "none.html"):
            with pytest.raises(ValueError, match="exactly once"):
                ui.render_with_islands(name, {"a": a}, title="")
