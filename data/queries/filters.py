"""Shared pieces of the indicator pages' queries: scope, time range and child-level grouping.

Every page query starts with :func:`scoped`, which resolves the territory of the filters
inside the caller's scope (raising ``OutOfScope`` / ``UnknownTerritory``), so no query can
answer for a territory the caller may not see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from core import names
from core.filters import Filters
from data.models import PATH_LEVELS, Territory, path_of
from data.scope import Scope, TerritoryRef, children, get_territory, resolve

# The level shown one step below each level; below a circuito the pages show points.
CHILD_LEVEL: dict[str | None, str | None] = {
    None: "estado",
    "estado": "municipio",
    "municipio": "parroquia",
    "parroquia": "circuito",
    "circuito": None,
}
LEVEL_LABELS = {k: v for k, v in names.LEVELS.items() if k != "nacional"}


@dataclass(frozen=True)
class View:
    """A resolved request: the filters, the territory they name and the time they are read at."""

    filters: Filters
    ref: TerritoryRef | None
    as_of: datetime

    @property
    def child_level(self) -> str | None:
        """The level one below the territory (None below a circuito: individual points)."""
        return CHILD_LEVEL.get(self.ref.level if self.ref else None)


def scoped(session: Session, scope: Scope, filters: Filters, as_of: datetime) -> View:
    """Resolve the filters' territory inside ``scope`` (raises OutOfScope/UnknownTerritory)."""
    return View(filters, resolve(session, scope, filters.territorio), as_of)


def in_days(column: Any, bounds: tuple[date, date]) -> ColumnElement[bool]:
    """``column`` (a DATE) within the inclusive day bounds."""
    return and_(column >= bounds[0], column <= bounds[1])


def in_times(column: Any, bounds: tuple[datetime, datetime]) -> ColumnElement[bool]:
    """``column`` (a timestamp) within ``(start, end]``."""
    return and_(column > bounds[0], column <= bounds[1])


def child_key(model: type, view: View) -> Any:
    """The path column that groups ``model`` rows by the child level of ``view``."""
    level = view.child_level
    return path_of(model, level) if level else None


def child_territories(session: Session, view: View) -> list[dict[str, Any]]:
    """Every territory one level below ``view`` (code, name, lat, lon), by name."""
    level = view.child_level
    if level is None:
        return []
    clause = path_of(Territory, view.ref.level) == view.ref.code if view.ref else True
    rows = session.execute(
        select(Territory.code, Territory.name, Territory.lat, Territory.lon)
        .where(Territory.level == level, clause)
        .order_by(Territory.name)
    ).all()
    return [{"code": c, "name": n, "lat": lat, "lon": lon} for c, n, lat, lon in rows]


def breadcrumb(session: Session, scope: Scope, code: str | None) -> list[dict[str, str | None]]:
    """``Venezuela › Estado › Municipio …`` down to ``code``, starting at the caller's root.

    Each step is ``{"code", "name", "level"}``; the national step has code None and is only
    present for a national caller (a scoped caller cannot go above its root).
    """
    ref = resolve(session, scope, code)
    steps: list[dict[str, str | None]] = []
    if scope.is_national:
        steps.append({"code": None, "name": "Venezuela", "level": None})
    if ref is None:
        return steps
    root_level = scope.root.level if scope.root else None
    started = root_level is None
    for level in ("estado", "municipio", "parroquia", "circuito"):
        ancestor = ref.ancestor(level)
        if level == root_level:
            started = True
        if not started or not ancestor:
            continue
        node = ref if ancestor == ref.code else get_territory(session, ancestor)
        steps.append({"code": node.code, "name": node.name, "level": node.level})
        if ancestor == ref.code:
            break
    if not steps or steps[-1]["code"] != ref.code:
        steps.append({"code": ref.code, "name": ref.name, "level": ref.level})
    return steps


def cascade(session: Session, scope: Scope, code: str | None) -> list[dict[str, Any]]:
    """The filter bar's four dropdowns for territory ``code`` (raises like :func:`resolve`).

    Per level: ``options`` (label/value), the selected ``value`` and ``disabled``. Levels at
    or above the caller's root are fixed to the root's own path (a scoped caller cannot
    leave it); below, each level lists the children of the one above.
    """
    ref = resolve(session, scope, code)
    root = scope.root
    out: list[dict[str, Any]] = []
    parent: str | None = None
    for level in PATH_LEVELS:
        value = ref.ancestor(level) if ref else None
        fixed = root.ancestor(level) if root is not None else None
        if fixed:
            node = root if root.code == fixed else get_territory(session, fixed)
            options, value, disabled = [node], fixed, True
        elif level == "estado":
            options, disabled = children(session, scope, None), False
        elif parent:
            options = [t for t in children(session, scope, parent) if t.level == level]
            disabled = not options
        else:
            options, disabled = [], True
        out.append(
            {
                "level": level,
                "options": [{"label": t.name, "value": t.code} for t in options],
                "value": value,
                "disabled": disabled,
            }
        )
        parent = value
    return out
