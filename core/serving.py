"""What every way of starting the Sala hands uvicorn (``manage.py serve``, ``manage.py run``
and ``python app.py``), so the three cannot drift apart."""

from __future__ import annotations

from typing import Any

from core.config import Settings


def uvicorn_options(settings: Settings, **overrides: Any) -> dict[str, Any]:
    """``uvicorn.run`` options: the configured host and port; forwarded headers believed only
    from ``SALA_TRUSTED_PROXIES`` (``auth.proxies``), never because uvicorn trusts
    127.0.0.1; websocket compression as ``SALA_WS_DEFLATE`` says. ``overrides`` win."""
    return {
        "host": settings.host,
        "port": settings.port,
        "proxy_headers": False,
        "ws_per_message_deflate": settings.ws_deflate,
        **overrides,
    }
