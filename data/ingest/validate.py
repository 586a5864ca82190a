"""Batch validation beyond the record shape: references, hierarchy and the caller's scope.

A reference is good when the code/id is stored or was sent earlier in the same batch.
Validation turns each record into the exact row to store, path columns included, so the
writer does no look-ups of its own. Chunks are validated one after another (a CSV file
streams through here), with earlier chunks counting as "earlier in the batch".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.ingest.schemas import Record, RecordError
from data.models import LEVELS, PATH_COLUMNS, Cuadrante, Project, Territory
from data.scope import Scope, TerritoryRef

LOOKUP_CHUNK = 500
# The same words for a record sent outside the scope and for one whose stored version lies
# outside it, naming no code: the answer must not tell whether the id exists elsewhere.
OUT_OF_SCOPE = "registro fuera del ámbito territorial del token"


@dataclass(frozen=True)
class Node:
    """What a reference resolves to: its level, parent and territorial path."""

    code: str
    level: str
    parent_code: str | None
    path: dict[str, str | None]

    def ref(self) -> TerritoryRef:
        """A TerritoryRef for scope checks (a cuadrante or project counts as its circuito)."""
        return TerritoryRef(code=self.code, level=self.level, name=self.code, **self.path)


@dataclass
class Prepared:
    """A valid record turned into the row to store."""

    index: int
    key: str
    row: dict[str, Any]


def _fields(rec: Record) -> dict[str, Any]:
    """The record's fields as a new dict (what ``model_dump`` gives for these flat models,
    without its per-field serialisation work)."""
    return dict(rec.__dict__)


def _path(row: Any) -> dict[str, str | None]:
    return {col: getattr(row, col) for col in PATH_COLUMNS}


class BatchValidator:
    """Validates chunks of one dataset's batch inside the writing transaction."""

    def __init__(self, session: Session, dataset: str, scope: Scope) -> None:
        self.session, self.dataset, self.scope = session, dataset, scope
        self._territory_nodes: dict[str, Node | None] = {}
        self._cuadrante_nodes: dict[str, Node | None] = {}
        self._project_nodes: dict[str, Node | None] = {}
        self._first_index: dict[str, int] = {}  # key -> index of its first record
        self.out_of_scope: list[RecordError] = []
        self._inside: dict[tuple[str, str], bool] = {}

    # -- look-ups (cached, one query per chunk and kind) ---------------------------------
    def _load(self, kind: str, keys: Iterable[str]) -> None:
        cache, model, key_col = {
            "territory": (self._territory_nodes, Territory, Territory.code),
            "cuadrante": (self._cuadrante_nodes, Cuadrante, Cuadrante.code),
            "project": (self._project_nodes, Project, Project.id),
        }[kind]
        missing = sorted({k for k in keys if k is not None and k not in cache})
        for start in range(0, len(missing), LOOKUP_CHUNK):
            chunk = missing[start : start + LOOKUP_CHUNK]
            cols = [key_col, *(getattr(model, c) for c in PATH_COLUMNS)]
            if kind == "territory":
                cols += [Territory.level, Territory.parent_code]
            for row in self.session.execute(select(*cols).where(key_col.in_(chunk))):
                code = row[0]
                level = row.level if kind == "territory" else kind
                parent = row.parent_code if kind == "territory" else None
                cache[code] = Node(code, level, parent, _path(row))
            for code in chunk:
                cache.setdefault(code, None)

    # -- the public entry point ---------------------------------------------------------
    def check(self, parsed: list[tuple[int, Record]]) -> tuple[list[Prepared], list[RecordError]]:
        """Validate one chunk (in batch order); return the rows to store and the errors."""
        refs: dict[str, set[str]] = {"territory": set(), "cuadrante": set(), "project": set()}
        for field, kind in _REFERENCES[self.dataset]:  # one pass per field, not per record
            refs[kind].update({getattr(rec, field) for _, rec in parsed})
        if self.dataset == "territories":
            refs["territory"].update({rec.code for _, rec in parsed})
        for kind, keys in refs.items():
            if keys:
                self._load(kind, keys)
        prepared: list[Prepared] = []
        errors: list[RecordError] = self._duplicates(parsed)
        check_one = getattr(self, f"_check_{self.dataset}")
        for index, rec in parsed:
            try:
                item = check_one(index, rec)
            except _Bad as bad:
                errors.append({"index": index, "field": bad.field, "message": bad.message})
                continue
            prepared.append(item)
        return prepared, errors

    def _duplicates(self, parsed: list[tuple[int, Record]]) -> list[RecordError]:
        """Two records with the same key in one batch: which one should win is anybody's
        guess, so both are named and the batch is refused."""
        errors: list[RecordError] = []
        for index, rec in parsed:
            field = rec.KEY
            key = getattr(rec, field)
            first = self._first_index.setdefault(key, index)
            if first != index:
                message = f"{field} {key!r} repetido en el lote (registros {first} y {index}); envíe cada registro una sola vez"
                errors += [
                    {"index": first, "field": field, "message": message},
                    {"index": index, "field": field, "message": message},
                ]
        return errors

    def _scoped(self, index: int, node: Node, field: str) -> None:
        if self.scope.is_national:  # everything lies inside
            return
        inside = self._inside.get((node.level, node.code))
        if inside is None:  # one answer per territory, not per record
            inside = self._inside[(node.level, node.code)] = self.scope.contains(node.ref())
        if not inside:
            self.out_of_scope.append(
                {
                    "index": index,
                    "field": field,
                    "message": OUT_OF_SCOPE,
                }
            )

    def _territory(self, index: int, code: str, field: str, level: str | None = None) -> Node:
        node = self._territory_nodes.get(code)
        if node is None:
            raise _Bad(field, f"territorio desconocido {code!r} (ni guardado ni antes en el lote)")
        if level and node.level != level:
            raise _Bad(field, f"{code!r} es un {node.level}, se espera un {level}")
        self._scoped(index, node, field)
        return node

    # -- one method per dataset ---------------------------------------------------------
    def _check_territories(self, index: int, rec: Any) -> Prepared:
        stored = self._territory_nodes.get(rec.code)
        if stored is not None:  # its level and parent cannot change: its scope neither
            self._scoped(index, stored, "code")
        parent = None
        if rec.parent_code is not None:
            parent = self._territory_nodes.get(rec.parent_code)
            if parent is None:
                raise _Bad(
                    "parent_code",
                    f"territorio padre desconocido {rec.parent_code!r} (ni guardado ni antes en el lote)",
                )
            if LEVELS.index(parent.level) >= LEVELS.index(rec.level):
                raise _Bad(
                    "parent_code",
                    f"un {rec.level} no puede depender de un {parent.level} ({rec.parent_code})",
                )
        if stored is not None and (stored.level, stored.parent_code) != (
            rec.level,
            rec.parent_code,
        ):
            raise _Bad(
                "parent_code" if stored.level == rec.level else "level",
                "no se puede cambiar el nivel ni el padre de un territorio existente",
            )
        path = dict(parent.path) if parent else dict.fromkeys(PATH_COLUMNS)
        if rec.level in ("estado", "municipio", "parroquia", "circuito"):
            path[f"{rec.level}_code"] = rec.code
        node = Node(rec.code, rec.level, rec.parent_code, path)
        self._scoped(index, node, "code")
        self._territory_nodes[rec.code] = node
        row = _fields(rec)
        return Prepared(index, rec.code, {**row, **path})

    def _check_cuadrantes(self, index: int, rec: Any) -> Prepared:
        circuito = self._territory(index, rec.circuito_code, "circuito_code", "circuito")
        row = {k: v for k, v in _fields(rec).items() if k != "circuito_code"}
        return Prepared(index, rec.code, {**row, **circuito.path})

    def _check_projects(self, index: int, rec: Any) -> Prepared:
        circuito = self._territory(index, rec.circuito_code, "circuito_code", "circuito")
        if rec.comuna_code is not None:
            self._territory(index, rec.comuna_code, "comuna_code", "comuna")
        row = {k: v for k, v in _fields(rec).items() if k != "circuito_code"}
        return Prepared(index, rec.id, {**row, **circuito.path})

    def _check_transfers(self, index: int, rec: Any) -> Prepared:
        project = self._project_nodes.get(rec.project_id)
        if project is None:
            raise _Bad("project_id", f"proyecto desconocido {rec.project_id!r}")
        self._scoped(index, project, "project_id")
        return Prepared(index, rec.id, {**rec.__dict__, **project.path})

    def _check_clap_deliveries(self, index: int, rec: Any) -> Prepared:
        node = self._territory(index, rec.territory_code, "territory_code")
        return Prepared(index, rec.id, {**rec.__dict__, **node.path})

    def _check_cases(self, index: int, rec: Any) -> Prepared:
        node = self._territory(index, rec.territory_code, "territory_code")
        return Prepared(index, rec.id, {**rec.__dict__, **node.path})

    def _check_incidents(self, index: int, rec: Any) -> Prepared:
        cuadrante = self._cuadrante_nodes.get(rec.cuadrante_code)
        if cuadrante is None:
            raise _Bad("cuadrante_code", f"cuadrante desconocido {rec.cuadrante_code!r}")
        self._scoped(index, cuadrante, "cuadrante_code")
        return Prepared(index, rec.id, {**rec.__dict__, **cuadrante.path})

    def _check_defense(self, index: int, rec: Any) -> Prepared:
        node = self._territory(index, rec.territory_code, "territory_code")
        return Prepared(index, rec.id, {**rec.__dict__, **node.path})

    def _check_actions(self, index: int, rec: Any) -> Prepared:
        node = self._territory(index, rec.territory_code, "territory_code")
        if rec.project_id is not None:
            project = self._project_nodes.get(rec.project_id)
            if project is None:
                raise _Bad("project_id", f"proyecto desconocido {rec.project_id!r}")
            self._scoped(index, project, "project_id")
        return Prepared(index, rec.id, {**rec.__dict__, **node.path})


class _Bad(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


_REFERENCES: dict[str, tuple[tuple[str, str], ...]] = {
    "territories": (("parent_code", "territory"),),
    "cuadrantes": (("circuito_code", "territory"),),
    "projects": (("circuito_code", "territory"), ("comuna_code", "territory")),
    "transfers": (("project_id", "project"),),
    "clap_deliveries": (("territory_code", "territory"),),
    "cases": (("territory_code", "territory"),),
    "incidents": (("cuadrante_code", "cuadrante"),),
    "defense": (("territory_code", "territory"),),
    "actions": (("territory_code", "territory"), ("project_id", "project")),
}
