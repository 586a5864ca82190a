"""Security headers sent with every response, and the Content-Security-Policy of the app."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

BASE_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}
# The REST API serves JSON only: nothing to load, nothing to frame.
API_CSP = "default-src 'none'; frame-ancestors 'none'"


def tile_source(tile_url: str) -> str | None:
    """The CSP source of the map tile server (``{s}`` subdomains become ``*``)."""
    parts = urlsplit(tile_url)
    if not parts.scheme or not parts.netloc:
        return None  # relative URL: same origin, already 'self'
    return f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"


def content_security_policy(script_hashes: Iterable[str], tile_url: str) -> str:
    """Scripts only from the app itself plus Dash's hashed inline scripts (``'sha256-…'``).

    Styles allow 'unsafe-inline' because Dash, Plotly and Mantine set element styles at
    run time; scripts, frames, objects and form targets stay locked down.
    """
    tiles = tile_source(tile_url)
    images = ["'self'", "data:", "blob:", *([tiles] if tiles else [])]
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": images,
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())
