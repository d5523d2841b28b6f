"""gunicorn settings for Zhurnal (used by the systemd unit and the container image alike).

Everything an operator changes comes from the environment (the unit's EnvironmentFile, or the
container's environment): ZHURNAL_BIND, ZHURNAL_WORKERS, ZHURNAL_THREADS, PROMETHEUS_MULTIPROC_DIR.
"""
import os
import shutil

bind = os.environ.get("ZHURNAL_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("ZHURNAL_WORKERS", "4"))
threads = int(os.environ.get("ZHURNAL_THREADS", "4"))
worker_class = "gthread"
timeout = 60
graceful_timeout = 20
# the app is built in each worker (no preload): a worker that dies takes nothing shared with it
preload_app = False
# only the reverse proxy on this host may say who the client is and which scheme it used
forwarded_allow_ips = os.environ.get("ZHURNAL_FORWARDED_ALLOW_IPS", "127.0.0.1")
# requests are logged by Zhurnal itself (one JSON line each, with the request id)
accesslog = None
errorlog = "-"


def on_starting(server):
    """Metrics of all workers are kept in files here; stale ones from the last run are dropped."""
    d = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if d:
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        multiprocess.mark_process_dead(worker.pid)
