"""The client's address, as far as it can be trusted.

``X-Forwarded-For`` is believed only when the connection comes from a configured reverse proxy
(``security.trusted_proxies``: addresses or CIDR networks). Then the header is read from the
right, skipping the trusted proxies, and the first other address is the client: whatever a client
writes into the header itself stays to the left and is ignored. Without trusted proxies the
address is the connection's own. Used by the audit, the login throttle and the session list.
"""
from __future__ import annotations

import functools
import ipaddress

from flask import current_app, request


@functools.lru_cache(maxsize=16)
def _networks(spec: str) -> tuple:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in spec.split(",") if p.strip())


def _trusted(addr: str, networks: tuple) -> bool:
    try:
        ip = ipaddress.ip_address(addr.strip())
    except ValueError:
        return False
    return any(ip in n for n in networks)


def client_ip() -> str:
    remote = request.remote_addr or ""
    networks = _networks(current_app.extensions["zhurnal"].settings.security.get("trusted_proxies") or "")
    if not networks or not _trusted(remote, networks):
        return remote
    hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote  # garbage from a client: keep what we know
    return hops[0] if hops else remote
