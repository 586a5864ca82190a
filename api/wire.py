"""Bytes on the wire: compressed text responses and long-lived caching of static files.

Two layers, installed by :func:`install` inside the request log (which then times them):

- :class:`starlette_compress.CompressMiddleware` compresses every text response (HTML, JSON,
  JS, CSS, SVG) with zstd, brotli or gzip, whichever the client accepts (in that order).
  It leaves alone what it has no reason to touch: CSV exports (``text/csv`` is not in its
  list, so :mod:`api.export` streams exactly as before), images, ranges, websockets.
- :class:`StaticWire`, inside it, gives Dash's callback answers their JSON type (so they
  are compressed too) and answers for static files (Dash's component suites,
  ``/assets/``): ``Cache-Control: public, max-age=31536000, immutable`` when the URL is
  fingerprinted (Dash's ``.v4_4_1m1234.js`` names, ``/assets/x.css?m=1234``), ``no-cache``
  (revalidate with the ETag) otherwise; and it compresses them once per content and
  encoding, off the event loop, then serves the cached bytes (the 1.4 MB Plotly bundle
  costs ~50-200 ms to compress, which must not stall every push of the worker).
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
from collections import OrderedDict
from urllib.parse import parse_qsl

import brotli
import zstandard
from dash.fingerprint import check_fingerprint
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from auth.middleware import is_static

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
COMPONENT_SUITES = "/_dash-component-suites/"
ASSETS = "/assets/"
DASH_CALLBACK = "/_dash-update-component"
FINGERPRINT_QUERY = ("m", "v")  # Dash's ?m=<mtime> on assets; ?v=<version> of our own
MINIMUM_SIZE = 500
CACHE_ENTRIES = 256
TEXT_TYPES = (
    "text/",
    "application/javascript",
    "application/json",
    "application/xml",
    "image/svg+xml",
    "application/x-javascript",
)
# Static files are compressed once, so they can afford more effort than live responses.
ENCODERS = {
    "zstd": lambda body: zstandard.ZstdCompressor(level=12).compress(body),
    "br": lambda body: brotli.compress(body, quality=6),
    "gzip": lambda body: gzip.compress(body, compresslevel=9, mtime=0),
}


def is_fingerprinted(path: str, query: str) -> bool:
    """A URL whose bytes never change: a new version of the file gets a new URL."""
    if path.startswith(COMPONENT_SUITES):
        return check_fingerprint(path)[1]
    if path.startswith(ASSETS):
        return any(key in FINGERPRINT_QUERY and value for key, value in parse_qsl(query))
    return False


def negotiate(accept_encoding: str) -> str | None:
    """The best encoding the client accepts (``q=0`` refuses), by our preference."""
    accepted: set[str] = set()
    for item in accept_encoding.lower().split(","):
        coding, _, params = item.partition(";")
        coding = coding.strip()
        quality = params.strip()
        if quality.startswith("q="):
            try:
                if float(quality[2:]) <= 0:
                    continue
            except ValueError:
                continue
        accepted.add(coding)
    if "*" in accepted:
        accepted |= set(ENCODERS)
    return next((name for name in ENCODERS if name in accepted), None)


def compressible(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower().startswith(TEXT_TYPES)


class StaticWire:
    """Cache headers for every static file; cached compressed bodies for the text ones."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.cache: OrderedDict[tuple[str, bytes], bytes] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith(DASH_CALLBACK):
            await self.app(scope, receive, _typed_json(send))
            return
        if not is_static(scope["path"]):
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        cache_control = IMMUTABLE if is_fingerprinted(scope["path"], query) else REVALIDATE
        encoding = None
        if scope["method"] == "GET":
            encoding = negotiate(Headers(scope=scope).get("accept-encoding", ""))
        if encoding is None:
            await self.app(scope, receive, _with_cache_control(send, cache_control))
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        assert start is not None, "the static route sent no response"
        body = b"".join(chunks)
        headers = MutableHeaders(scope=start)
        if start["status"] in (200, 304):
            headers["cache-control"] = cache_control
        if (
            start["status"] == 200
            and len(body) >= MINIMUM_SIZE
            and compressible(headers.get("content-type", ""))
            and "content-encoding" not in headers
        ):
            body = await self._compressed(body, encoding)
            headers["content-encoding"] = encoding
            headers["content-length"] = str(len(body))
            headers.add_vary_header("Accept-Encoding")
        await send(start)
        await send({"type": "http.response.body", "body": body})

    async def _compressed(self, body: bytes, encoding: str) -> bytes:
        key = (encoding, hashlib.blake2b(body, digest_size=16).digest())
        cached = self.cache.get(key)
        if cached is None:
            cached = await asyncio.to_thread(ENCODERS[encoding], body)
            self.cache[key] = cached
            while len(self.cache) > CACHE_ENTRIES:
                self.cache.popitem(last=False)
        else:
            self.cache.move_to_end(key)
        return cached


def _typed_json(send: Send) -> Send:
    """Dash 4.4.1's FastAPI backend answers callbacks with a JSON string and no Content-Type,
    which no compressor will touch (it cannot know it is text): say what it is."""

    async def send_typed(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            if "content-type" not in headers:
                headers["content-type"] = "application/json"
        await send(message)

    return send_typed


def _with_cache_control(send: Send, value: str) -> Send:
    async def send_with_cache_control(message: Message) -> None:
        if message["type"] == "http.response.start" and message["status"] in (200, 304):
            MutableHeaders(scope=message)["cache-control"] = value
        await send(message)

    return send_with_cache_control


def install(server) -> None:
    """Add both layers (call after access control, before the request log)."""
    from starlette_compress import CompressMiddleware

    server.add_middleware(StaticWire)
    server.add_middleware(CompressMiddleware, minimum_size=MINIMUM_SIZE)
