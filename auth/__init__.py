"""Who is calling: principals (users, display screens, API tokens) and their territorial scope.

:func:`install` wires access control into the app: the request middleware that sets the
principal, the login/logout/wall-screen routes, the admin page, and 403 answers for
out-of-scope or unauthorised requests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.config import INSECURE_SECRET, Settings

if TYPE_CHECKING:
    from dash import Dash

INSECURE_KEY_MESSAGE = (
    "SALA_SECRET_KEY no está definida (o tiene el valor por defecto) y HOST={host} no es "
    "una dirección local. Con esa clave cualquiera podría falsificar sesiones. Defina "
    "SALA_SECRET_KEY con un valor secreto largo, por ejemplo:\n"
    '  export SALA_SECRET_KEY="$(python -c "import secrets; print(secrets.token_urlsafe(48))")"'
)


def check_secret_key(settings: Settings) -> None:
    """Refuse to serve beyond this machine with the well-known default key."""
    from auth.resolve import LOOPBACK_HOSTS

    if settings.secret_key == INSECURE_SECRET and settings.host not in LOOPBACK_HOSTS:
        raise SystemExit(INSECURE_KEY_MESSAGE.format(host=settings.host))


def install(app: Dash, settings: Settings) -> None:
    """Add access control to ``app`` (call after every callback is registered).

    Request layers, outermost first: :class:`auth.proxies.ProxyMiddleware` (the real peer,
    declared proxies; added by :func:`install_proxies`, outside the request log),
    :class:`auth.middleware.AuthMiddleware` (headers, principal, outage and error pages),
    :class:`auth.inputs.InputGate` (odd characters, malformed requests), then Dash and the
    routes, whose exceptions map to answers in :mod:`auth.errors`.
    """
    from auth import admin, admin_alerts, pages
    from auth.cookies import Signer
    from auth.errors import install_handlers
    from auth.headers import content_security_policy
    from auth.inputs import InputGate
    from auth.middleware import AuthMiddleware, is_static

    check_secret_key(settings)
    server = app.server
    server.state.allowed_origins = settings.allowed_origins
    signer = Signer(settings.secret_key)
    server.include_router(pages.build_router(signer))
    server.include_router(admin.build_router())
    install_handlers(server)
    server.include_router(admin_alerts.build_router())

    csp_cache: list[str] = []

    def csp() -> str:
        if not csp_cache:  # after all callbacks exist: Dash hashes its inline scripts
            csp_cache.append(content_security_policy(app.csp_hashes(), settings.tile_url))
        return csp_cache[0]

    server.add_middleware(InputGate, callbacks=lambda: app.callback_map, skip=is_static)
    server.add_middleware(
        AuthMiddleware,
        signer=signer,
        csp=csp,
        insecure_key=settings.secret_key == INSECURE_SECRET,
    )


def install_proxies(app: Dash, settings: Settings) -> None:
    """The outermost layer: the real peer, and forwarded headers believed only from the
    declared proxies, so every layer inside (request log, /metrics, access control) sees
    the same client address."""
    from auth.proxies import ProxyMiddleware

    app.server.add_middleware(ProxyMiddleware, proxies=settings.trusted_proxies)
