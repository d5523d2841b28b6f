"""What an operator watches: request ids, one JSON log line per request and job, readiness, metrics."""
from __future__ import annotations

import json
import logging

from zhurnal.core.ops import JsonFormatter
from tests.conftest import login

TOKEN = "metrics-token-0123456789"


def _fields(caplog, logger: str) -> list[dict]:
    return [r.fields for r in caplog.records if r.name == logger and hasattr(r, "fields")]


def test_every_request_gets_an_id_and_one_json_log_line(make_app, caplog):
    app = make_app(plugins=["roster"])
    c = app.test_client()
    with caplog.at_level(logging.INFO, logger="zhurnal.request"):
        r = c.get("/healthz")
        given = c.get("/healthz", headers={"X-Request-Id": "proxy-abcdef12"})
        forged = c.get("/healthz", headers={"X-Request-Id": "bad id; <script>"})
    assert len(r.headers["X-Request-Id"]) == 32
    assert given.headers["X-Request-Id"] == "proxy-abcdef12"
    assert len(forged.headers["X-Request-Id"]) == 32
    lines = _fields(caplog, "zhurnal.request")
    assert [f["request_id"] for f in lines] == [r.headers["X-Request-Id"], "proxy-abcdef12",
                                                forged.headers["X-Request-Id"]]
    assert lines[0]["route"] == "/healthz" and lines[0]["status"] == 200 and lines[0]["duration_ms"] >= 0
    rec = next(r for r in caplog.records if r.name == "zhurnal.request")
    line = json.loads(JsonFormatter().format(rec))
    assert {"time", "level", "logger", "request_id", "route", "status", "duration_ms", "user_id"} <= set(line)


def test_logged_in_requests_name_the_user_and_jobs_log_a_line(demo_app, caplog):
    parent = login(demo_app, "parent1")
    with caplog.at_level(logging.INFO, logger="zhurnal"):
        parent.get("/api/v1/me")
        from zhurnal.core.queue import refresh_statistics_job
        with demo_app.app_context():
            refresh_statistics_job()  # the memory queue runs it at once
    me = [f for f in _fields(caplog, "zhurnal.request") if f["route"] == "/api/v1/me"]
    assert me and me[0]["user_id"] is not None and me[0]["school_id"] is not None
    jobs = _fields(caplog, "zhurnal.job")
    assert any(j["job"] == "refresh_statistics_job" and j["outcome"] == "done" for j in jobs)


def test_readiness_checks_the_database_schema_and_the_queue(make_app):
    app = make_app(plugins=["roster"])
    r = app.test_client().get("/readyz")
    assert r.status_code == 200 and r.get_json()["checks"] == {"database": "ok", "queue": "ok"}
    from zhurnal.core import migrations
    with app.app_context():
        migrations.SchemaVersion.update(version=1).where(migrations.SchemaVersion.plugin == "roster").execute()
    r = app.test_client().get("/readyz")
    assert r.status_code == 503 and "zhurnal init" in r.get_json()["checks"]["database"]

    dead = make_app(plugins=["roster"], queue_url="redis://127.0.0.1:1/0")
    r = dead.test_client().get("/readyz")
    assert r.status_code == 503
    assert r.get_json()["checks"]["database"] == "ok" and r.get_json()["checks"]["queue"].startswith("unreachable")


def test_metrics_need_the_token(make_app):
    closed = make_app(plugins=["roster"])
    assert closed.test_client().get("/metrics").status_code == 404
    app = make_app(plugins=["roster"], metrics_token=TOKEN)
    c = app.test_client()
    c.get("/healthz")
    assert c.get("/metrics").status_code == 401
    assert c.get("/metrics", headers={"Authorization": "Bearer wrong-token-0123456789"}).status_code == 401
    r = c.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    text = r.get_data(as_text=True)
    assert 'zhurnal_requests_total{method="GET",route="/healthz",status="200"}' in text
    assert "zhurnal_request_duration_seconds_bucket" in text and "zhurnal_queue_length 0.0" in text
    assert "zhurnal_notifications_failed 0.0" in text and "zhurnal_notifications_waiting 0.0" in text
    from zhurnal.core.notify.models import FAILED, QUEUED, Delivery, Notification
    with app.app_context():
        n = Notification.create(key="test:1", event="mark")
        for i, status in enumerate((FAILED, FAILED, QUEUED)):
            Delivery.create(notification=n, channel="email", idempotency_key=f"test:1:email:{i}", status=status)
    text = c.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(as_text=True)
    assert "zhurnal_notifications_failed 2.0" in text and "zhurnal_notifications_waiting 1.0" in text


def test_plugins_report_their_own_figures(make_app):
    import types
    from zhurnal.core.hookspecs import hookimpl
    m = types.ModuleType("outboxy")
    m.name, m.title, m.version, m.depends, m.schema_version = "outboxy", "Outboxy", "1", (), 0
    m.zhurnal_metrics = hookimpl(lambda: [("failed_deliveries", "Notifications that failed for good", 3)])
    app = make_app(plugins=["outboxy"], extra_plugins=[m], metrics_token=TOKEN)
    text = app.test_client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(as_text=True)
    assert "zhurnal_outboxy_failed_deliveries 3.0" in text
