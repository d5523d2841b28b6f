"""The SMS channel against a real HTTP server in the test process: what each provider sends and how
each answer (accepted, bad number, outage, slow gateway, refused token) is reported."""
from __future__ import annotations

import time

import pytest

from zhurnal.core.notify.channel import Message
from zhurnal.plugins.notify_sms import SmsSettings, phone
from zhurnal.plugins.notify_sms.channel import SmsChannel

TEXT = "Петров Иван: 5 по математике (контрольная работа), 26.11"


def channel(**settings) -> SmsChannel:
    return SmsChannel(settings=SmsSettings().load(settings))


def message(address="8 (912) 345-67-89", text=TEXT, key="journal.mark:1:sms:7") -> Message:
    return Message(id=1, idempotency_key=key, channel="sms", address=address, recipient_user_id=7,
                   recipient_name="Петрова Анна", event="mark", subject="Новая оценка", text=text, short_text=text)


@pytest.mark.parametrize("raw, expected", [
    ("8 (912) 345-67-89", "+79123456789"), ("+7 912 345 67 89", "+79123456789"), ("7-912-345-67-89", "+79123456789"),
    ("9123456789", "+79123456789"), ("+79123456789", "+79123456789"), ("8.495.123.45.67", "+74951234567"),
    ("+375 29 123-45-67", "+375291234567"),
    ("", None), (None, None), ("12345", None), ("+7 912 345 67 8", None), ("+7912345678901", None),
    ("8-800-ЗВОНИ", None), ("123456789012", None), ("+0123456789", None), ("tel:+79123456789", None),
])
def test_numbers_are_normalised_to_international_form(raw, expected):
    assert phone.normalise(raw) == expected


def test_json_provider_sends_cyrillic_intact_to_the_normalised_number(gateway):
    gateway.answer = lambda req: (200, {"id": "gw-1"})
    ch = channel(url=gateway.url + "/send", token="tok-1", sender="School17", params={"route": "direct"})
    r = ch.send(message())
    assert r.status == "delivered" and r.provider_id == "gw-1"
    [req] = gateway.to("/send")
    assert req.method == "POST" and req.header("Authorization") == "Bearer tok-1"
    assert req.header("Idempotency-Key") == "journal.mark:1:sms:7"
    assert req.json() == {"to": "+79123456789", "text": TEXT, "sender": "School17", "id": "journal.mark:1:sms:7",
                          "route": "direct"}


def test_smsru_provider_sends_a_form_and_reads_the_per_number_status(gateway):
    gateway.answer = lambda req: (200, {"status": "OK", "status_code": 100, "balance": 10.5, "sms": {
        "79123456789": {"status": "OK", "status_code": 100, "sms_id": "000000-10000000"}}})
    r = channel(url=gateway.url + "/sms/send", token="api-id-1", sender="School17", provider="smsru").send(message())
    assert r.status == "delivered" and r.provider_id == "000000-10000000"
    [req] = gateway.to("/sms/send")
    assert req.header("Content-Type").startswith("application/x-www-form-urlencoded")
    assert req.form() == {"api_id": "api-id-1", "to": "79123456789", "msg": TEXT, "from": "School17", "json": "1"}


def test_smsru_bad_number_is_permanent_and_limits_are_temporary(gateway):
    def answer(code, text):
        return lambda req: (200, {"status": "OK", "status_code": 100, "sms": {
            "79123456789": {"status": "ERROR", "status_code": code, "status_text": text}}})
    ch = channel(url=gateway.url + "/sms/send", token="x", provider="smsru")
    gateway.answer = answer(207, "На этот номер нельзя отправлять сообщения")
    r = ch.send(message())
    assert r.status == "permanent" and r.detail == "gateway code 207: На этот номер нельзя отправлять сообщения"
    gateway.answer = answer(230, "Превышен общий лимит")
    assert ch.send(message()).status == "temporary"
    gateway.answer = lambda req: (200, {"status": "ERROR", "status_code": 201, "status_text": "Не хватает средств"})
    r = ch.send(message())
    assert r.status == "temporary" and "201" in r.detail
    gateway.answer = lambda req: (200, {"status": "ERROR", "status_code": 200, "status_text": "Неправильный api_id"})
    assert ch.send(message()).status == "temporary"  # the operator fixes the token; the messages wait
    gateway.answer = lambda req: (200, {"status": "OK", "status_code": 100, "balance": 3})
    assert ch.send(message()).status == "delivered"
    gateway.answer = lambda req: (200, "100\n000000-1\nbalance=3")  # the answer without json=1
    assert ch.send(message()).status == "temporary"
    gateway.answer = lambda req: (403, "Forbidden")
    assert ch.send(message()).status == "temporary"  # a proxy refusing us: not this number's fault
    gateway.answer = lambda req: (400, "Bad Request")
    assert ch.send(message()).status == "permanent"


@pytest.mark.parametrize("status, body, outcome", [
    (400, {"error": "invalid phone number"}, "permanent"),
    (422, {"error": {"message": "number is not mobile"}}, "permanent"),
    (404, "no such subscriber", "permanent"),
    (409, {"id": "gw-0"}, "delivered"),   # the gateway already accepted this id
    (401, {"error": "bad token"}, "temporary"),  # the operator fixes the token; the messages wait
    (429, {"error": "slow down"}, "temporary"),
    (500, "Internal Server Error", "temporary"),
    (502, "", "temporary"),
    (503, "maintenance", "temporary"),
])
def test_json_provider_answers(gateway, status, body, outcome):
    gateway.answer = lambda req: (status, body, {"Retry-After": "30"} if status == 429 else {})
    r = channel(url=gateway.url + "/send").send(message())
    assert r.status == outcome, r
    if status == 429:
        assert r.retry_after == 30
    if status == 400:
        assert r.detail == "gateway refused the message (400): invalid phone number"


def test_gateway_down_or_silent_is_temporary(gateway):
    ch = channel(url=gateway.url + "/send", timeout=0.5)
    gateway.delay = 2
    started = time.monotonic()
    r = ch.send(message())
    assert r.status == "temporary" and "unreachable" in r.detail
    assert time.monotonic() - started < 1.9  # the timeout setting holds, not the gateway's pace
    gateway.delay = 0
    gateway.stop()
    r = ch.send(message())
    assert r.status == "temporary" and "unreachable" in r.detail
    gateway.start()
    assert ch.send(message()).status == "delivered"


def test_a_gateway_breaking_the_protocol_is_temporary(gateway):
    gateway.answer = lambda req: ("raw", b"SMS GATEWAY READY\r\n")
    r = channel(url=gateway.url + "/send").send(message())
    assert r.status == "temporary" and "BadStatusLine" in r.detail


def test_a_number_that_is_not_one_fails_for_good_without_a_request(gateway):
    r = channel(url=gateway.url + "/send").send(message(address="12-34"))
    assert r.status == "permanent" and "not a phone number" in r.detail
    assert gateway.requests == []


def test_one_segment_where_possible(gateway):
    long_text = "Иванова Мария получила оценку 5 по предмету «Литературное чтение» за ответ у доски, 26.11.2026"
    assert len(long_text) > 70
    ch = channel(url=gateway.url + "/send")
    ch.send(message(text=long_text))
    sent = gateway.requests[-1].json()["text"]
    assert len(sent) <= 70 and sent.endswith("…") and sent.startswith("Иванова Мария получила")
    ch = channel(url=gateway.url + "/send", transliterate=True)
    ch.send(message(text=long_text))
    sent = gateway.requests[-1].json()["text"]
    assert sent.startswith("Ivanova Mariya poluchila otsenku 5") and "«" not in sent and len(sent) <= 160
    assert sent.isascii()


@pytest.mark.parametrize("settings, error", [
    ({"url": "ftp://gw/send"}, "url"), ({"provider": "carrier-pigeon"}, "provider"),
    ({"sender": "Школа №17"}, "sender"), ({"sender": "ABCDEFGHIJKL"}, "sender"), ({"timeout": 0}, "timeout"),
({"colour": "red"}, "colour"),
])
def test_bad_settings_are_refused(settings, error):
    from marshmallow import ValidationError
    with pytest.raises(ValidationError) as e:
        SmsSettings().load(settings)
    assert list(e.value.messages) == [error]
