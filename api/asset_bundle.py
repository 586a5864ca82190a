"""The app's own scripts and stylesheets, linked as one file each.

Dash links every file of ``assets/`` on its own: 17 scripts and 6 stylesheets, besides its
9 bundles. On an empty cache the browser fetches them over 6 connections (HTTP/1.1), one
small request after another, and the renderer starts only when the last script has run:
on /proyectos the page became interactive 38-91 ms later than with the two files here, and
was drawn 92-157 ms later (medians of four alternating rounds; README, "Velocidad").

The files stay one job each in ``assets/``, and Dash still serves each at its own URL. The
page links their concatenation instead, in Dash's own order (by name) and at the place of
the first one, under a URL with a hash of its bytes: cached for a year (``api/wire.py``),
and a new URL whenever a file changes. The bundle is read once per process, as Dash reads
its asset list once.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from fastapi import FastAPI, Response

from core.config import ROOT

ASSETS = ROOT / "assets"
NAME = "sala-bundle"
# what separates two files: a lone semicolon ends a script that left its last one out
KINDS = {"js": ("application/javascript", b"\n;\n"), "css": ("text/css", b"\n")}
# Dash's tags for the files at the top of assets/ (vendor/ is served, never linked)
TAGS = {
    "js": re.compile(r'<script src="[^"]*/assets/[^"?/]+\.js\?m=[^"]*"></script>\n?'),
    "css": re.compile(r'<link rel="stylesheet" href="[^"]*/assets/[^"?/]+\.css\?m=[^"]*">\n?'),
}


@dataclass(frozen=True)
class Bundle:
    files: tuple[str, ...]  # names, in the order they are joined
    body: bytes
    digest: str  # first 12 hex digits of the body's sha256


@cache
def bundle(kind: str) -> Bundle:
    """Every ``assets/*.<kind>`` file joined, by name (as Dash orders them)."""
    separator = KINDS[kind][1]
    files = sorted(p for p in ASSETS.glob(f"*.{kind}") if p.is_file())
    body = separator.join(p.read_bytes() for p in files)
    return Bundle(tuple(p.name for p in files), body, hashlib.sha256(body).hexdigest()[:12])


def filename(kind: str) -> str:
    return f"{NAME}.{kind}"


def link_bundle(page_html: str, kind: str, url: str) -> str:
    """``page_html`` (Dash's script or stylesheet tags) with one tag for the bundle at
    ``url`` where the first asset's tag was, and no tag for any of the others."""
    if kind == "js":
        tag = f'<script src="{url}?v={bundle(kind).digest}"></script>\n'
    else:
        tag = f'<link rel="stylesheet" href="{url}?v={bundle(kind).digest}">\n'
    linked = False

    def swap(_match: re.Match[str]) -> str:
        nonlocal linked
        if linked:
            return ""
        linked = True
        return tag

    return TAGS[kind].sub(swap, page_html)


def _endpoint(kind: str) -> Callable[[], Response]:
    def serve() -> Response:  # no parameters: nothing in the query reaches it
        return Response(bundle(kind).body, media_type=KINDS[kind][0])

    return serve


def register(server: FastAPI) -> None:
    """``GET /assets/sala-bundle.js`` and ``.css``, ahead of Dash's own ``/assets/`` route."""
    for kind in KINDS:
        server.add_api_route(
            f"/assets/{filename(kind)}",
            _endpoint(kind),
            methods=["GET", "HEAD"],
            include_in_schema=False,
        )
