"""A real HTTP server for the tests of HTTP gateways (SMS, messengers, the example pager).

``LocalHTTPServer`` listens on 127.0.0.1 on a free port in a thread of the test
process, records every request and answers what the test tells it to::

    with LocalHTTPServer() as srv:
        srv.answer = lambda req: (200, {"id": "42"})        # status, JSON body (or bytes / str)
        ...  # the code under test posts to srv.url + "/send"
        assert srv.requests[0].json()["to"] == "+79123456789"

An answer ``("raw", b"...")`` is written as it is, without a status line (a gateway
breaking the protocol). ``srv.stop()`` closes the socket (the gateway is down: connection refused);
``srv.start()`` brings it back on the same port.
"""
from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""
    received_at: float = field(default_factory=time.time)

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    def form(self) -> dict[str, str]:
        """The form-encoded body (or the query string of a GET), one value per key."""
        raw = self.body.decode("utf-8") if self.body else ""
        values = parse_qs(raw, keep_blank_values=True) if raw else self.query
        return {k: v[-1] for k, v in values.items()}

    def header(self, name: str) -> str | None:
        return {k.lower(): v for k, v in self.headers.items()}.get(name.lower())


Answer = Callable[[Request], tuple]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalHTTPServer:
    def __init__(self, answer: Answer | None = None) -> None:
        self.port = _free_port()
        self.requests: list[Request] = []
        #: ``answer(request) -> (status, body[, headers])``; body: dict/list (JSON), str or bytes
        self.answer: Answer = answer or (lambda req: (200, {"ok": True}))
        #: seconds to wait before answering (a slow gateway)
        self.delay = 0.0
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "LocalHTTPServer":
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                req = Request(self.command, parts.path, parse_qs(parts.query, keep_blank_values=True),
                              dict(self.headers.items()), body)
                with server._lock:
                    server.requests.append(req)
                if server.delay:
                    time.sleep(server.delay)
                out = server.answer(req)
                if out[0] == "raw":  # bytes as they are, no status line: a broken gateway
                    self.wfile.write(out[1])
                    self.close_connection = True
                    return
                status, payload = out[0], out[1]
                headers = dict(out[2]) if len(out) > 2 else {}
                if isinstance(payload, (dict, list)):
                    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                    headers.setdefault("Content-Type", "application/json; charset=utf-8")
                elif isinstance(payload, str):
                    data = payload.encode("utf-8")
                    headers.setdefault("Content-Type", "text/plain; charset=utf-8")
                else:
                    data = payload or b""
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting (timeouts)
                    self.close_connection = True

            do_GET = do_POST = do_PUT = _handle

        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(5)
            self._httpd = None

    def to(self, path: str) -> list[Request]:
        """The requests received at ``path``."""
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def __enter__(self) -> "LocalHTTPServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
