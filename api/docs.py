"""Interactive API docs at ``/api/docs``, served from vendored Swagger UI files.

FastAPI's default page loads Swagger UI from a CDN, which fails offline and is blocked by the
app's Content-Security-Policy; this page loads it from ``/api/static`` and allows exactly its
one inline start-up script by hash.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).resolve().parent / "static"
router = APIRouter(include_in_schema=False)


def _csp_for(html: str) -> str:
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in re.findall(r"<script>(.*?)</script>", html, flags=re.S)
    ]
    return (
        "default-src 'none'; "
        f"script-src 'self' {' '.join(hashes)}; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )


@router.get("/api/docs")
def swagger_ui() -> HTMLResponse:
    page = get_swagger_ui_html(
        openapi_url="/api/openapi.json",
        title="Sala — API (documentación interactiva)",
        swagger_js_url="/api/static/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url="/api/static/swagger-ui/swagger-ui.css",
        swagger_favicon_url="/api/static/swagger-ui/favicon-32x32.png",
    )
    html = page.body.decode()
    return HTMLResponse(html, headers={"content-security-policy": _csp_for(html)})


def mount(server: FastAPI) -> None:
    server.mount("/api/static", StaticFiles(directory=STATIC), name="api-static")
    server.include_router(router)
