"""Users, wall-screen tokens and the audit log in the data layer, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.timeutil import utcnow
from data import audit, sessions
from data.db import session_scope
from data.displays import (
    DisplayError,
    create_display,
    display_by_secret,
    revoke_display,
)
from data.models import DisplayToken, User
from data.scope import UnknownTerritory
from data.sessions import SEEN_EVERY
from data.users import (
    LOCKOUT,
    MAX_FAILED_LOGINS,
    UserError,
    create_user,
    has_users,
    hash_password,
    login,
    set_active,
    set_password,
    verify_password,
)
from tests import factories as f

PASSWORD = "clave-muy-segura-1"


def test_password_hash_is_argon2_and_verifies():
    hashed = hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$")
    assert PASSWORD not in hashed
    assert verify_password(hashed, PASSWORD)
    assert not verify_password(hashed, PASSWORD + "x")
    assert not verify_password("not-a-hash", PASSWORD)
    assert hash_password(PASSWORD) != hashed  # salted


def test_create_user_stores_only_a_hash_and_validates(session):
    f.two_estados(session)
    assert not has_users(session)
    info = create_user(session, "ana", PASSWORD, "analista", "VE-A")
    assert (info.username, info.role, info.territory_code, info.active) == (
        "ana",
        "analista",
        "VE-A",
        True,
    )
    stored = session.get(User, info.id)
    assert stored.password_hash != PASSWORD and verify_password(stored.password_hash, PASSWORD)
    assert has_users(session)
    with pytest.raises(UserError, match="Ya existe"):
        create_user(session, "ana", PASSWORD, "analista")
    with pytest.raises(UserError, match="Rol desconocido"):
        create_user(session, "bea", PASSWORD, "jefe")
    with pytest.raises(UserError, match="al menos"):
        create_user(session, "bea", "corta", "analista")
    with pytest.raises(UnknownTerritory):
        create_user(session, "bea", PASSWORD, "analista", "VE-NO")


def owner(secret: str | None):
    with session_scope() as session:
        return sessions.owner(session, secret or "")


def test_login_opens_a_server_side_session(engine):
    with session_scope() as session:
        create_user(session, "op", PASSWORD, "operador")
    assert login("op", "mala-clave-000", "10.0.0.1").reason == "invalid"
    result = login("op", PASSWORD, "10.0.0.1")
    assert result.user is not None and result.user.username == "op"
    assert owner(result.session_secret) == sessions.SessionOwner("user", "op", "operador", None)
    assert login("nadie", PASSWORD, "10.0.0.1").reason == "invalid"
    assert owner("inventado") is None
    with session_scope() as session:
        assert sessions.end(session, result.session_secret)
    assert owner(result.session_secret) is None  # logged out: the secret opens nothing


def test_lockout_after_repeated_failures_then_lifts(engine):
    with session_scope() as session:
        create_user(session, "op", PASSWORD, "operador")
    now = utcnow()
    reasons = [login("op", "mala", "10.0.0.1", now).reason for _ in range(MAX_FAILED_LOGINS)]
    assert reasons == ["invalid"] * (MAX_FAILED_LOGINS - 1) + ["locked"]
    locked = login("op", PASSWORD, "10.0.0.2", now + timedelta(minutes=1))
    assert locked.user is None and locked.reason == "locked"
    assert locked.until == now + LOCKOUT
    later = login("op", PASSWORD, "10.0.0.2", now + LOCKOUT + timedelta(seconds=1))
    assert later.user is not None


def test_a_good_password_resets_the_run_of_failures(engine):
    with session_scope() as session:
        create_user(session, "op", PASSWORD, "operador")
    for _ in range(MAX_FAILED_LOGINS - 1):
        assert login("op", "mala", "10.0.0.1").reason == "invalid"
    assert login("op", PASSWORD, "10.0.0.1").user is not None
    assert login("op", "mala", "10.0.0.1").reason == "invalid"  # counting starts again


def test_new_password_and_deactivation_end_the_sessions(engine):
    with session_scope() as session:
        create_user(session, "op", PASSWORD, "operador")
    first = login("op", PASSWORD, "10.0.0.1").session_secret
    with session_scope() as session:
        set_password(session, "op", "otra-clave-larga-2")
    assert owner(first) is None
    second = login("op", "otra-clave-larga-2", "10.0.0.1").session_secret
    assert owner(second) is not None
    with session_scope() as session:
        set_active(session, "op", False)
    assert owner(second) is None
    assert login("op", "otra-clave-larga-2", "10.0.0.1").reason == "invalid"


def test_display_tokens_verify_revoke_and_note_last_seen(engine):
    with session_scope() as session:
        f.two_estados(session)
        display, secret = create_display(session, "SALA-1", "VE-A")
        assert display_by_secret(session, secret).name == "SALA-1"
        assert display_by_secret(session, secret + "x") is None
        screen = sessions.start(session, display_id=display.id)
    now = utcnow()
    with session_scope() as session:
        found = sessions.owner(session, screen, now)
        assert found == sessions.SessionOwner("display", "SALA-1", "pantalla", "VE-A")
    with session_scope() as session:
        assert session.get(DisplayToken, display.id).last_seen_at == now
        sessions.owner(session, screen, now + SEEN_EVERY / 2)
    with session_scope() as session:  # throttled write: still the first time
        assert session.get(DisplayToken, display.id).last_seen_at == now
        with pytest.raises(DisplayError):
            create_display(session, "SALA-1")
        revoke_display(session, "SALA-1")
    with session_scope() as session:
        assert display_by_secret(session, secret) is None
        with pytest.raises(UnknownTerritory):
            create_display(session, "SALA-2", "VE-NO")
    assert owner(screen) is None


def test_audit_record_latest_and_filter(session):
    audit.record(session, "ana", "login", {"rol": "analista"}, "10.0.0.1")
    audit.record(session, "ana", "exportacion", "proyectos.csv", "10.0.0.1")
    audit.record(session, "bob", "login_fallido", None, "10.0.0.2")
    entries = audit.latest(session, 10)
    assert [e.action for e in entries] == ["login_fallido", "exportacion", "login"]
    assert entries[1].detail == {"mensaje": "proyectos.csv"}
    assert [e.actor for e in audit.latest(session, 10, "login")] == ["ana"]
    assert len(audit.latest(session, 2)) == 2
    assert audit.actions(session) == ["exportacion", "login", "login_fallido"]


def test_scoped_listing_and_management(session):
    from data.displays import list_displays
    from data.scope import OutOfScope, scope_for
    from data.users import list_users

    f.two_estados(session)
    create_user(session, "ana", PASSWORD, "analista", "VE-A-C1")
    create_user(session, "mario", PASSWORD, "analista", "VE-M")
    create_user(session, "vice", PASSWORD, "autoridad")
    create_display(session, "SALA-A", "VE-A")
    create_display(session, "SALA-N")
    state = scope_for(session, "VE-A")
    assert [u.username for u in list_users(session, state)] == ["ana"]
    assert [u.username for u in list_users(session)] == ["ana", "mario", "vice"]
    assert [d.name for d in list_displays(session, state)] == ["SALA-A"]
    with pytest.raises(OutOfScope):
        set_active(session, "mario", False, state)
    with pytest.raises(OutOfScope):
        set_password(session, "vice", "otra-clave-larga", state)
    with pytest.raises(OutOfScope):
        create_user(session, "x", PASSWORD, "admin", "VE-M", state)
    with pytest.raises(OutOfScope):
        revoke_display(session, "SALA-N", state)
    assert create_user(session, "y", PASSWORD, "admin", None, state).territory_code == "VE-A"
