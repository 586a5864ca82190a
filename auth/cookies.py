"""Signed cookies: the session (of a user or a wall screen) and the CSRF token.

The session cookie carries the random secret of a server-side session (``data.sessions``),
signed with ``SALA_SECRET_KEY`` (itsdangerous, with a timestamp) so garbage and forgeries
are refused without a database query. What the session is worth is decided by its row:
logout, a new password, deactivation or revocation delete it, and the cookie dies with it.
"""

from __future__ import annotations

import hmac
import secrets

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from data.sessions import DISPLAY_SESSION, USER_SESSION

SESSION_COOKIE = "sala_sesion"
CSRF_COOKIE = "sala_csrf"
SESSION_MAX_AGE = int(USER_SESSION.total_seconds())
DISPLAY_MAX_AGE = int(DISPLAY_SESSION.total_seconds())


class Signer:
    """Signs and checks the session cookie with one secret key."""

    def __init__(self, secret_key: str) -> None:
        self._session = URLSafeTimedSerializer(secret_key, salt="sala-session")

    def session(self, secret: str) -> str:
        return self._session.dumps({"sid": secret})

    def read_session(self, value: str | None, max_age: int = DISPLAY_MAX_AGE) -> str | None:
        """The session secret of a validly signed cookie; None if tampered, forged or old.

        ``max_age`` is the longest session (a wall screen's); each session's own expiry is
        kept in the database."""
        if not value:
            return None
        try:
            data = self._session.loads(value, max_age=max_age)
        except (BadSignature, SignatureExpired):
            return None
        sid = data.get("sid") if isinstance(data, dict) else None
        return sid if isinstance(sid, str) and sid else None


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_matches(cookie_value: str | None, form_value: str | None) -> bool:
    """Double-submit check: the form field must equal the (HttpOnly, Strict) cookie."""
    if not cookie_value or not form_value:
        return False
    return hmac.compare_digest(cookie_value.encode(), form_value.encode())
