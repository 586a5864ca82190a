"""The ``/metrics`` gauges that live in the database, read when Prometheus scrapes.

Data freshness (seconds since each dataset last received a record, from the data versions
that every write bumps) and alerts by level and state. Importing this module registers
them (see :func:`core.metrics.register_scrape_gauge`).
"""

from __future__ import annotations

from sqlalchemy import select

from core.metrics import register_scrape_gauge
from core.timeutil import utcnow
from data.db import get_engine, session_scope
from data.models import DataVersion
from data.queries.alerts import counts_by_level_state
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
    """Unresolved alerts by level and state (``abierta`` or ``reconocida``), every pair."""
    with session_scope(get_engine()) as session:
        rows = counts_by_level_state(session, None)
    return {
        (str(row["level"]), row["state"]): float(row["n"])
        for row in rows
        if row["state"] != "resuelta"
    }


register_scrape_gauge(
    "sala_data_age_seconds",
    "Segundos desde el último registro recibido de cada conjunto de datos.",
    ("dataset",),
    data_age,
)
register_scrape_gauge(
    "sala_alerts",
    "Alertas sin resolver por nivel y estado (abierta, reconocida).",
    ("level", "state"),
    alert_counts,
)
