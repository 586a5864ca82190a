"""Records the way the field systems (and the seed) write them.

Same categories and their weights, institutions (the regional water utility per estado),
incident types with their usual severity and hour pattern, CLAP families per committee and
communal banks as the seed, so simulated rows are indistinguishable from seeded ones on
screen. Each maker returns ``(dataset, record)`` or None when it has nothing to work on.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from data.seed import names
from data.seed.facts import Picker
from data.simulation.pools import STEP_FROM, Pools

Made = tuple[str, dict[str, Any]] | None


def sim_id(prefix: str) -> str:
    return f"SIM-{prefix}-{uuid.uuid4().hex[:16]}"


class RecordMaker:
    """Makes one record of each kind from the pools (and updates the pools it moves)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        cats = list(names.CASE_CATEGORIES)
        self.categories = Picker(cats, [names.CASE_CATEGORIES[c][0] for c in cats])
        kinds = list(names.INCIDENT_TYPES)
        self.incident_types = Picker(kinds, [names.INCIDENT_TYPES[k][0] for k in kinds])

    # -- 1x10 cases ---------------------------------------------------------------------
    def new_case(self, pools: Pools, now: datetime, category: str = "") -> Made:
        places = pools.places
        if not places:
            return None
        place = self.rng.choice(places)
        category = category or self.categories.pick(self.rng)
        institution = names.CASE_CATEGORIES[category][2] or names.WATER_UTILITY.get(
            place.get("estado_code") or "", "Hidrológica regional"
        )
        case = {
            "id": sim_id("C"),
            "territory_code": place["code"],
            "category": category,
            "status": "recibido",
            "institution": institution,
            "reported_at": now,
            "resolved_at": None,
            **{k: place.get(k) for k in ("estado_code", "municipio_code", "circuito_code")},
        }
        pools.cases.setdefault("recibido", []).append(case)
        return "cases", self._case_record(case, now)

    def case_step(self, pools: Pools, status: str, now: datetime) -> Made:
        """Move a case of the preceding status to ``status`` (asignado, …, rechazado)."""
        waiting = pools.cases.get(STEP_FROM[status]) or []
        if not waiting:
            return None
        case = waiting.pop(self.rng.randrange(len(waiting)))
        if case["reported_at"] > now:  # seeded "future" rows: leave them alone
            return None
        case = {**case, "status": status}
        if status == "resuelto":
            case["resolved_at"] = now
        if status in STEP_FROM.values():  # not final: it can move again
            pools.cases.setdefault(status, []).append(case)
        return "cases", self._case_record(case, now)

    @staticmethod
    def _case_record(case: dict[str, Any], now: datetime) -> dict[str, Any]:
        record = {k: case[k] for k in ("id", "territory_code", "category", "status", "reported_at")}
        record["updated_at"] = now
        if case.get("institution"):
            record["institution"] = case["institution"]
        if case["status"] in ("resuelto", "cerrado") and case.get("resolved_at"):
            record["resolved_at"] = case["resolved_at"]
        return record

    # -- incidents ----------------------------------------------------------------------
    def incident(self, pools: Pools, now: datetime, worse: int = 0) -> Made:
        cuadrantes = pools.cuadrantes
        if not cuadrantes:
            return None
        q = self.rng.choice(cuadrantes)
        kind = self.incident_types.pick(self.rng)
        usual = names.INCIDENT_TYPES[kind][1]
        severity = min(5, max(1, usual + worse + self.rng.choice((-1, 0, 0, 0, 1))))
        record = {
            "id": sim_id("I"),
            "cuadrante_code": q["code"],
            "type": kind,
            "severity": severity,
            "occurred_at": now - timedelta(seconds=self.rng.randint(0, 600)),
        }
        if q.get("lat") is not None and q.get("lon") is not None:
            record["lat"] = round(max(-90.0, min(90.0, q["lat"] + self.rng.gauss(0, 0.006))), 5)
            record["lon"] = round(max(-180.0, min(180.0, q["lon"] + self.rng.gauss(0, 0.006))), 5)
        return "incidents", record

    # -- CLAP -----------------------------------------------------------------------------
    def clap_delivery(self, pools: Pools, day: date, coverage: float) -> Made:
        claps = pools.claps
        if not claps:
            return None
        clap = self.rng.choice(claps)
        planned = int(clap.get("families") or 0) or self.rng.randint(80, 400)
        ratio = min(1.0, max(0.0, self.rng.gauss(coverage, 0.05)))
        served = round(planned * ratio)
        return "clap_deliveries", {
            "id": sim_id("D"),
            "clap_code": clap["code"],
            "territory_code": clap["territory_code"],
            "delivered_on": day,
            "families_planned": planned,
            "families_served": served,
            "bags": served,
            "kg": round(served * self.rng.uniform(12.0, 14.0), 1),
        }

    # -- projects and transfers -------------------------------------------------------------
    def progress(self, pools: Pools, now: datetime) -> Made:
        """A progress report of a running project: a few points more, sometimes the end."""
        if not pools.projects:
            return None
        project = self.rng.choice(pools.projects)
        progress = min(100.0, round(project["physical_progress"] + self.rng.uniform(3, 9), 1))
        status = "culminado" if progress >= 100 else "en_ejecucion"
        if status == "en_ejecucion" and self.rng.random() < 0.04:
            status, progress = "paralizado", project["physical_progress"]
        project.update(physical_progress=progress, status=status)
        if status != "en_ejecucion":
            pools.projects.remove(project)
        fields = (
            "id", "circuito_code", "comuna_code", "consulta", "title", "category",
            "transformation", "approved_usd", "status", "physical_progress", "started_on",
            "due_on",
        )  # fmt: skip
        record = {k: project[k] for k in fields if project.get(k) is not None}
        return "projects", {**record, "updated_at": now}

    def transfer(self, pools: Pools, now: datetime) -> Made:
        """A tranche for a running project, through the communal bank it already uses."""
        funded = [p for p in pools.projects[:200] if p.get("bank")]
        if not funded:
            return None
        project = self.rng.choice(funded)
        share = self.rng.choice((0.4, 0.4, 0.6, 1.0))
        return "transfers", {
            "id": sim_id("T"),
            "project_id": project["id"],
            "amount_usd": round(max(0.01, float(project["approved_usd"]) * share), 2),
            "bank": project["bank"],
            "transferred_at": now,
        }
