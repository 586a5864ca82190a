"""The upsert of validated rows: counts, late-data rule, status history, data version.

Runs inside the caller's transaction and never commits: the whole batch (or CSV file) is
stored or nothing is. Rows are compared with what is stored (or was written earlier in the
same batch), so re-sending a record changes nothing and is counted as ``unchanged``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from data import rollups, versions
from data.ingest.validate import Prepared
from data.models import (
    PATH_COLUMNS,
    Action,
    CaseEvent,
    CitizenCase,
    ClapCommittee,
    ClapDelivery,
    Cuadrante,
    DefenseUnit,
    Incident,
    Project,
    ProjectProgress,
    Territory,
    Transfer,
)

LOAD_CHUNK = 500
MAX_ITEMS = 50


@dataclass(frozen=True)
class Spec:
    """How a dataset maps onto its table."""

    model: type
    key: str
    late_column: str | None  # records older than the stored one on this column are ignored
    display: tuple[str, ...]  # fields copied into the event items


SPECS: dict[str, Spec] = {
    "territories": Spec(Territory, "code", None, ("level", "name", "lat", "lon")),
    "cuadrantes": Spec(Cuadrante, "code", None, ("name", "lat", "lon")),
    "projects": Spec(
        Project,
        "id",
        "updated_at",
        ("title", "category", "status", "physical_progress", "approved_usd"),
    ),
    "transfers": Spec(Transfer, "id", None, ("project_id", "bank", "amount_usd", "transferred_at")),
    "clap_deliveries": Spec(
        ClapDelivery,
        "id",
        None,
        ("clap_code", "delivered_on", "families_planned", "families_served", "bags"),
    ),
    "cases": Spec(CitizenCase, "id", "updated_at", ("category", "status", "institution")),
    "incidents": Spec(Incident, "id", None, ("type", "severity", "occurred_at", "lat", "lon")),
    "defense": Spec(DefenseUnit, "id", "updated_at", ("plan", "phase", "readiness")),
    "actions": Spec(Action, "id", "updated_at", ("title", "transformation", "status", "due_on")),
}


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


@dataclass
class Writer:
    """Upserts the prepared rows of one dataset, chunk after chunk, in one transaction."""

    session: Session
    dataset: str
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    estados: set[str] = field(default_factory=set)
    items_by_key: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def spec(self) -> Spec:
        return SPECS[self.dataset]

    @property
    def changed(self) -> int:
        return self.inserted + self.updated

    def _stored(self, keys: list[str], columns: list[str]) -> dict[str, dict[str, Any]]:
        model, key = self.spec.model, self.spec.key
        extra = {"projects": ["progress_changed_at"], "cases": ["assigned_at"]}.get(
            self.dataset, []
        )
        cols = [getattr(model, c) for c in dict.fromkeys([key, *columns, *extra])]
        out: dict[str, dict[str, Any]] = {}
        unique = sorted(set(keys))
        for start in range(0, len(unique), LOAD_CHUNK):
            chunk = unique[start : start + LOAD_CHUNK]
            stmt = select(*cols).where(getattr(model, key).in_(chunk))
            for row in self.session.execute(stmt):
                out[row[0]] = dict(row._mapping)
        return out

    def write(self, prepared: list[Prepared]) -> None:
        """Insert, update or skip each row, in batch order, and add the history rows."""
        if not prepared:
            return
        spec = self.spec
        columns = list(prepared[0].row)
        state = self._stored([p.key for p in prepared], columns)
        inserts: dict[str, dict[str, Any]] = {}
        updates: dict[str, dict[str, Any]] = {}
        history: list[dict[str, Any]] = []
        rollup_delta: Counter[rollups.Key] = Counter()
        for item in prepared:
            new, old = item.row, state.get(item.key)
            if old is not None:
                late = spec.late_column and new[spec.late_column] < old[spec.late_column]
                if late or all(old.get(c) == new[c] for c in columns):
                    self.unchanged += 1
                    continue
            row = {**new, **self._history(new, old, history)}
            if self.dataset == "cases":
                rollup_delta.update(rollups.change(old, row))
            if old is None:
                self.inserted += 1
                inserts[item.key] = row
            else:
                self.updated += 1
                if item.key in inserts:
                    inserts[item.key] = row
                else:
                    updates[item.key] = row
            state[item.key] = row
            self._announce(item.key, row)
        if self.dataset == "clap_deliveries":
            self._ensure_committees([*inserts.values(), *updates.values()])
        model = spec.model
        if inserts:
            self.session.execute(insert(model), list(inserts.values()))
        if updates:
            self.session.execute(update(model), list(updates.values()))
        if history:
            target = CaseEvent if self.dataset == "cases" else ProjectProgress
            self.session.execute(insert(target), history)
        if rollup_delta:
            rollups.apply(self.session, rollup_delta)

    def _history(
        self, new: dict[str, Any], old: dict[str, Any] | None, history: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """Queue the status-history rows of a change; return extra columns for the row."""
        if self.dataset == "cases":
            moved = old is None or old["status"] != new["status"]
            if moved:
                history.append(
                    {"case_id": new["id"], "status": new["status"], "at": new["updated_at"]}
                )
            assigned = old.get("assigned_at") if old else None
            if assigned is None and moved and new["status"] == "asignado":
                assigned = new["updated_at"]
            return {"assigned_at": assigned}
        if self.dataset != "projects":
            return {}
        progress_moved = old is None or old["physical_progress"] != new["physical_progress"]
        if progress_moved or old["status"] != new["status"]:
            history.append(
                {
                    "project_id": new["id"],
                    "recorded_at": new["updated_at"],
                    "physical_progress": new["physical_progress"],
                    "status": new["status"],
                }
            )
        changed_at = new["updated_at"] if progress_moved else old.get("progress_changed_at")
        return {"progress_changed_at": changed_at}

    def _ensure_committees(self, rows: list[dict[str, Any]]) -> None:
        """Field systems send deliveries of committees the Sala may not know yet: add them."""
        wanted = {row["clap_code"]: row for row in rows}
        if not wanted:
            return
        known: set[str] = set()
        codes = sorted(wanted)
        for start in range(0, len(codes), LOAD_CHUNK):
            chunk = codes[start : start + LOAD_CHUNK]
            known.update(
                self.session.scalars(
                    select(ClapCommittee.code).where(ClapCommittee.code.in_(chunk))
                )
            )
        new = [
            {
                "code": code,
                "name": code,
                "territory_code": row["territory_code"],
                "families": row["families_planned"],
                **{col: row[col] for col in PATH_COLUMNS},
            }
            for code, row in wanted.items()
            if code not in known
        ]
        if new:
            self.session.execute(insert(ClapCommittee), new)

    def _announce(self, key: str, row: dict[str, Any]) -> None:
        if row.get("estado_code"):
            self.estados.add(row["estado_code"])
        if key in self.items_by_key or len(self.items_by_key) < MAX_ITEMS:
            item = {
                "id": key,
                "estado_code": row.get("estado_code"),
                "municipio_code": row.get("municipio_code"),
                "circuito_code": row.get("circuito_code"),
            }
            item.update({name: _jsonable(row.get(name)) for name in self.spec.display})
            self.items_by_key[key] = item

    @property
    def items(self) -> list[dict[str, Any]]:
        """Up to 50 changed records (latest state of each), for the event."""
        return list(self.items_by_key.values())

    def finish(self) -> None:
        """Bump the dataset's data version (same transaction) when anything changed."""
        if self.changed:
            versions.bump(self.session, [self.dataset])
