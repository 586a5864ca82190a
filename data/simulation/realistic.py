"""The believable demo: field data at the rates the stored history has at this hour.

Each step draws, for every kind of event, a Poisson count with the history's expected rate
for the current Caracas hour (new 1x10 cases and each status change, incidents, transfers,
progress reports) and CLAP deliveries during the working day at the history's daily volume
(more near the month-end close, as in the seed). New records arrive at the pace the old ones
did and cases are resolved at the pace they were, so the headline figures keep their level.

A :class:`Surge` multiplies one area inside one territory (incidents, more severe; new
cases of one category; poorly covered CLAP deliveries) to demonstrate the alerts.
"""

from __future__ import annotations

import calendar
import logging
import random
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.timeutil import CARACAS, caracas_date, utcnow
from data.ingest import IngestResult
from data.scope import get_territory
from data.simulation.batches import write_batches
from data.simulation.pools import Pools, load_pools
from data.simulation.rates import CASE_STEPS, Rates, deliveries_on, history_rates
from data.simulation.records import Made, RecordMaker

log = logging.getLogger(__name__)

POOL_TTL_S = 300.0
RATES_TTL_S = 3600.0
CLAP_HOURS = range(8, 18)  # deliveries happen in the working day (Caracas)
CLAP_RECOUNT_S = 60.0
SURGE_AREAS = ("incidentes", "casos", "clap")


@dataclass(frozen=True)
class Surge:
    """``factor`` times the national rate of ``area``, all of it inside ``territory``."""

    area: str
    territory: str
    factor: float = 10.0


def month_end_weight(day) -> float:
    """The share of a month's CLAP deliveries on ``day`` relative to an average day: the
    seed triples the last eight days of the month (the cycle closes then)."""
    days = calendar.monthrange(day.year, day.month)[1]
    weights = [3.0 if d > days - 8 else 1.0 for d in range(1, days + 1)]
    return weights[day.day - 1] * days / sum(weights)


class RealisticSimulator:
    """Steps the demo forward: :meth:`step` writes what happens in ``seconds`` at ``now``."""

    def __init__(self, engine: Engine, seed: int | None = None, surge: Surge | None = None):
        self.engine = engine
        self.rng = random.Random(seed)
        self.draws = np.random.default_rng(seed)
        self.maker = RecordMaker(self.rng)
        self.surge = surge
        self.pools = Pools()
        self.rates = Rates()
        self.rates_at = float("-inf")
        self.totals: Counter[str] = Counter()
        self.surge_pools = Pools()
        self._clap_today: tuple[object, int, float] = (None, 0, 0.0)  # day, count, checked

    def _refresh(self, now: datetime) -> None:
        fresh = time.monotonic()
        if self.pools.empty or fresh - self.pools.loaded_at > POOL_TTL_S:
            with Session(self.engine) as session:
                self.pools = load_pools(session, self.rng)
                if self.surge:
                    ref = get_territory(session, self.surge.territory)
                    self.surge_pools = load_pools(session, self.rng, ref)
        if fresh - self.rates_at > RATES_TTL_S:
            with Session(self.engine) as session:
                self.rates = history_rates(session, now)
            self.rates_at = fresh
            log.info("simulador: ritmos leídos de la historia hasta %s", self.rates.anchor)

    def ready(self, now: datetime | None = None) -> bool:
        self._refresh(now or utcnow())
        return not self.pools.empty

    def _count(self, per_second: float, seconds: float) -> int:
        return int(self.draws.poisson(per_second * seconds)) if per_second > 0 else 0

    def step(self, now: datetime, seconds: float) -> dict[str, IngestResult]:
        """Write what happens in the ``seconds`` that end at ``now``; one batch per dataset."""
        self._refresh(now)
        if self.pools.empty:
            return {}
        hour = now.astimezone(CARACAS).hour
        made: list[Made] = []
        pools, rates, maker = self.pools, self.rates, self.maker
        for _ in range(self._count(rates.per_second("case_new", hour), seconds)):
            made.append(maker.new_case(pools, now))
        for status in CASE_STEPS:
            for _ in range(self._count(rates.per_second(status, hour), seconds)):
                made.append(maker.case_step(pools, status, now))
        for _ in range(self._count(rates.per_second("incident", hour), seconds)):
            made.append(maker.incident(pools, now))
        for _ in range(self._count(rates.per_second("progress", hour), seconds)):
            made.append(maker.progress(pools, now))
        for _ in range(self._count(rates.per_second("transfer", hour), seconds)):
            made.append(maker.transfer(pools, now))
        day = caracas_date(now)
        clap = self._count(self._clap_per_second(hour, day), seconds)
        for _ in range(min(clap, self._clap_missing(now))):
            made.append(maker.clap_delivery(pools, day, rates.clap_coverage))
            self._clap_today = (day, self._clap_today[1] + 1, self._clap_today[2])
        made += self._surge(now, hour, seconds)
        return write_batches(self.engine, made, self.totals)

    def _clap_missing(self, now: datetime) -> int:
        """Deliveries still due today by ``now``: the seed dates a whole day's deliveries at
        once, so the simulator only tops today up to the day's usual curve."""
        day = caracas_date(now)
        checked, fresh = self._clap_today[2], time.monotonic()
        if self._clap_today[0] != day or fresh - checked > CLAP_RECOUNT_S:
            with Session(self.engine) as session:
                self._clap_today = (day, deliveries_on(session, day), fresh)
        local = now.astimezone(CARACAS)
        worked = min(max(local.hour + local.minute / 60 - CLAP_HOURS.start, 0), len(CLAP_HOURS))
        due = self.rates.clap_per_day * month_end_weight(day) * worked / len(CLAP_HOURS)
        return max(0, round(due) - self._clap_today[1])

    def _clap_per_second(self, hour: int, day, rate: float | None = None) -> float:
        if hour not in CLAP_HOURS:
            return 0.0
        per_day = self.rates.clap_per_day if rate is None else rate
        return per_day * month_end_weight(day) / (len(CLAP_HOURS) * 3600)

    def _surge(self, now: datetime, hour: int, seconds: float) -> list[Made]:
        surge, pools = self.surge, self.surge_pools
        if surge is None:
            return []
        rates, maker = self.rates, self.maker
        if surge.area == "incidentes":
            n = self._count(surge.factor * rates.per_second("incident", hour), seconds)
            return [maker.incident(pools, now, worse=1) for _ in range(n)]
        if surge.area == "casos":
            n = self._count(surge.factor * rates.per_second("case_new", hour), seconds)
            return [maker.new_case(pools, now, category="agua") for _ in range(n)]
        day = caracas_date(now)
        n = self._count(
            self._clap_per_second(hour, day, surge.factor * rates.clap_per_day), seconds
        )
        return [maker.clap_delivery(pools, day, 0.45) for _ in range(n)]
