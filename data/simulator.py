"""The live simulator: a realistic trickle of field data so the wall moves in the demo.

It writes through :func:`data.ingest.ingest`, the same path as the API, so every simulated
record is validated, versioned and announced on the bus like a real one. It picks existing
territories, cuadrantes, CLAP committees, open cases and running projects from the database
(small pools, refreshed every few minutes) and emits a mix of: CLAP deliveries, 1x10 cases
opening and moving through their statuses, incidents weighted by the hour of day in
Caracas, project progress updates and bank transfers.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.timeutil import CARACAS, caracas_date, utcnow
from data.ingest import IngestResult, ingest
from data.ingest_metrics import observed
from data.models import CitizenCase, ClapCommittee, Cuadrante, Project, Territory

log = logging.getLogger(__name__)

POOL_SIZE = 400
POOL_TTL_S = 300.0

# Share of each kind of event in the mix (incidents are further shaped by the hour).
MIX = {
    "case_new": 0.30,
    "case_step": 0.22,
    "incident": 0.20,
    "clap": 0.16,
    "project": 0.08,
    "transfer": 0.04,
}
# Relative incident frequency per Caracas hour (quiet mornings, evening and night peaks).
HOUR_WEIGHT = (
    1.3, 1.1, 0.9, 0.7, 0.5, 0.4, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9,
    0.9, 0.9, 1.0, 1.0, 1.1, 1.2, 1.4, 1.6, 1.7, 1.7, 1.6, 1.5,
)  # fmt: skip
INCIDENT_TYPES = {
    "robo": 22, "hurto": 25, "lesiones": 10, "riña": 9, "accidente de tránsito": 12,
    "alteración del orden": 8, "violencia de género": 5, "drogas": 4, "extorsión": 2,
    "homicidio": 1, "secuestro": 0.5, "otro": 6,
}  # fmt: skip
CASE_CATEGORIES = {
    "agua": 20, "electricidad": 16, "gas": 10, "vialidad": 9, "salud": 8, "ayuda médica": 6,
    "alimentación": 6, "telecomunicaciones": 6, "educación": 4, "vivienda": 5, "seguridad": 4,
    "defensa": 1, "alteración del orden": 2, "otros": 3,
}  # fmt: skip
INSTITUTIONS = {
    "agua": "Hidrocapital",
    "electricidad": "Corpoelec",
    "gas": "PDVSA Gas Comunal",
    "vialidad": "Ministerio de Transporte",
    "salud": "Ministerio de Salud",
    "ayuda médica": "Ministerio de Salud",
    "alimentación": "CLAP",
    "telecomunicaciones": "CANTV",
    "educación": "Ministerio de Educación",
    "vivienda": "Gran Misión Vivienda Venezuela",
    "seguridad": "Cuadrantes de Paz",
    "defensa": "Milicia Bolivariana",
}
NEXT_STATUS = {"recibido": "asignado", "asignado": "en_atencion", "en_atencion": "resuelto"}


def _weighted(rng: random.Random, table: dict[str, float]) -> str:
    return rng.choices(list(table), weights=list(table.values()))[0]


def _sim_id(prefix: str) -> str:
    return f"SIM-{prefix}-{uuid.uuid4().hex[:16]}"


@dataclass
class Pools:
    """The existing things the simulator writes about."""

    places: list[str] = field(default_factory=list)  # consejos comunales (or parroquias)
    cuadrantes: list[dict[str, Any]] = field(default_factory=list)
    claps: list[dict[str, Any]] = field(default_factory=list)
    open_cases: list[dict[str, Any]] = field(default_factory=list)
    projects: list[dict[str, Any]] = field(default_factory=list)
    loaded_at: float = 0.0

    @property
    def empty(self) -> bool:
        return not self.places


def load_pools(session: Session, rng: random.Random) -> Pools:
    """Small samples of what exists (bounded queries: cheap even on the national dataset)."""
    pools = Pools(loaded_at=time.monotonic())
    for level in ("consejo_comunal", "parroquia", "municipio", "estado"):
        pools.places = list(
            session.scalars(select(Territory.code).where(Territory.level == level).limit(2000))
        )
        if pools.places:
            break
    pools.cuadrantes = [
        dict(r._mapping)
        for r in session.execute(select(Cuadrante.code, Cuadrante.lat, Cuadrante.lon).limit(2000))
    ]
    pools.claps = [
        dict(r._mapping)
        for r in session.execute(
            select(ClapCommittee.code, ClapCommittee.territory_code, ClapCommittee.families).limit(
                2000
            )
        )
    ]
    case_cols = [
        CitizenCase.id,
        CitizenCase.territory_code,
        CitizenCase.category,
        CitizenCase.status,
        CitizenCase.institution,
        CitizenCase.reported_at,
    ]
    pools.open_cases = [
        dict(r._mapping)
        for r in session.execute(
            select(*case_cols)
            .where(CitizenCase.status.in_(tuple(NEXT_STATUS)))
            .order_by(CitizenCase.reported_at.desc())
            .limit(POOL_SIZE)
        )
    ]
    project_cols = [
        Project.id,
        Project.circuito_code,
        Project.comuna_code,
        Project.consulta,
        Project.title,
        Project.category,
        Project.transformation,
        Project.approved_usd,
        Project.status,
        Project.physical_progress,
        Project.started_on,
        Project.due_on,
    ]
    pools.projects = [
        dict(r._mapping)
        for r in session.execute(
            select(*project_cols)
            .where(Project.status.in_(("financiado", "en_ejecucion")))
            .limit(POOL_SIZE)
        )
    ]
    for pool in (pools.places, pools.cuadrantes, pools.claps):
        rng.shuffle(pool)
    return pools


class Simulator:
    """Generates and ingests a few records per :meth:`tick`."""

    def __init__(self, engine: Engine, seed: int | None = None) -> None:
        self.engine = engine
        self.rng = random.Random(seed)
        self.pools = Pools()
        self.totals: Counter[str] = Counter()

    def _refresh(self) -> None:
        if self.pools.empty or time.monotonic() - self.pools.loaded_at > POOL_TTL_S:
            with Session(self.engine) as session:
                self.pools = load_pools(session, self.rng)

    def ready(self) -> bool:
        """True when the database has territories to simulate on."""
        self._refresh()
        return not self.pools.empty

    def tick(self, n: int, now: datetime | None = None) -> dict[str, IngestResult]:
        """Emit ``n`` records (grouped into one ingest call per dataset)."""
        self._refresh()
        if self.pools.empty or n <= 0:
            return {}
        now = now or utcnow()
        batches: dict[str, list[dict[str, Any]]] = {}
        for _ in range(n):
            made = self._one(now)
            if made:
                batches.setdefault(made[0], []).append(made[1])
        results = {}
        for dataset, records in batches.items():
            result = observed(ingest)(self.engine, dataset, records)
            results[dataset] = result
            self.totals["records"] += result.received
            self.totals["inserted"] += result.inserted
            self.totals["updated"] += result.updated
        return results

    def _one(self, now: datetime) -> tuple[str, dict[str, Any]] | None:
        weights = dict(MIX)
        weights["incident"] *= HOUR_WEIGHT[now.astimezone(CARACAS).hour]
        kind = _weighted(self.rng, weights)
        make: Callable[[datetime], tuple[str, dict[str, Any]] | None] = getattr(self, f"_{kind}")
        return make(now)

    # -- one generator per kind of event ------------------------------------------------
    def _case_new(self, now: datetime) -> tuple[str, dict[str, Any]]:
        category = _weighted(self.rng, CASE_CATEGORIES)
        case = {
            "id": _sim_id("C"),
            "territory_code": self.rng.choice(self.pools.places),
            "category": category,
            "status": "recibido",
            "institution": INSTITUTIONS.get(category),
            "reported_at": now,
        }
        self.pools.open_cases.append(case)
        if len(self.pools.open_cases) > POOL_SIZE:
            self.pools.open_cases.pop(0)
        return "cases", self._case_record(case, now)

    def _case_step(self, now: datetime) -> tuple[str, dict[str, Any]] | None:
        if not self.pools.open_cases:
            return self._case_new(now)
        case = self.pools.open_cases.pop(self.rng.randrange(len(self.pools.open_cases)))
        if case["reported_at"] > now:  # seeded "future" rows: leave them alone
            return None
        status = "rechazado" if self.rng.random() < 0.04 else NEXT_STATUS[case["status"]]
        case = {**case, "status": status}
        if status in ("asignado", "en_atencion"):
            self.pools.open_cases.append(case)
        return "cases", self._case_record(case, now)

    @staticmethod
    def _case_record(case: dict[str, Any], now: datetime) -> dict[str, Any]:
        record = {
            "id": case["id"],
            "territory_code": case["territory_code"],
            "category": case["category"],
            "status": case["status"],
            "reported_at": case["reported_at"],
            "updated_at": now,
        }
        if case.get("institution"):
            record["institution"] = case["institution"]
        if case["status"] == "resuelto":  # a rejected case was never resolved (as in the seed)
            record["resolved_at"] = now
        return record

    def _incident(self, now: datetime) -> tuple[str, dict[str, Any]] | None:
        if not self.pools.cuadrantes:
            return None
        q = self.rng.choice(self.pools.cuadrantes)
        record = {
            "id": _sim_id("I"),
            "cuadrante_code": q["code"],
            "type": _weighted(self.rng, INCIDENT_TYPES),
            "severity": self.rng.choices((1, 2, 3, 4, 5), weights=(30, 35, 20, 10, 5))[0],
            "occurred_at": now - timedelta(minutes=self.rng.randint(0, 20)),
        }
        if q.get("lat") is not None and q.get("lon") is not None:
            record["lat"] = max(-90.0, min(90.0, q["lat"] + self.rng.uniform(-0.01, 0.01)))
            record["lon"] = max(-180.0, min(180.0, q["lon"] + self.rng.uniform(-0.01, 0.01)))
        return "incidents", record

    def _clap(self, now: datetime) -> tuple[str, dict[str, Any]] | None:
        if not self.pools.claps:
            return None
        clap = self.rng.choice(self.pools.claps)
        planned = int(clap.get("families") or 0) or self.rng.randint(80, 400)
        served = int(planned * self.rng.uniform(0.7, 1.0))
        return "clap_deliveries", {
            "id": _sim_id("D"),
            "clap_code": clap["code"],
            "territory_code": clap["territory_code"],
            "delivered_on": caracas_date(now),
            "families_planned": planned,
            "families_served": served,
            "bags": served,
            "kg": round(served * self.rng.uniform(12.0, 14.0), 1),
        }

    def _project(self, now: datetime) -> tuple[str, dict[str, Any]] | None:
        if not self.pools.projects:
            return None
        project = self.rng.choice(self.pools.projects)
        progress = min(100.0, round(project["physical_progress"] + self.rng.uniform(1, 8), 1))
        status = "culminado" if progress >= 100 else "en_ejecucion"
        if status == "en_ejecucion" and self.rng.random() < 0.05:
            status, progress = "paralizado", project["physical_progress"]
        project.update(physical_progress=progress, status=status)
        if status != "en_ejecucion":
            self.pools.projects.remove(project)
        record = {k: v for k, v in project.items() if v is not None}
        return "projects", {**record, "updated_at": now}

    def _transfer(self, now: datetime) -> tuple[str, dict[str, Any]] | None:
        if not self.pools.projects:
            return None
        project = self.rng.choice(self.pools.projects)
        share = self.rng.choice((0.2, 0.25, 0.3, 0.5))
        return "transfers", {
            "id": _sim_id("T"),
            "project_id": project["id"],
            "amount_usd": round(max(0.01, float(project["approved_usd"]) * share), 2),
            "bank": f"Banco de la Comuna {project['circuito_code']}",
            "transferred_at": now,
        }


def run(
    engine: Engine,
    rate: float,
    duration_s: float | None = None,
    stop: threading.Event | None = None,
    report: Callable[[Simulator], None] | None = None,
    seed: int | None = None,
) -> Simulator:
    """Emit ``rate`` records per second until ``duration_s`` passes or ``stop`` is set.

    Records are grouped into one-second ticks (a few rows per ingest call keeps SQLite
    cheap). Errors are logged and the loop goes on.
    """
    sim = Simulator(engine, seed=seed)
    stop = stop or threading.Event()
    start = time.monotonic()
    carry = 0.0
    while not stop.is_set():
        if duration_s is not None and time.monotonic() - start >= duration_s:
            break
        tick_start = time.monotonic()
        carry += rate
        n, carry = int(carry), carry - int(carry)
        try:
            sim.tick(n)
        except Exception:
            log.exception("simulador: falló un ciclo; se sigue con el siguiente")
            sim.pools = Pools()  # reload next time: the database may have changed
        if report:
            report(sim)
        stop.wait(max(0.0, 1.0 - (time.monotonic() - tick_start)))
    return sim


class BackgroundSimulator:
    """The simulator on a daemon thread of the server, started and stopped by its lifespan."""

    def __init__(self, engine: Engine, rate: float) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._main, args=(engine, rate), name="sala-simulator", daemon=True
        )

    def _main(self, engine: Engine, rate: float) -> None:
        try:
            run(engine, rate, stop=self._stop)
        except Exception:  # never let the simulator take the server down
            log.exception("simulador: detenido por un error")

    def start(self) -> BackgroundSimulator:
        self._thread.start()
        log.info("simulador en marcha")
        return self

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout_s)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()
