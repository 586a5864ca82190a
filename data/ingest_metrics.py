"""Measure every batch of the single write path: ``/metrics`` counters and one log line.

The callers (API, CSV importer, simulator) wrap the entry point they already call::

    result = observed(ingest_json)(engine, dataset, body, scope)

so the write path itself (``data/ingest``) stays free of instrumentation. An accepted batch
counts its records as inserted/updated/unchanged (their sum is the number received); a batch
refused for bad records (422) or records outside the token's territory (403) counts every
record it carried as ``rejected``.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Callable
from typing import Any, ParamSpec

from core.metrics import observe_ingest
from data.ingest import IngestResult, IngestValidationError, RecordsOutOfScope

log = logging.getLogger("sala.ingest")
P = ParamSpec("P")


def received_in(batch: Any) -> int:
    """How many records a refused batch carried: a list, a JSON body or a CSV's chunks."""
    if isinstance(batch, list | tuple):
        return len(batch)
    if isinstance(batch, bytes | bytearray | str):
        try:
            items = json.loads(batch)
        except ValueError:
            return 0
        return len(items) if isinstance(items, list) else 0
    if callable(batch):  # ingest_stream's chunks(): read again, only after a refusal
        try:
            return sum(len(chunk) for chunk in batch())
        except Exception:
            return 0
    return 0


def _batch_kwarg(kwargs: dict[str, Any]) -> Any:
    return next((kwargs[k] for k in ("records", "body", "chunks") if k in kwargs), None)


def observed(entry: Callable[P, IngestResult]) -> Callable[P, IngestResult]:
    """``entry`` (``ingest``, ``ingest_json`` or ``ingest_stream``), counted, timed and logged.

    Its arguments are ``(engine, dataset, batch, ...)`` as in :mod:`data.ingest`."""

    @functools.wraps(entry)
    def measured(*args: P.args, **kwargs: P.kwargs) -> IngestResult:
        dataset = str(args[1] if len(args) > 1 else kwargs.get("dataset"))
        start = time.perf_counter()
        try:
            result = entry(*args, **kwargs)
        except (IngestValidationError, RecordsOutOfScope) as exc:
            seconds = time.perf_counter() - start
            batch = args[2] if len(args) > 2 else _batch_kwarg(kwargs)
            n = received_in(batch)
            observe_ingest(dataset, {"rejected": n}, seconds, accepted=False)
            log.info(
                "lote de ingesta rechazado",
                extra={
                    "dataset": dataset,
                    "received": n,
                    "rejected": n,
                    "reason": "fuera_de_ambito"
                    if isinstance(exc, RecordsOutOfScope)
                    else "invalido",
                    "errors": len(exc.errors),
                    "duration_ms": round(seconds * 1000, 1),
                },
            )
            raise
        seconds = time.perf_counter() - start
        counts = {
            "inserted": result.inserted,
            "updated": result.updated,
            "unchanged": result.unchanged,
        }
        observe_ingest(result.dataset, counts, seconds)
        log.info(
            "lote de ingesta",
            extra={
                "dataset": result.dataset,
                "received": result.received,
                **counts,
                "duration_ms": round(seconds * 1000, 1),
            },
        )
        return result

    return measured
