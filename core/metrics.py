"""Prometheus metrics of the Sala, the same on one process or on N uvicorn workers.

With several workers (``manage.py serve --workers N`` or the systemd unit) every worker writes
its samples to files in ``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's multiprocess mode)
and ``/metrics``, answered by any worker, adds them all up: counters and histograms are summed,
the gauges of live things (push screens, pool connections) are summed over the workers still
alive. Without that variable (one process: ``make run``, tests) the in-process registry is used.

Values that live in the database (data freshness, alerts) are read when Prometheus scrapes, by
the functions given to :func:`register_scrape_gauge`, so they never disagree between workers.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

log = logging.getLogger("sala.metrics")

CONTENT_TYPE = CONTENT_TYPE_LATEST
INGEST_OUTCOMES = ("inserted", "updated", "unchanged", "rejected")


def multiprocess_dir() -> str | None:
    """The directory of the multiprocess mode, or None in single-process mode."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip() or None


HTTP_DURATION = Histogram(
    "sala_http_request_duration_seconds",
    "Duración de las peticiones HTTP, por plantilla de ruta y estado.",
    ["route", "status"],
)
INGEST_RECORDS = Counter(
    "sala_ingest_records",
    "Registros recibidos por la ingesta, por conjunto y resultado "
    "(inserted, updated, unchanged; rejected: lotes rechazados con 422/403).",
    ["dataset", "outcome"],
)
INGEST_BATCH = Histogram(
    "sala_ingest_batch_duration_seconds",
    "Duración de un lote de ingesta (validación + escritura), por conjunto y resultado.",
    ["dataset", "result"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
PUSH_CONNECTIONS = Gauge(
    "sala_push_connections",
    "Pantallas (pestañas) conectadas al empuje en vivo, sumadas en todos los workers.",
    multiprocess_mode="livesum",
)
BUS_LAG = Histogram(
    "sala_bus_lag_seconds",
    "Retraso entre la publicación de un evento y su lectura por el hub de un worker.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
DB_POOL_IN_USE = Gauge(
    "sala_db_pool_in_use",
    "Conexiones a la base de datos prestadas ahora, sumadas en todos los workers.",
    multiprocess_mode="livesum",
)
DB_POOL_CAPACITY = Gauge(
    "sala_db_pool_capacity",
    "Conexiones que los pools pueden prestar como máximo (tamaño + desborde), sumadas.",
    multiprocess_mode="livesum",
)


def observe_ingest(
    dataset: str, counts: Mapping[str, int], seconds: float, accepted: bool = True
) -> None:
    """Count a batch's records by outcome and time it (``counts``: outcome → records)."""
    for outcome, n in counts.items():
        if n:
            INGEST_RECORDS.labels(dataset, outcome).inc(n)
    INGEST_BATCH.labels(dataset, "accepted" if accepted else "rejected").observe(seconds)


# --- values read at scrape time ---------------------------------------------------------


@dataclass(frozen=True)
class ScrapeGauge:
    name: str
    documentation: str
    labels: tuple[str, ...]
    read: Callable[[], Mapping[tuple[str, ...], float]]


_scrape_gauges: dict[str, ScrapeGauge] = {}


def register_scrape_gauge(
    name: str,
    documentation: str,
    labels: Iterable[str],
    read: Callable[[], Mapping[tuple[str, ...], float]],
) -> None:
    """Expose a gauge computed when ``/metrics`` is scraped.

    ``read()`` returns ``{(label values…): value}``; it runs in the scraping worker, so it must
    read shared state (the database, Redis), never per-process memory. Registering the same
    name again replaces it. Example (alerts)::

        register_scrape_gauge("sala_alerts", "Alertas por nivel y estado.",
                              ("level", "state"), count_alerts)
    """
    _scrape_gauges[name] = ScrapeGauge(name, documentation, tuple(labels), read)


class _ScrapeCollector(Collector):
    def collect(self) -> Iterable[Metric]:
        for gauge in list(_scrape_gauges.values()):
            family = GaugeMetricFamily(gauge.name, gauge.documentation, labels=gauge.labels)
            try:
                values = gauge.read()
            except Exception:  # one broken source must not hide every other metric
                log.warning("métrica %s: no se pudo leer", gauge.name, exc_info=True)
                continue
            for label_values, value in sorted(values.items()):
                family.add_metric(list(label_values), float(value))
            yield family


class _DefaultRegistry(Collector):
    """The process's own registry, when there is no multiprocess directory."""

    def collect(self) -> Iterable[Metric]:
        yield from REGISTRY.collect()


def mark_dead_workers(directory: str) -> None:
    """Drop the live gauges of workers that no longer exist (a crashed or replaced worker).

    uvicorn restarts a dead worker under a new pid; without this its last values (say, ten
    push screens) would be counted forever."""
    from prometheus_client import multiprocess

    pids = set()
    for path in Path(directory).glob("gauge_live*_*.db"):
        pid = path.stem.rsplit("_", 1)[-1]
        if pid.isdigit():
            pids.add(int(pid))
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            multiprocess.mark_process_dead(pid, directory)
        except PermissionError:
            pass  # alive, another user's


def render() -> bytes:
    """The text exposition of every metric, as ``/metrics`` serves it."""
    registry = CollectorRegistry()
    directory = multiprocess_dir()
    if directory:
        from prometheus_client import multiprocess

        mark_dead_workers(directory)
        multiprocess.MultiProcessCollector(registry, path=directory)
    else:
        registry.register(_DefaultRegistry())
    registry.register(_ScrapeCollector())
    return generate_latest(registry)
