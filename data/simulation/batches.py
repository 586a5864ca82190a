"""Made records into ingest batches: one batch per dataset, one record per key."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Engine

from data.ingest import IngestResult, ingest
from data.ingest_metrics import observed
from data.simulation.records import Made


def write_batches(
    engine: Engine, made: list[Made], totals: Counter[str]
) -> dict[str, IngestResult]:
    """Ingest the made records, one batch per dataset; a record made twice (a case moved
    twice in one tick) goes out once, in its last state (one record per key per batch)."""
    batches: dict[str, dict[str, dict]] = {}
    for item in made:
        if item:
            dataset, record = item
            batches.setdefault(dataset, {})[record.get("id") or record.get("code")] = record
    results = {}
    for dataset, by_key in batches.items():
        result = observed(ingest)(engine, dataset, list(by_key.values()))
        results[dataset] = result
        totals["records"] += result.received
        totals["inserted"] += result.inserted
        totals["updated"] += result.updated
    return results
