"""What the Sala accepts as text from outside, and the error for anything else.

No form field, query parameter, path or callback value legitimately holds a NUL byte, a
control character, a lone UTF-16 surrogate or megabytes of text; PostgreSQL refuses NUL
and surrogates cannot even be encoded. One check at the edge (``auth.inputs``) refuses
them all with a clear 400, so no handler deeper in the app meets them.
"""

from __future__ import annotations

import re
from typing import Any

# C0 controls except tab, newline and carriage return; DEL and C1 controls; surrogates.
ODD_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
MAX_FIELD_CHARS = 4_096  # a form field or query parameter (passwords are capped at 1.024)
MAX_JSON_STRING_CHARS = 100_000  # one string inside a callback request
MAX_JSON_DEPTH = 64


class BadInput(ValueError):
    """A request value the Sala refuses; the Spanish message says what was wrong."""


def check_text(value: str, what: str, limit: int = MAX_FIELD_CHARS) -> None:
    """Refuse odd characters and overlong values in one piece of text; ``what`` names it
    in the message (``el parámetro «territorio»``)."""
    subject = what[:1].upper() + what[1:]
    if len(value) > limit:
        raise BadInput(f"{subject} es demasiado largo (máximo {limit} caracteres).")
    if ODD_CHARACTERS.search(value):
        raise BadInput(f"{subject} contiene caracteres no permitidos.")


def check_json(value: Any, what: str = "la petición") -> None:
    """Walk a decoded JSON document (without recursion) and check every key and string."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise BadInput(f"{what[:1].upper() + what[1:]} está anidada demasiado hondo.")
        if isinstance(item, str):
            check_text(item, what, MAX_JSON_STRING_CHARS)
        elif isinstance(item, dict):
            for key, child in item.items():
                check_text(key, what, MAX_JSON_STRING_CHARS)
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)


def as_int(value: Any, what: str, low: int, high: int, default: int | None = None) -> int:
    """An integer in ``[low, high]`` from a client value (None → ``default``)."""
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadInput(f"{what} debe ser un número entero.")
    if value != value or value in (float("inf"), float("-inf")) or int(value) != value:
        raise BadInput(f"{what} debe ser un número entero.")
    number = int(value)
    if not low <= number <= high:
        raise BadInput(f"{what} debe estar entre {low} y {high}.")
    return number
