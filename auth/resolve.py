"""Who is calling: the principal of one request, from its session cookie and its address.

A session cookie names a server-side session of a user or a wall screen (one indexed query
per request, so an ended session is refused at once on every worker). With no users in the
database, a request from the machine itself (loopback socket peer, loopback Host, nothing
forwarded, not a declared proxy) runs as the local demo admin; anything else gets no
principal and must log in.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from starlette.types import Scope

from auth.cookies import SESSION_COOKIE, Signer
from auth.principal import LOCAL_ADMIN, Principal
from auth.proxies import is_forwarded, real_peer
from data import sessions
from data.db import session_scope
from data.users import has_users

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def is_loopback_ip(ip: str | None) -> bool:
    if not ip:
        return False
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


def is_local_peer(scope: Scope) -> bool:
    """The socket peer is this machine and nothing speaks for another client: no declared
    proxy, no forwarded header (``X-Forwarded-*``, ``Forwarded``, ``X-Real-IP``...)."""
    return is_loopback_ip(real_peer(scope)) and not is_forwarded(scope)


def is_local_request(scope: Scope, headers: Mapping[str, str]) -> bool:
    """From this machine, to this machine, not relayed by a proxy.

    The Host check stops DNS rebinding (a web page making the browser call 127.0.0.1
    under its own name); the forwarding check stops a local reverse proxy from turning
    every visitor into a local one, whatever uvicorn did with the headers.
    """
    if not is_local_peer(scope):
        return False
    host = (headers.get("host") or "").lower()
    hostname = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return hostname in LOOPBACK_HOSTS


def resolve_principal(
    signer: Signer, cookies: Mapping[str, str], scope: Scope, headers: Mapping[str, str]
) -> Principal | None:
    """The caller, or None when it must log in. Runs one short transaction (call off-loop)."""
    secret = signer.read_session(cookies.get(SESSION_COOKIE))
    with session_scope() as session:
        if secret is not None:
            found = sessions.owner(session, secret)
            if found is not None:
                return Principal(found.name, found.role, found.territory_code, kind=found.kind)
        if is_local_request(scope, headers) and not has_users(session):
            return LOCAL_ADMIN
    return None
