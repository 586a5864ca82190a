"""The principal of the current request and its scope.

Every page callback, export and API route asks :func:`current_principal` who is calling and
hands the principal's territory to the data layer, which enforces the scope. The request
middleware sets the principal; with no users created, the local demo runs as
:data:`LOCAL_ADMIN` (national scope).
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

ROLES = ("admin", "autoridad", "analista", "operador", "pantalla")
ALERT_ROLES = ("admin", "autoridad", "operador")


@dataclass(frozen=True)
class Principal:
    username: str
    role: str
    territory_code: str | None  # None = national
    kind: str = "user"  # user | display | token | local

    @property
    def can_export(self) -> bool:
        return self.role in ("admin", "autoridad", "analista")

    @property
    def can_act_on_alerts(self) -> bool:
        """Acknowledge and resolve alerts in scope (analistas and pantallas only see them)."""
        return self.role in ALERT_ROLES


LOCAL_ADMIN = Principal("admin-local", "admin", None, kind="local")

_current: ContextVar[Principal | None] = ContextVar("sala_principal", default=None)


def current_principal() -> Principal:
    """The caller of the request being served (the local admin when none was set)."""
    return _current.get() or LOCAL_ADMIN


def set_principal(principal: Principal | None):
    return _current.set(principal)


def reset_principal(token) -> None:
    _current.reset(token)
