"""Who is really on the other end of the socket, and which proxies may say otherwise.

Forwarded headers (``X-Forwarded-For``, ``X-Forwarded-Proto``, ``Forwarded``,
``X-Real-IP``...) are claims anyone can write. The Sala believes ``X-Forwarded-For`` and
``X-Forwarded-Proto`` only when the socket peer is a proxy declared in
``SALA_TRUSTED_PROXIES``; from anyone else they are ignored, and their mere presence stops a
request from counting as local (demo mode, default key).

uvicorn applies its own proxy-header rewrite before the app sees a request, by default
trusting ``127.0.0.1`` (``--forwarded-allow-ips``): a forged ``X-Forwarded-For`` sent from
this machine would replace the client address and the real peer would be lost.
:func:`take_over_uvicorn_proxy_headers` turns that rewrite off, so the declared list here is
the only authority whatever uvicorn's flags say.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from core.config import IPNetwork

# Headers by which a proxy (or someone pretending to be one) speaks for another client.
FORWARDING_HEADERS = (
    b"forwarded",
    b"x-real-ip",
    b"x-client-ip",
    b"true-client-ip",
    b"cf-connecting-ip",
    b"x-cluster-client-ip",
)
PEER_KEY = "sala.peer"  # the socket peer, before any forwarded header was believed
FORWARDED_KEY = "sala.forwarded"  # True when the request carries any forwarding header
VIA_PROXY_KEY = "sala.via_proxy"  # True when the peer is a declared proxy


def parse_ip(value: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An IP address from a header item (``1.2.3.4``, ``1.2.3.4:80``, ``[::1]:80``), or None."""
    if not value:
        return None
    value = value.strip().strip('"')
    if value.startswith("["):
        value = value[1 : value.find("]")] if "]" in value else ""
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def is_trusted(ip: str | None, proxies: Iterable[IPNetwork]) -> bool:
    address = parse_ip(ip)
    return address is not None and any(address in network for network in proxies)


def has_forwarding_headers(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    return any(
        name.startswith(b"x-forwarded-") or name in FORWARDING_HEADERS for name, _ in headers
    )


def forwarded_client(x_forwarded_for: list[str], proxies: Iterable[IPNetwork]) -> str | None:
    """The client a chain of declared proxies reports: the rightmost address that is not
    itself a declared proxy (each proxy appends the address it saw). None if unusable."""
    items = [item.strip() for value in x_forwarded_for for item in value.split(",")]
    chain = [parse_ip(item) for item in items if item]
    if not chain or any(ip is None for ip in chain):
        return None  # a garbled header from a declared proxy: keep the proxy's address
    for ip in reversed(chain):
        if not any(ip in network for network in proxies):
            return str(ip)
    return str(chain[0])


class ProxyMiddleware:
    """Outermost layer: notes the real peer, then believes forwarded headers only from a
    declared proxy (rewriting ``client`` and ``scheme`` as Starlette expects)."""

    def __init__(self, app: ASGIApp, proxies: tuple[IPNetwork, ...]) -> None:
        self.app = app
        self.proxies = proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            client = scope.get("client")
            peer = client[0] if client else None
            headers = scope.get("headers") or []
            scope[PEER_KEY] = peer
            scope[FORWARDED_KEY] = has_forwarding_headers(headers)
            scope[VIA_PROXY_KEY] = is_trusted(peer, self.proxies)
            if scope[VIA_PROXY_KEY]:
                self._believe(scope, headers)
        await self.app(scope, receive, send)

    def _believe(self, scope: Scope, headers: list[tuple[bytes, bytes]]) -> None:
        xff = [v.decode("latin-1") for n, v in headers if n == b"x-forwarded-for"]
        client = forwarded_client(xff, self.proxies) if xff else None
        if client is not None:
            scope["client"] = (client, 0)
        proto = next((v.decode("latin-1") for n, v in headers if n == b"x-forwarded-proto"), "")
        proto = proto.split(",")[0].strip().lower()
        if proto in ("http", "https"):
            secure = proto == "https"
            if scope["type"] == "websocket":
                scope["scheme"] = "wss" if secure else "ws"
            else:
                scope["scheme"] = proto


def real_peer(scope: Scope) -> str | None:
    """The socket peer (even after a declared proxy's client address was believed)."""
    if PEER_KEY in scope:
        return scope[PEER_KEY]
    client = scope.get("client")
    return client[0] if client else None


def is_forwarded(scope: Scope) -> bool:
    """True when the request came through a declared proxy or carries forwarding headers."""
    if FORWARDED_KEY in scope:
        return bool(scope[FORWARDED_KEY] or scope.get(VIA_PROXY_KEY))
    return has_forwarding_headers(scope.get("headers") or [])


class _NoProxyHeaders:
    """Stands in for uvicorn's ProxyHeadersMiddleware: passes requests through untouched."""

    def __init__(self, app: ASGIApp, trusted_hosts: object = None) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


def take_over_uvicorn_proxy_headers() -> bool:
    """Disable uvicorn's own proxy-header rewrite in this process (True if uvicorn is here).

    ``uvicorn app:server`` imports this app before it wraps it in ProxyHeadersMiddleware,
    looking the class up in ``uvicorn.config`` at that moment, so replacing it there makes
    ``--proxy-headers`` and ``--forwarded-allow-ips`` inert; ``SALA_TRUSTED_PROXIES`` rules.
    """
    try:
        import uvicorn.config
    except ImportError:  # pragma: no cover - uvicorn is a dependency
        return False
    uvicorn.config.ProxyHeadersMiddleware = _NoProxyHeaders  # type: ignore[attr-defined,misc]
    return True
