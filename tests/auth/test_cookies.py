"""Signed cookies: valid, expired, tampered, forged with another key."""

from __future__ import annotations

import time

from auth.cookies import Signer, csrf_matches


def test_session_cookie_round_trip():
    signer = Signer("clave-a")
    claim = signer.read_session(signer.session(7, "tag1"))
    assert (claim.user_id, claim.tag) == (7, "tag1")


def test_expired_session_cookie_is_refused():
    signer = Signer("clave-a")
    value = signer.session(7, "tag1")
    time.sleep(1.1)  # itsdangerous timestamps have one-second resolution
    assert signer.read_session(value, max_age=0) is None


def test_tampered_and_forged_cookies_are_refused():
    signer = Signer("clave-a")
    value = signer.session(7, "tag1")
    payload, rest = value.split(".", 1)
    assert signer.read_session("x" + value[1:]) is None
    assert signer.read_session(payload[:-1] + "A" + "." + rest) is None
    assert signer.read_session(Signer("otra-clave").session(7, "tag1")) is None
    assert signer.read_session("") is None and signer.read_session(None) is None


def test_display_cookie_cannot_serve_as_session_and_vice_versa():
    signer = Signer("clave-a")
    assert signer.read_session(signer.display(3)) is None
    assert signer.read_display(signer.session(3, "t")) is None
    assert signer.read_display(signer.display(3)) == 3


def test_csrf_double_submit():
    assert csrf_matches("abc", "abc")
    assert not csrf_matches("abc", "abd")
    assert not csrf_matches(None, "abc") and not csrf_matches("abc", "")
