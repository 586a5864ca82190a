"""Signed session cookies: valid, expired, tampered, forged with another key."""

from __future__ import annotations

import time

from itsdangerous import URLSafeTimedSerializer

from auth.cookies import Signer, csrf_matches


def test_session_cookie_round_trip():
    signer = Signer("clave-a")
    assert signer.read_session(signer.session("secreto-1")) == "secreto-1"


def test_expired_session_cookie_is_refused():
    signer = Signer("clave-a")
    value = signer.session("secreto-1")
    time.sleep(1.1)  # itsdangerous timestamps have one-second resolution
    assert signer.read_session(value, max_age=0) is None


def test_tampered_and_forged_cookies_are_refused():
    signer = Signer("clave-a")
    value = signer.session("secreto-1")
    payload, rest = value.split(".", 1)
    assert signer.read_session("x" + value[1:]) is None
    assert signer.read_session(payload[:-1] + "A" + "." + rest) is None
    assert signer.read_session(Signer("otra-clave").session("secreto-1")) is None
    assert signer.read_session("") is None and signer.read_session(None) is None


def test_cookies_of_the_old_stateless_format_are_refused():
    """Before server-side sessions the cookie named a user id: it opens nothing now."""
    old = URLSafeTimedSerializer("clave-a", salt="sala-session").dumps({"uid": 1, "tag": "t"})
    assert Signer("clave-a").read_session(old) is None


def test_csrf_double_submit():
    assert csrf_matches("abc", "abc")
    assert not csrf_matches("abc", "abd")
    assert not csrf_matches(None, "abc") and not csrf_matches("abc", "")
