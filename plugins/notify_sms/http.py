"""One HTTP exchange with a gateway (standard library only; one request per message)."""
from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any


@dataclass
class HttpRequest:
    """What a provider wants sent: method, URL, headers, body (bytes)."""
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None


@dataclass
class HttpResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body as JSON, or ``None`` when it is not JSON."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None

    def text(self, limit: int = 200) -> str:
        return self.body.decode("utf-8", "replace").strip()[:limit]

    def header(self, name: str) -> str | None:
        return {k.lower(): v for k, v in self.headers.items()}.get(name.lower())


def exchange(req: HttpRequest, timeout: float) -> HttpResponse:
    """Send ``req``; any HTTP status is a response (4xx and 5xx too).

    :raises OSError: the gateway could not be reached, did not answer in ``timeout`` seconds or
        broke the protocol (``TimeoutError`` and ``urllib.error.URLError`` are ``OSError``\\ s; a
        malformed answer is raised as ``ConnectionError``)
    """
    r = urllib.request.Request(req.url, data=req.body, headers=req.headers, method=req.method)
    try:
        with urllib.request.urlopen(r, timeout=timeout) as resp:  # noqa: S310 - the operator's URL
            return HttpResponse(resp.status, dict(resp.headers.items()), resp.read())
    except urllib.error.HTTPError as e:
        with e:
            return HttpResponse(e.code, dict(e.headers.items()) if e.headers else {}, e.read() or b"")
    except http.client.HTTPException as e:  # a garbled status line, a cut-off body
        raise ConnectionError(f"{type(e).__name__}: {e}") from e
