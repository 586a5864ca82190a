"""Territorial scope: what a caller may see, enforced in every query of the data layer.

A scope is a territory (or the whole country). A caller may filter to any territory inside
its scope; anything outside is refused with :class:`OutOfScope`, never silently answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, false, or_, select, true
from sqlalchemy.orm import Session

from data.models import PATH_LEVELS, Territory


class UnknownTerritory(LookupError):
    """The territory code does not exist."""


class OutOfScope(PermissionError):
    """The territory exists but lies outside the caller's scope."""


@dataclass(frozen=True)
class TerritoryRef:
    """A resolved territory: its code, level, name and path of ancestor codes."""

    code: str
    level: str
    name: str
    estado_code: str | None
    municipio_code: str | None
    parroquia_code: str | None
    circuito_code: str | None
    lat: float | None = None
    lon: float | None = None

    def ancestor(self, level: str) -> str | None:
        return getattr(self, f"{level}_code", None) if level in PATH_LEVELS else None


@dataclass(frozen=True)
class Scope:
    """The set of territories a caller may see: ``root`` and all below it (None = national)."""

    root: TerritoryRef | None = None

    @property
    def is_national(self) -> bool:
        return self.root is None

    @property
    def code(self) -> str | None:
        return self.root.code if self.root else None

    def contains(self, ref: TerritoryRef | None) -> bool:
        """True when ``ref`` (None = the whole country) lies inside this scope."""
        if self.root is None:
            return True
        if ref is None:
            return False
        if self.root.level in PATH_LEVELS:
            return ref.ancestor(self.root.level) == self.root.code
        return ref.code == self.root.code


NATIONAL = Scope()


def path_in_scope(scope: Scope, row: Mapping[str, Any]) -> bool:
    """True when a stored row, read with its path columns, lies inside ``scope``.

    The row-level twin of :meth:`Scope.contains`, for the write path's check of the rows a
    batch would overwrite.
    """
    root = scope.root
    if root is None:
        return True
    if root.level in PATH_LEVELS:
        return row.get(f"{root.level}_code") == root.code
    return root.code in (row.get("code"), row.get("territory_code"), row.get("comuna_code"))


def _ref(row: Territory) -> TerritoryRef:
    return TerritoryRef(
        code=row.code,
        level=row.level,
        name=row.name,
        estado_code=row.estado_code,
        municipio_code=row.municipio_code,
        parroquia_code=row.parroquia_code,
        circuito_code=row.circuito_code,
        lat=row.lat,
        lon=row.lon,
    )


def get_territory(session: Session, code: str) -> TerritoryRef:
    # Codes come from requests: anything but text (or text with NUL, which PostgreSQL
    # refuses) names no territory.
    if not isinstance(code, str) or "\x00" in code:
        raise UnknownTerritory(str(code)[:40])
    row = session.get(Territory, code)
    if row is None:
        raise UnknownTerritory(code)
    return _ref(row)


def scope_for(session: Session, code: str | None) -> Scope:
    """The scope of a user or token bound to ``code`` (None = national)."""
    return NATIONAL if not code else Scope(get_territory(session, code))


def resolve(session: Session, scope: Scope, code: str | None) -> TerritoryRef | None:
    """The territory a query should cover: ``code`` if inside ``scope``, else refuse.

    ``None`` asks for the scope's root: the whole country for a national caller.
    """
    if not code:
        return scope.root
    ref = get_territory(session, code)
    if not scope.contains(ref):
        raise OutOfScope(code)
    return ref


def territory_clause(model: type, ref: TerritoryRef | None) -> ColumnElement[bool]:
    """WHERE clause restricting ``model`` rows to ``ref`` and everything below it."""
    if ref is None:
        return true()
    if ref.level in PATH_LEVELS:
        return getattr(model, f"{ref.level}_code") == ref.code
    # Below the circuito (comuna, consejo comunal) there is no path column: a row belongs to
    # the territory or to one of its children (a comuna's consejos), and a transfer to the
    # projects of the comuna.
    if hasattr(model, "territory_code"):
        below = select(Territory.code).where(
            or_(Territory.code == ref.code, Territory.parent_code == ref.code)
        )
        return model.territory_code.in_(below)
    if hasattr(model, "comuna_code"):
        return model.comuna_code == ref.code
    if hasattr(model, "project_id"):
        from data.models import Project

        return model.project_id.in_(select(Project.id).where(Project.comuna_code == ref.code))
    return false()


SEARCH_LEVELS = ("estado", "municipio", "parroquia", "circuito", "comuna")


def search(session: Session, scope: Scope, text: str, limit: int = 20) -> list[TerritoryRef]:
    """Territories inside ``scope`` whose name or code matches ``text``, broadest first.

    What a person types in a territory picker ("zuli", "maracaibo", "VE-V-10"); consejos
    comunales are left out (tens of thousands, never a scope in practice)."""
    text = text.strip().replace("\x00", "")[:80]
    if not text:
        return []
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rank = case({level: i for i, level in enumerate(SEARCH_LEVELS)}, value=Territory.level)
    stmt = (
        select(Territory)
        .where(Territory.level.in_(SEARCH_LEVELS))
        .where(
            or_(
                Territory.name.ilike(pattern, escape="\\"),
                Territory.code.ilike(pattern, escape="\\"),
            )
        )
        .where(territory_clause(Territory, scope.root))
        .order_by(rank, Territory.name)
        .limit(limit)
    )
    return [_ref(row) for row in session.scalars(stmt)]


def children(session: Session, scope: Scope, parent: str | None) -> list[TerritoryRef]:
    """Direct children of ``parent`` visible in ``scope``.

    With no parent: the estados for a national caller, or the scope's own root otherwise,
    so a cascade starts where the caller's view starts.
    """
    if not parent:
        if scope.root is not None:
            return [scope.root]
        stmt = select(Territory).where(Territory.level == "estado")
    else:
        parent_ref = resolve(session, scope, parent)
        assert parent_ref is not None
        stmt = select(Territory).where(Territory.parent_code == parent_ref.code)
    return [_ref(row) for row in session.scalars(stmt.order_by(Territory.name))]


def path_values(ref: TerritoryRef) -> dict[str, str | None]:
    """The four path columns to copy onto a row that belongs to ``ref``."""
    return {
        "estado_code": ref.estado_code,
        "municipio_code": ref.municipio_code,
        "parroquia_code": ref.parroquia_code,
        "circuito_code": ref.circuito_code,
    }


def child_path(parent: TerritoryRef | None, level: str, code: str) -> dict[str, str | None]:
    """Path columns of a new territory ``code`` at ``level`` under ``parent``."""
    values = (
        path_values(parent)
        if parent
        else dict.fromkeys(("estado_code", "municipio_code", "parroquia_code", "circuito_code"))
    )
    if level in PATH_LEVELS:
        values[f"{level}_code"] = code
    return values
