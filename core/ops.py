"""What an operator watches: structured request logs, a request id, readiness and metrics.

* Every request is logged as one JSON line (logger ``zhurnal.request``): time, request id, method,
  route, status, duration, user and school. The request id comes from a trusted ``X-Request-Id``
  set by the proxy (letters, digits, dashes; at most 64) or is made here, and is sent back in the
  response's ``X-Request-Id``. Background jobs log one line each too (:func:`log_job`).
* ``GET /readyz``: 200 when the database answers and its schema is up to date and the job queue
  answers; 503 with what is wrong otherwise (``/healthz`` only says the process is alive).
* ``GET /metrics``: Prometheus text format, only with ``Authorization: Bearer <metrics_token>``
  (404 while no token is set). Request counts and latencies, jobs by outcome, the queue's length,
  and whatever plugins report through ``zhurnal_metrics``. Under gunicorn with several workers set
  ``PROMETHEUS_MULTIPROC_DIR`` (see ``deploy/gunicorn.conf.py``) so that all workers are counted.
"""
from __future__ import annotations

import hmac
import json
import logging
import os
import re
import time
import uuid

from flask import Blueprint, Response, current_app, g, request
from peewee import fn as pw_fn

req_log = logging.getLogger("zhurnal.request")
job_log = logging.getLogger("zhurnal.job")
bp = Blueprint("ops", __name__)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")


# --- logs ---------------------------------------------------------------------------------------------

class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``time``, ``level``, ``logger``, ``message`` and the record's ``fields``."""

    def format(self, record: logging.LogRecord) -> str:
        out = {"time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
               + f".{int(record.msecs):03d}Z", "level": record.levelname.lower(), "logger": record.name,
               "message": record.getMessage()}
        out.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def configure_logging(fmt: str = "json", level: str = "INFO") -> None:
    """Send the ``zhurnal`` loggers to stderr, as JSON lines (servers) or plain text."""
    root = logging.getLogger("zhurnal")
    if any(getattr(h, "_zhurnal", False) for h in root.handlers):
        return
    h = logging.StreamHandler()
    h._zhurnal = True
    h.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(h)
    root.setLevel(level)
    root.propagate = False


def log_job(name: str, seconds: float, outcome: str) -> None:
    """One line per background job run (called by :mod:`zhurnal.core.queue`)."""
    job_log.info("job %s %s", name, outcome,
                 extra={"fields": {"job": name, "outcome": outcome, "duration_ms": round(seconds * 1000, 1)}})
    m = _metrics()
    if m:
        m["jobs"].labels(name, outcome).inc()


# --- metrics ------------------------------------------------------------------------------------------

_METRICS: dict | None = None


def _metrics() -> dict | None:
    """The process's metric objects (made once; ``None`` if prometheus_client is missing)."""
    global _METRICS
    if _METRICS is None:
        try:
            from prometheus_client import Counter, Histogram
        except ImportError:  # pragma: no cover - a declared dependency
            return None
        _METRICS = {
            "requests": Counter("zhurnal_requests", "HTTP requests answered", ["method", "route", "status"]),
            "latency": Histogram("zhurnal_request_duration_seconds", "Time to answer a request", ["route"],
                                 buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10)),
            "jobs": Counter("zhurnal_jobs", "Background jobs run", ["job", "outcome"]),
        }
    return _METRICS


class _ScrapeTimeCollector:
    """Gauges read when scraped: the queue's length and the plugins' own figures."""

    def __init__(self, app) -> None:
        self.app = app

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily
        from . import queue
        g_q = GaugeMetricFamily("zhurnal_queue_length", "Jobs waiting in the queue")
        try:
            g_q.add_metric([], queue.get_queue(self.app).pending_count())
        except Exception:  # noqa: BLE001 - an unreachable queue is a readiness matter, not a scrape error
            g_q.add_metric([], float("nan"))
        yield g_q
        try:  # the notification outbox: what waits, and what failed for good
            from .notify.models import FAILED, QUEUED, Delivery
            by_status = dict(Delivery.select(Delivery.status, pw_fn.COUNT(Delivery.id))
                             .where(Delivery.status.in_([QUEUED, FAILED])).group_by(Delivery.status).tuples())
            waiting = GaugeMetricFamily("zhurnal_notifications_waiting", "Notification deliveries waiting to be sent")
            waiting.add_metric([], by_status.get(QUEUED, 0))
            failed = GaugeMetricFamily("zhurnal_notifications_failed", "Notification deliveries that failed for good")
            failed.add_metric([], by_status.get(FAILED, 0))
            yield waiting
            yield failed
        except Exception:  # noqa: BLE001 - a missing or unreachable table is a readiness matter
            pass
        host = self.app.extensions["zhurnal"].plugins
        for plugin, results in host.per_plugin("zhurnal_metrics").items():
            for name, help_text, value in results or []:
                fam = GaugeMetricFamily(f"zhurnal_{plugin}_{name}", help_text)
                fam.add_metric([], value)
                yield fam


@bp.get("/metrics")
def metrics():
    token = current_app.extensions["zhurnal"].settings.metrics_token
    given = request.headers.get("Authorization", "")
    if not token:
        return Response("not found\n", 404, mimetype="text/plain")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return Response("a metrics token is required\n", 401, mimetype="text/plain",
                        headers={"WWW-Authenticate": "Bearer"})
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)  # every worker's counters, from their files
    else:
        counted = REGISTRY  # this process's counters
    now = CollectorRegistry()
    now.register(_ScrapeTimeCollector(current_app._get_current_object()))
    body = generate_latest(counted) + generate_latest(now)
    return Response(body, 200, mimetype=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


# --- readiness ---------------------------------------------------------------------------------------

@bp.get("/readyz")
def readyz():
    checks: dict[str, str] = {}
    try:
        from . import db
        db.database.execute_sql("SELECT 1")
        behind = schema_behind(current_app)
        checks["database"] = "ok" if not behind else "schema behind: run zhurnal init (" + ", ".join(behind) + ")"
    except Exception as e:  # noqa: BLE001 - whatever the failure, the answer is "not ready"
        checks["database"] = f"unreachable: {e.__class__.__name__}"
    try:
        from . import queue
        q = queue.get_queue(current_app)
        q.pending_count()
        checks["queue"] = "ok"
    except Exception as e:  # noqa: BLE001
        checks["queue"] = f"unreachable: {e.__class__.__name__}"
    ready = all(v == "ok" for v in checks.values())
    body = {"status": "ready" if ready else "not ready", "checks": checks}
    return body, 200 if ready else 503, {"Cache-Control": "no-store"}


def schema_behind(app) -> list[str]:
    """Owners (``core`` and plugins) whose tables are older than this code expects."""
    from .migrations import SchemaVersion, wanted_versions
    have = {r.plugin: r.version for r in SchemaVersion.select()}
    return sorted(p for p, v in wanted_versions(app).items() if have.get(p, 0) < v)


# --- per request ------------------------------------------------------------------------------------------

def install(app) -> None:
    """Request ids, one log line and metrics per request; the ``ops`` blueprint."""
    app.register_blueprint(bp)
    app.extensions["zhurnal"].blueprint_owner[bp.name] = "core"
    app.extensions["csrf"].exempt(bp)

    @app.before_request
    def _start():
        g.request_started = time.perf_counter()
        rid = request.headers.get("X-Request-Id", "")
        g.request_id = rid if _REQUEST_ID.match(rid) else uuid.uuid4().hex

    @app.after_request
    def _finish(response):
        started = getattr(g, "request_started", None)
        if started is None:
            return response
        seconds = time.perf_counter() - started
        rid = getattr(g, "request_id", "")
        response.headers["X-Request-Id"] = rid
        route = request.url_rule.rule if request.url_rule else "<unmatched>"
        user = getattr(g, "user", None)
        req_log.info("%s %s %s", request.method, route, response.status_code, extra={"fields": {
            "request_id": rid, "method": request.method, "route": route, "path": request.path,
            "status": response.status_code, "duration_ms": round(seconds * 1000, 1),
            "user_id": getattr(user, "id", None), "school_id": getattr(user, "school_id", None)}})
        m = _metrics()
        if m and route != "/metrics":
            m["requests"].labels(request.method, route, str(response.status_code)).inc()
            m["latency"].labels(route).observe(seconds)
        return response
