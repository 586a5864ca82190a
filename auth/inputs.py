"""The input gate: odd characters, malformed bodies and crafted callback requests stop here.

Every path, query parameter and form field of the Sala's pages, and every string of a
Dash callback request, passes :func:`core.inputs.check_text` before any route sees it. A
callback request must also have the shape the Dash renderer sends for a registered server
callback. Refusals are a 400 (413, 415) with a Spanish page for pages and JSON for data
routes. The REST API validates its own JSON bodies (pydantic); its query strings and paths
are checked here too.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes

from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from auth.errors import CALLBACK_PATH, answers_json, json_error
from auth.html import error_page
from core.inputs import BadInput, check_json, check_text

MAX_QUERY_BYTES = 8_192
MAX_FORM_BYTES = 65_536
MAX_CALLBACK_BYTES = 5 * 1024 * 1024
FORM_TYPE = "application/x-www-form-urlencoded"


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def refusal(path: str, status: int, message: str) -> Response:
    """The REST API's error shape (``detail``) under ``/api``, the app's JSON on its data
    routes, the Spanish page elsewhere."""
    if path == "/api" or path.startswith("/api/"):
        return JSONResponse({"detail": message}, status_code=status)
    if answers_json(path):
        return json_error(status, "entrada_no_valida", message)
    return error_page("Petición no válida", message, status)


def check_path(scope: Scope) -> None:
    """The path as sent (percent-escapes decoded strictly as UTF-8) and as routed."""
    raw = scope.get("raw_path")
    if raw:
        try:
            unquote_to_bytes(raw.split(b"?", 1)[0]).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Refused(400, "La ruta contiene caracteres mal codificados.") from exc
    check_text(scope["path"], "la ruta")


def check_query(raw: bytes) -> None:
    if len(raw) > MAX_QUERY_BYTES:
        raise Refused(414, "La dirección es demasiado larga.")
    try:
        pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError as exc:
        raise Refused(400, "La dirección contiene caracteres mal codificados.") from exc
    for key, value in pairs:
        check_text(key, "el nombre de un parámetro")
        check_text(value, f"el parámetro «{key}»")


def check_form(body: bytes) -> None:
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError as exc:
        raise Refused(400, "El formulario contiene caracteres mal codificados.") from exc
    for key, value in pairs:
        check_text(key, "el nombre de un campo")
        check_text(value, f"el campo «{key}»")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise BadInput("La petición contiene un número fuera de rango.")
    return number


def _no_constant(name: str) -> Any:
    raise BadInput(f"La petición contiene {name}, que no es JSON válido.")


def _is_prop(item: Any) -> bool:
    return (
        isinstance(item, dict)
        and isinstance(item.get("id"), str | dict)
        and isinstance(item.get("property"), str)
    )


def _props_ok(items: Any, expected: int) -> bool:
    """A list of ``expected`` entries, each one property or a list of them (``ALL``)."""
    return (
        isinstance(items, list)
        and len(items) == expected
        and all(_is_prop(i) or (isinstance(i, list) and all(_is_prop(j) for j in i)) for i in items)
    )


def check_callback(body: bytes, callbacks: Mapping[str, Any]) -> None:
    """A JSON request for a registered server callback, shaped as the renderer sends it."""
    try:
        request = json.loads(body, parse_float=_finite, parse_constant=_no_constant)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Refused(400, "La petición no es JSON válido.") from exc
    except RecursionError as exc:
        raise Refused(400, "La petición está anidada demasiado hondo.") from exc
    check_json(request)
    if not isinstance(request, dict) or not isinstance(request.get("output"), str):
        raise Refused(400, "La petición no nombra la salida de un callback.")
    spec = callbacks.get(request["output"])
    if not spec or "callback" not in spec:
        raise Refused(404, "No existe ese callback.")
    outputs = request.get("outputs")
    changed = request.get("changedPropIds", [])
    if not (
        _props_ok(request.get("inputs"), len(spec["inputs"]))
        and _props_ok(request.get("state", []), len(spec.get("state", [])))
        and (outputs is None or _is_prop(outputs) or isinstance(outputs, list))
        and isinstance(changed, list)
        and all(isinstance(c, str) for c in changed)
    ):
        raise Refused(400, "La petición no tiene la forma de este callback.")


async def read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Refused(400, "La conexión se cerró.")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise Refused(413, "La petición es demasiado grande.")
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the app the body already read, then the real channel."""
    sent = False

    async def receive_again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return receive_again


def _content_type(scope: Scope) -> str:
    for name, value in scope.get("headers") or []:
        if name == b"content-type":
            return value.decode("latin-1").split(";")[0].strip().lower()
    return ""


class InputGate:
    """ASGI middleware applying the checks above to every request but static files."""

    def __init__(
        self,
        app: ASGIApp,
        callbacks: Callable[[], Mapping[str, Any]],
        skip: Callable[[str], bool],
    ) -> None:
        self.app = app
        self.callbacks = callbacks
        self.skip = skip

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.skip(scope["path"]):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        try:
            check_path(scope)
            check_query(scope.get("query_string") or b"")
            receive = await self._check_body(scope, receive)
        except BadInput as exc:
            await refusal(path, 400, str(exc))(scope, receive, send)
            return
        except Refused as exc:
            await refusal(path, exc.status, exc.message)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _check_body(self, scope: Scope, receive: Receive) -> Receive:
        path = scope["path"]
        if scope["method"] not in ("POST", "PUT", "PATCH", "DELETE"):
            return receive
        if path == CALLBACK_PATH:
            if _content_type(scope) != "application/json":
                raise Refused(415, "Un callback se pide en JSON.")
            body = await read_body(receive, MAX_CALLBACK_BYTES)
            check_callback(body, self.callbacks())
            return replay(body, receive)
        if answers_json(path):
            return receive  # the REST API and Dash's other routes validate their own bodies
        if _content_type(scope) not in (FORM_TYPE, ""):
            raise Refused(415, "Los formularios de la Sala se envían como formulario web.")
        body = await read_body(receive, MAX_FORM_BYTES)
        check_form(body)
        return replay(body, receive)
