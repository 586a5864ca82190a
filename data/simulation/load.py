"""Load for benchmarks and soak tests: ``n`` records per tick in a fixed mix.

Not believable (at 200 records/s a demo inflates within minutes) and not meant to be: it
stresses the write path, the bus and the screens. The demo uses
:mod:`data.simulation.realistic`.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.timeutil import CARACAS, caracas_date, utcnow
from data.ingest import IngestResult
from data.seed.facts import Picker
from data.seed.names import HOURS
from data.simulation.batches import write_batches
from data.simulation.pools import Pools, load_pools
from data.simulation.records import Made, RecordMaker

POOL_TTL_S = 300.0
# Share of each kind of event in the mix (incidents are further shaped by the hour).
MIX = {
    "case_new": 0.30,
    "case_step": 0.22,
    "incident": 0.20,
    "clap": 0.16,
    "progress": 0.08,
    "transfer": 0.04,
}
NEXT_STATUS = {"recibido": "asignado", "asignado": "en_atencion", "en_atencion": "resuelto"}


class LoadSimulator:
    """Generates and ingests ``n`` records per :meth:`tick`."""

    def __init__(self, engine: Engine, seed: int | None = None) -> None:
        self.engine = engine
        self.rng = random.Random(seed)
        self.maker = RecordMaker(self.rng)
        self.pools = Pools()
        self.totals: Counter[str] = Counter()
        general = HOURS["general"]
        mean = sum(general) / len(general)
        # incidents follow the hour of day (quiet mornings, evening and night peaks)
        self.kinds = [
            Picker(
                list(MIX),
                [w * (general[h] / mean if k == "incident" else 1) for k, w in MIX.items()],
            )
            for h in range(24)
        ]

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
        made = [self._one(now) for _ in range(n)]
        return write_batches(self.engine, made, self.totals)

    def _one(self, now: datetime) -> Made:
        kind = self.kinds[now.astimezone(CARACAS).hour].pick(self.rng)
        pools, maker = self.pools, self.maker
        if kind == "case_new":
            return maker.new_case(pools, now)
        if kind == "case_step":
            waiting = [s for s in NEXT_STATUS if pools.cases.get(s)]
            if not waiting:
                return maker.new_case(pools, now)
            status = NEXT_STATUS[self.rng.choice(waiting)]
            if status == "asignado" and self.rng.random() < 0.04:
                status = "rechazado"
            return maker.case_step(pools, status, now)
        if kind == "incident":
            return maker.incident(pools, now)
        if kind == "clap":
            return maker.clap_delivery(pools, caracas_date(now), 0.9)
        if kind == "progress":
            return maker.progress(pools, now)
        return maker.transfer(pools, now)
