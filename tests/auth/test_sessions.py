"""Sessions that really end, and a lockout that holds however the guesses arrive.

Against the real app over HTTP, on SQLite and PostgreSQL: a cookie replayed after logout
is refused (user and wall screen); 30 wrong passwords sent at once get at most 5 password
checks and leave the account locked; one address cannot lock every account; an unknown
user is answered exactly like an existing one, at the same cost.
"""

from __future__ import annotations

import re
import threading

import pytest

import data.users as users_module
from auth.cookies import SESSION_COOKIE
from data import audit
from data.db import session_scope
from data.displays import create_display
from data.users import (
    ADDRESS_MAX_FAILURES,
    MAX_FAILED_LOGINS,
    create_user,
    list_users,
    set_password,
)
from tests import factories as f
from tests.auth.conftest import callback_payload, csrf_of, login, make_client

PASSWORD = "clave-muy-segura-1"


def add_user(username: str, role: str = "analista", territory: str | None = None) -> None:
    with session_scope() as session:
        create_user(session, username, PASSWORD, role, territory)


def remote_client(sala_app, address: str = "203.0.113.7"):
    return make_client(sala_app, (address, 40000), "sala.example")


def replay(sala_app, cookie: str):
    """A fresh browser presenting an old cookie value: (page, layout, callback) statuses."""
    thief = remote_client(sala_app, "198.51.100.66")
    thief.cookies.set(SESSION_COOKIE, cookie)
    answer = thief.post(
        "/_dash-update-component",
        json=callback_payload("probe-out.children", "probe-territory", None),
    )
    return thief.get("/").status_code, thief.get("/_dash-layout").status_code, answer.status_code


@pytest.fixture
def checks(monkeypatch):
    """Counts password checks against real hashes (the dummy hash of unknown users apart)."""
    counted = {"real": 0, "dummy": 0}
    real_verify = users_module.verify_password

    def counting(password_hash: str, password: str) -> bool:
        kind = "dummy" if password_hash == users_module._dummy_hash() else "real"
        counted[kind] += 1
        return real_verify(password_hash, password)

    monkeypatch.setattr(users_module, "verify_password", counting)
    return counted


# --- Logout ends the session on the server ---------------------------------------------


def test_a_cookie_replayed_after_logout_is_refused(sala_app, engine):
    add_user("ana")
    browser = remote_client(sala_app)
    assert login(browser, "ana", PASSWORD).status_code == 303
    cookie = browser.cookies.get(SESSION_COOKIE)
    assert replay(sala_app, cookie) == (200, 200, 200)  # the cookie works while logged in
    out = browser.post("/logout", data={"csrf": csrf_of(browser.get("/logout").text)})
    assert out.status_code == 303
    assert replay(sala_app, cookie) == (303, 401, 401)
    with session_scope() as session:
        assert [e.action for e in audit.latest(session)][:2] == ["logout", "login"]


def test_a_wall_screen_cookie_replayed_after_its_logout_is_refused(sala_app, engine):
    add_user("jefa", "admin")
    with session_scope() as session:
        f.two_estados(session)
        _, secret = create_display(session, "SALA-1", "VE-A")
    screen = remote_client(sala_app, "203.0.113.9")
    assert screen.get(f"/pantalla/{secret}").status_code == 303
    cookie = screen.cookies.get(SESSION_COOKIE)
    assert replay(sala_app, cookie)[0] == 200
    screen.post("/logout", data={"csrf": csrf_of(screen.get("/logout").text)})
    assert replay(sala_app, cookie) == (303, 401, 401)
    assert screen.get(f"/pantalla/{secret}").status_code == 303  # the link itself still works


def test_logging_in_again_ends_the_browsers_previous_session(sala_app, engine):
    add_user("ana")
    browser = remote_client(sala_app)
    login(browser, "ana", PASSWORD)
    first = browser.cookies.get(SESSION_COOKIE)
    login(browser, "ana", PASSWORD)
    assert browser.cookies.get(SESSION_COOKIE) != first
    assert replay(sala_app, first)[0] == 303


# --- The lockout holds under parallel attempts -----------------------------------------


def test_thirty_parallel_wrong_passwords_then_the_right_one_is_refused(sala_app, engine, checks):
    add_user("op", "operador")
    attempts = 30
    clients = [remote_client(sala_app, f"198.51.100.{i + 1}") for i in range(attempts)]
    pages = [c.get("/login").text for c in clients]  # CSRF cookies, before the race
    start = threading.Barrier(attempts)
    statuses: list[int] = []

    def guess(i: int) -> None:
        form = {"username": "op", "password": f"mala-clave-{i}", "csrf": csrf_of(pages[i])}
        start.wait()
        statuses.append(clients[i].post("/login", data=form).status_code)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [401] * attempts
    assert checks["real"] <= MAX_FAILED_LOGINS  # at most 5 guesses were checked at all
    right = login(remote_client(sala_app, "192.0.2.200"), "op", PASSWORD)
    assert right.status_code == 401 and "bloqueada" in right.text
    assert checks["real"] <= MAX_FAILED_LOGINS  # refused without even checking
    with session_scope() as session:  # /admin shows until when
        assert list_users(session)[0].locked_until is not None
        set_password(session, "op", "otra-clave-larga")  # a new password lifts the lock
    assert (
        login(remote_client(sala_app, "192.0.2.200"), "op", "otra-clave-larga").status_code == 303
    )


def test_one_address_cannot_lock_every_account(sala_app, engine):
    names = [f"u{i}" for i in range(ADDRESS_MAX_FAILURES // MAX_FAILED_LOGINS + 2)]
    for name in names:
        add_user(name)
    attacker = remote_client(sala_app, "203.0.113.66")
    statuses = []
    for name in names:
        for _ in range(MAX_FAILED_LOGINS):
            statuses.append(login(attacker, name, "mala-clave-0").status_code)
    assert statuses[:ADDRESS_MAX_FAILURES] == [401] * ADDRESS_MAX_FAILURES
    assert set(statuses[ADDRESS_MAX_FAILURES:]) == {429}
    throttled = login(attacker, names[-1], PASSWORD)  # even a right password waits
    assert throttled.status_code == 429 and "Demasiados intentos" in throttled.text
    assert int(throttled.headers["retry-after"]) > 0
    opened = []
    for name in names:
        opened.append(login(remote_client(sala_app, "192.0.2.10"), name, PASSWORD).status_code)
    assert opened.count(303) >= 2  # the accounts the attacker did not reach still open
    assert opened.count(401) <= ADDRESS_MAX_FAILURES // MAX_FAILED_LOGINS
    with session_scope() as session:
        assert "login_limitado" in [e.action for e in audit.latest(session, 100)]


# --- Unknown and existing users look the same ------------------------------------------


def _normalized(text: str) -> str:
    return re.sub(r"\d{1,2}:\d{2}", "HH:MM", text)


def test_unknown_and_existing_users_get_the_same_answer_and_cost(sala_app, engine, checks):
    add_user("ana")
    browser = remote_client(sala_app)
    known = login(browser, "ana", "mala-clave-0")
    unknown = login(browser, "nadie", "mala-clave-0")
    assert (known.status_code, known.text) == (unknown.status_code, unknown.text)
    assert checks == {"real": 1, "dummy": 1}  # one argon2 check each
    for _ in range(MAX_FAILED_LOGINS):
        known = login(browser, "ana", "mala-clave-0")
        unknown = login(browser, "nadie", "mala-clave-0")
    assert known.status_code == unknown.status_code == 401
    assert "bloqueada" in known.text
    assert _normalized(known.text) == _normalized(unknown.text)
