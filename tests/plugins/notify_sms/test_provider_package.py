"""An SMS provider shipped as a package of its own: registered in the entry-point group
``zhurnal.notify_sms.providers``, pip-installed, chosen by ``ZHURNAL_NOTIFY_SMS__PROVIDER``."""
from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap

import pytest

from zhurnal.core.config import ConfigError
from zhurnal.plugins.notify_sms import providers
from tests.httpserver import LocalHTTPServer

PROVIDER = '''
import json
from zhurnal.core.notify.channel import DeliveryResult
from zhurnal.plugins.notify_sms.http import HttpRequest
from zhurnal.plugins.notify_sms.providers import Provider


class XmlishProvider(Provider):
    """A gateway wanting the text in a "message" field and answering {"accepted": bool}."""
    name = "xmlish"

    def request(self, sms):
        body = json.dumps({"msisdn": sms.to.lstrip("+"), "message": sms.text, "apikey": sms.settings["token"]},
                          ensure_ascii=False).encode("utf-8")
        return HttpRequest("PUT", sms.settings["url"], {"Content-Type": "application/json"}, body)

    def result(self, response, sms):
        body = response.json() or {}
        if body.get("accepted"):
            return DeliveryResult.delivered(provider_id=body.get("ref"))
        return DeliveryResult.permanent(body.get("reason", "refused"))
'''


@pytest.fixture(scope="module")
def provider_site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("smsprov")
    src, site = tmp / "src", tmp / "site"
    (src / "xmlish_sms").mkdir(parents=True)
    (src / "xmlish_sms" / "__init__.py").write_text(PROVIDER)
    (src / "pyproject.toml").write_text(textwrap.dedent('''
        [build-system]
        requires = ["setuptools>=64", "wheel"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "xmlish-sms"
        version = "1.0"
        [project.entry-points."zhurnal.notify_sms.providers"]
        xmlish = "xmlish_sms:XmlishProvider"
        [tool.setuptools]
        packages = ["xmlish_sms"]
    '''))
    r = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--no-build-isolation",
                        "--disable-pip-version-check", "--target", str(site), str(src)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    sys.path.insert(0, str(site))
    importlib.invalidate_caches()
    yield site
    sys.path.remove(str(site))
    sys.modules.pop("xmlish_sms", None)
    importlib.invalidate_caches()


def test_an_installed_provider_is_chosen_from_the_environment(provider_site, channel_apps):
    assert "xmlish" in providers.available()
    with LocalHTTPServer(lambda req: (200, {"accepted": True, "ref": "x-1"})) as gw:
        app = channel_apps({"ZHURNAL_NOTIFY_SMS__PROVIDER": "xmlish", "ZHURNAL_NOTIFY_SMS__URL": gw.url + "/sms",
                            "ZHURNAL_NOTIFY_SMS__TOKEN": "k"})
        from zhurnal.core.notify import channels
        from zhurnal.core.notify.channel import Message
        sms = channels(app)["sms"]
        assert type(sms.provider).__name__ == "XmlishProvider"
        with app.app_context():
            r = sms.send(Message(id=1, idempotency_key="k1", channel="sms", address="89123456789", recipient_user_id=None,
                                 recipient_name="", event="mark", subject="", text="Проверка связи",
                                 short_text="Проверка связи"))
        assert r.status == "delivered" and r.provider_id == "x-1"
        [req] = gw.requests
        assert req.method == "PUT" and req.json() == {"msisdn": "79123456789", "message": "Проверка связи", "apikey": "k"}


def test_an_unknown_provider_stops_start_up_naming_the_variable(channel_apps):
    with pytest.raises(ConfigError) as e:
        channel_apps({"ZHURNAL_NOTIFY_SMS__PROVIDER": "pigeon"})
    assert str(e.value).startswith("invalid setting ZHURNAL_NOTIFY_SMS__PROVIDER: unknown SMS provider 'pigeon' "
                                   "(available: json, smsru")
