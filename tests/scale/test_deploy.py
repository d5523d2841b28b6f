"""The non-container deployment, for real: nginx (Debian's package) with TLS in front of gunicorn and the
worker, each started exactly as ``deploy/systemd/*.service`` starts it (ExecStart, Environment,
EnvironmentFile = ``deploy/zhurnal.env.example`` with this machine's addresses), on PostgreSQL and Redis.
A teacher logs in and saves a mark through nginx.

Skips when PostgreSQL, Redis or nginx is missing; fails instead with ZHURNAL_REQUIRE_SERVICES=1.
"""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import secrets
import shutil
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import DEMO_PASSWORD, TODAY, require_service
from tests.core.conftest import clean_env, zhurnal_executable
from tests.scale.test_scale_out import PG_URL, _free_port, _pg, _redis, _stop

pytestmark = [pytest.mark.services, pytest.mark.slow]

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
REDIS_URL = "redis://127.0.0.1:6379/14"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def unit(name: str) -> dict:
    """ExecStart (as a list), Environment and EnvironmentFile of a unit file."""
    out = {"env": {}, "env_file": None, "exec": None, "workdir": None}
    for line in (DEPLOY / "systemd" / name).read_text().splitlines():
        key, _, value = line.partition("=")
        if key == "ExecStart":
            out["exec"] = value.split()
        elif key == "Environment":
            k, _, v = value.partition("=")
            out["env"][k] = v
        elif key == "EnvironmentFile":
            out["env_file"] = value
        elif key == "WorkingDirectory":
            out["workdir"] = value
    return out


def env_file(path: Path) -> dict:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#"))


class Https:
    """urllib over TLS (trusting the test's own certificate), one cookie jar."""

    def __init__(self, base: str, ca: Path) -> None:
        self.base = base
        self.ctx = ssl.create_default_context(cafile=str(ca))
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=self.ctx),
                                                  urllib.request.HTTPCookieProcessor(self.jar))

    def call(self, method, path, body=None, headers=None):
        data = None if body is None else json.dumps(body).encode()
        h = {"Content-Type": "application/json", "Origin": self.base, "Referer": self.base + "/"} if data else {}
        h.update(headers or {})
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        try:
            with self.opener.open(req, timeout=30) as resp:
                return resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()


@pytest.fixture
def site(tmp_path):
    require_service("PostgreSQL", lambda: _pg().close())
    require_service("Redis", _redis)

    def has_nginx():
        if not os.path.exists(NGINX):
            raise FileNotFoundError("nginx (apt-get install nginx)")
    require_service("nginx", has_nginx)
    name = f"zd_{secrets.token_hex(5)}"
    admin = _pg()
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    web_port, https_port, http_port = _free_port(), _free_port(), _free_port()
    base = f"https://127.0.0.1:{https_port}"
    bindir = str(Path(sys.executable).parent)
    lib = tmp_path / "lib"
    lib.mkdir()

    def host_path(s: str) -> str:
        """The units' paths on this machine: the venv for /opt/zhurnal, deploy/ for /etc/zhurnal."""
        return (s.replace("/opt/zhurnal/bin", bindir).replace("/etc/zhurnal/gunicorn.conf.py", str(DEPLOY / "gunicorn.conf.py"))
                .replace("/run/zhurnal", str(tmp_path / "run")).replace("/var/lib/zhurnal", str(lib))
                .replace("/var/backups/zhurnal", str(tmp_path / "backups")))

    web, worker = unit("zhurnal-web.service"), unit("zhurnal-worker.service")
    assert web["env_file"] == worker["env_file"] == "/etc/zhurnal/zhurnal.env"
    env = {k: host_path(v) for k, v in env_file(DEPLOY / "zhurnal.env.example").items()}
    env.update(ZHURNAL_DATABASE_URL=PG_URL.rsplit("/", 1)[0] + "/" + name, ZHURNAL_QUEUE_URL=REDIS_URL,
               ZHURNAL_SECRET_KEY=secrets.token_hex(32), ZHURNAL_BASE_URL=base, ZHURNAL_METRICS_TOKEN="t" * 24,
               ZHURNAL_BIND=f"127.0.0.1:{web_port}", ZHURNAL_WORKERS="2", ZHURNAL_TODAY=TODAY.isoformat(),
               ZHURNAL_SECURITY_ARGON2_TIME_COST="1", ZHURNAL_SECURITY_ARGON2_MEMORY_COST="1024",
               ZHURNAL_SECURITY_ARGON2_PARALLELISM="1")
    procs: list[subprocess.Popen] = []
    logs = {}
    try:
        for args in (["init"], ["demo", "--students", "5"]):
            r = subprocess.run(zhurnal_executable() + args, env=clean_env(**env), cwd=lib, capture_output=True,
                               text=True, timeout=300)
            assert r.returncode == 0, (args, r.stderr[-2000:])
        for label, u in (("web", web), ("worker", worker)):
            cmd = [host_path(a) for a in u["exec"]]
            assert Path(cmd[0]).exists(), cmd
            logs[label] = tmp_path / f"{label}.log"
            with logs[label].open("w") as fh:
                procs.append(subprocess.Popen(cmd, env=clean_env(**env, **{k: host_path(v) for k, v in u["env"].items()}),
                                              cwd=host_path(u["workdir"]), stdout=fh, stderr=subprocess.STDOUT))
        # the TLS certificate and nginx with the shipped site file, moved to this test's ports
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(tmp_path / "privkey.pem"),
                        "-out", str(tmp_path / "fullchain.pem")], check=True, capture_output=True)
        conf = (DEPLOY / "nginx" / "zhurnal.conf").read_text()
        conf = (conf.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{web_port};")
                .replace("/etc/ssl/zhurnal", str(tmp_path)))
        conf = re.sub(r"^\s*listen \[::\]:\d+.*$", "", conf, flags=re.M)
        conf = conf.replace("listen 80;", f"listen 127.0.0.1:{http_port};").replace(
            "listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;")
        (tmp_path / "site.conf").write_text(conf)
        (tmp_path / "nginx.conf").write_text(
            ("user root;\n" if os.geteuid() == 0 else "") +
            f"worker_processes 1;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/nginx-error.log;\n"
            "events { worker_connections 256; }\n"
            f"http {{ access_log {tmp_path}/nginx-access.log; include {tmp_path}/site.conf; }}\n")
        procs.append(subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        client = Https(base, tmp_path / "fullchain.pem")
        deadline = time.monotonic() + 90
        while True:
            for p, label in zip(procs, ("web", "worker", "nginx")):
                assert p.poll() is None, f"{label} died: " + (logs[label].read_text()[-3000:] if label in logs else
                                                              p.stderr.read().decode()[-2000:])
            try:
                status, _h, _b = client.call("GET", "/readyz")
                if status == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the site did not get ready through nginx"
            time.sleep(0.3)
        yield {"client": client, "base": base, "http_port": http_port, "db": env["ZHURNAL_DATABASE_URL"],
               "logs": logs, "procs": procs}
    finally:
        for p in reversed(procs):
            _stop(p)
        rd = _redis()
        for key in rd.scan_iter(f"huey.*.zhurnal_{name}*"):
            rd.delete(key)
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _lesson_and_student(db_url: str) -> tuple[int, int]:
    import psycopg2
    conn = psycopg2.connect(db_url)
    try:
        with conn.cursor() as cur:
            cur.execute("""
                SELECT l.id, s.id FROM journal_lesson l
                JOIN roster_class c ON c.id = l.class_id
                JOIN roster_subject sub ON sub.id = l.subject_id
                JOIN roster_student s ON s.class_id = c.id
                WHERE sub.name = 'Математика' AND c.parallel = 5 AND c.letter = 'А' AND l.group_id IS NULL
                  AND l.date <= %s ORDER BY l.date DESC, s.id LIMIT 1""", (TODAY,))
            return cur.fetchone()
    finally:
        conn.close()


def test_a_teacher_saves_a_mark_through_nginx_gunicorn_and_the_units(site):
    c = site["client"]
    # plain HTTP is sent to HTTPS
    req = urllib.request.Request(f"http://127.0.0.1:{site['http_port']}/login")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.build_opener(NoRedirect).open(req, timeout=10)
    assert e.value.code == 301 and e.value.headers["Location"].startswith("https://")

    status, headers, _ = c.call("POST", "/api/v1/auth/login", {"login": "teacher", "password": DEMO_PASSWORD})
    assert status == 200
    assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-Id"])  # nginx's $request_id, passed through
    lesson_id, student_id = _lesson_and_student(site["db"])
    status, _h, body = c.call("POST", "/api/v1/marks", {"student_id": student_id, "lesson_id": lesson_id,
                                                        "value": "5", "kind": "homework", "comment": "через nginx"})
    assert status == 201, body
    mark = json.loads(body)
    import psycopg2
    conn = psycopg2.connect(site["db"])
    with conn.cursor() as cur:
        cur.execute("SELECT value, comment FROM journal_mark WHERE id = %s", (mark["id"],))
        assert cur.fetchone() == ("5", "через nginx")
    conn.close()

    # the operator's view: JSON request lines in the web's log, metrics of both workers
    lines = [json.loads(x) for x in site["logs"]["web"].read_text().splitlines() if x.startswith("{")]
    assert any(x.get("route") == "/api/v1/marks" and x.get("status") == 201 for x in lines)
    status, _h, body = c.call("GET", "/metrics", headers={"Authorization": "Bearer " + "t" * 24})
    assert status == 200 and b'route="/api/v1/marks",status="201"' in body
    assert site["procs"][1].poll() is None, "the worker stopped: " + site["logs"]["worker"].read_text()[-2000:]
    deadline = time.monotonic() + 20  # the worker's first line, written unbuffered as the unit says
    while "zhurnal worker" not in site["logs"]["worker"].read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "zhurnal worker" in site["logs"]["worker"].read_text()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **kw):
        return None


def test_the_container_recipe_runs_the_same_commands_as_the_units():
    compose = (DEPLOY / "compose.yaml").read_text()
    web, worker = unit("zhurnal-web.service"), unit("zhurnal-worker.service")
    assert json.dumps(web["exec"]) in compose.replace('", "', '", "')  # web: the same gunicorn command
    assert json.dumps(worker["exec"]) in compose
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "CMD " + json.dumps(web["exec"]) in dockerfile
    assert "deploy/gunicorn.conf.py /etc/zhurnal/gunicorn.conf.py" in dockerfile
    example = env_file(DEPLOY / "zhurnal.env.example")
    for key in ("ZHURNAL_DATABASE_URL", "ZHURNAL_QUEUE_URL", "ZHURNAL_DATA_DIR", "ZHURNAL_BACKUP_DIR"):
        assert key in example and key in compose, key
