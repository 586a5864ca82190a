"""Signed cookies: the user session, the wall-screen cookie and the CSRF token.

Cookies are signed with ``SALA_SECRET_KEY`` (itsdangerous, with a timestamp), so a client
can neither forge nor extend them; the server still re-checks the user or display in the
database on each request, so deactivation, password changes and revocation act at once.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SESSION_COOKIE = "sala_sesion"
DISPLAY_COOKIE = "sala_pantalla"
CSRF_COOKIE = "sala_csrf"
SESSION_MAX_AGE = 12 * 3600  # a shift plus margin; then log in again
DISPLAY_MAX_AGE = 400 * 24 * 3600  # the longest browsers keep a cookie


@dataclass(frozen=True)
class SessionClaim:
    user_id: int
    tag: str  # changes when the password changes: old sessions die


class Signer:
    """Signs and checks the Sala's cookies with one secret key."""

    def __init__(self, secret_key: str) -> None:
        self._session = URLSafeTimedSerializer(secret_key, salt="sala-session")
        self._display = URLSafeTimedSerializer(secret_key, salt="sala-display")

    def session(self, user_id: int, tag: str) -> str:
        return self._session.dumps({"uid": user_id, "tag": tag})

    def read_session(
        self, value: str | None, max_age: int = SESSION_MAX_AGE
    ) -> SessionClaim | None:
        """The claim of a valid, unexpired session cookie; None if tampered, forged or old."""
        if not value:
            return None
        try:
            data = self._session.loads(value, max_age=max_age)
        except (BadSignature, SignatureExpired):
            return None
        if not isinstance(data, dict) or not isinstance(data.get("uid"), int):
            return None
        return SessionClaim(data["uid"], str(data.get("tag", "")))

    def display(self, display_id: int) -> str:
        return self._display.dumps({"did": display_id})

    def read_display(self, value: str | None, max_age: int = DISPLAY_MAX_AGE) -> int | None:
        if not value:
            return None
        try:
            data = self._display.loads(value, max_age=max_age)
        except (BadSignature, SignatureExpired):
            return None
        did = data.get("did") if isinstance(data, dict) else None
        return did if isinstance(did, int) else None


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_matches(cookie_value: str | None, form_value: str | None) -> bool:
    """Double-submit check: the form field must equal the (HttpOnly, Strict) cookie."""
    if not cookie_value or not form_value:
        return False
    return hmac.compare_digest(cookie_value.encode(), form_value.encode())
