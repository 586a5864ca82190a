"""Who is calling: the principal of one request, from its cookies and its address.

Order: a user session cookie, then a wall-screen cookie. With no users in the database a
request from the machine itself (loopback address, loopback Host, not forwarded by a
proxy) runs as the local demo admin; anything else gets no principal and must log in.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from sqlalchemy.orm import Session

from auth.cookies import DISPLAY_COOKIE, SESSION_COOKIE, Signer
from auth.principal import LOCAL_ADMIN, Principal
from data.db import session_scope
from data.displays import live_display
from data.users import active_user, has_users

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def is_loopback_ip(ip: str | None) -> bool:
    if not ip:
        return False
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


def is_local_request(client_ip: str | None, headers: Mapping[str, str]) -> bool:
    """From this machine, to this machine, not relayed by a proxy.

    The Host check stops DNS rebinding (a web page making the browser call 127.0.0.1
    under its own name); the forwarded-header check stops a local reverse proxy from
    turning every visitor into a local one.
    """
    if not is_loopback_ip(client_ip):
        return False
    if headers.get("x-forwarded-for") or headers.get("forwarded"):
        return False
    host = (headers.get("host") or "").lower()
    hostname = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return hostname in LOOPBACK_HOSTS


def principal_from_cookies(
    session: Session, signer: Signer, cookies: Mapping[str, str]
) -> Principal | None:
    claim = signer.read_session(cookies.get(SESSION_COOKIE))
    if claim is not None:
        user = active_user(session, claim.user_id)
        if user is not None and user.session_tag == claim.tag:
            return Principal(user.username, user.role, user.territory_code, kind="user")
    display_id = signer.read_display(cookies.get(DISPLAY_COOKIE))
    if display_id is not None:
        display = live_display(session, display_id)
        if display is not None:
            return Principal(display.name, "pantalla", display.territory_code, kind="display")
    return None


def resolve_principal(
    signer: Signer, cookies: Mapping[str, str], client_ip: str | None, headers: Mapping[str, str]
) -> Principal | None:
    """The caller, or None when it must log in. Runs one short transaction (call off-loop)."""
    with session_scope() as session:
        principal = principal_from_cookies(session, signer, cookies)
        if principal is not None:
            return principal
        if is_local_request(client_ip, headers) and not has_users(session):
            return LOCAL_ADMIN
    return None
