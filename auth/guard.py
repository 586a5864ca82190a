"""Role checks for callbacks and routes: raise, and the server answers 403."""

from __future__ import annotations

from auth.principal import Principal, current_principal


class NotAuthorized(PermissionError):
    """The caller's role may not do this."""


def require_role(*roles: str) -> Principal:
    """The current principal if its role is one of ``roles``; otherwise NotAuthorized."""
    principal = current_principal()
    if principal.role not in roles:
        raise NotAuthorized(f"El rol {principal.role} no puede hacer esto.")
    return principal
