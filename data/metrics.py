"""The ``/metrics`` gauges that live in the database, read when Prometheus scrapes.

Data freshness (seconds since each dataset last received a record, from the data versions
that every write bumps) and alerts by level and state. Importing this module registers
them (see :func:`core.metrics.register_scrape_gauge`).
"""

from __future__ import annotations

from sqlalchemy import case, func, select

from core.metrics import register_scrape_gauge
from core.timeutil import utcnow
from data.db import get_engine, session_scope
from data.models import Alert, DataVersion
from data.versions import DATASETS

FACT_DATASETS = tuple(d for d in DATASETS if d != "alerts")


def data_age() -> dict[tuple[str, ...], float]:
    """Seconds since the last write of each dataset that was ever written."""
    now = utcnow()
    with session_scope(get_engine()) as session:
        rows = session.execute(select(DataVersion.dataset, DataVersion.updated_at)).all()
    return {
        (dataset,): max(0.0, (now - at).total_seconds())
        for dataset, at in rows
        if dataset in FACT_DATASETS and at is not None
    }


def alert_counts() -> dict[tuple[str, ...], float]:
    """Alerts not yet resolved, by level and state (``open`` or ``acknowledged``)."""
    state = case((Alert.acknowledged_at.is_(None), "open"), else_="acknowledged")
    stmt = (
        select(Alert.level, state, func.count())
        .where(Alert.resolved_at.is_(None))
        .group_by(Alert.level, state)
    )
    with session_scope(get_engine()) as session:
        rows = session.execute(stmt).all()
    return {(str(level), str(st)): float(n) for level, st, n in rows}


register_scrape_gauge(
    "sala_data_age_seconds",
    "Segundos desde el último registro recibido de cada conjunto de datos.",
    ("dataset",),
    data_age,
)
register_scrape_gauge(
    "sala_alerts",
    "Alertas sin resolver por nivel y estado (open, acknowledged).",
    ("level", "state"),
    alert_counts,
)
