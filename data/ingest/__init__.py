"""The single write path of the Sala: API, CSV importer and simulator all call :func:`ingest`.

A batch is validated whole (shape, references, scope), then upserted in ONE transaction
that also bumps the dataset's data version; only after the commit is ONE event published
on the bus, so a screen never hears about data it cannot read yet.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from core.timeutil import utcnow
from data.bus import get_bus
from data.ingest.gcpause import PAUSE_ABOVE, PAUSE_ABOVE_BYTES, collector_paused
from data.ingest.schemas import (
    DATASETS,
    MAX_RECORDS,
    MODELS,
    Parsed,
    RecordError,
    parse_json_items,
    parse_records,
    parse_valid_json,
)
from data.ingest.validate import BatchValidator
from data.ingest.write import ConcurrentWrite, Writer
from data.scope import NATIONAL, OutOfScope, Scope

log = logging.getLogger(__name__)

__all__ = [
    "DATASETS",
    "MAX_RECORDS",
    "MODELS",
    "IngestResult",
    "IngestValidationError",
    "MalformedBody",
    "OutOfScope",
    "RecordsOutOfScope",
    "UnknownDataset",
    "ingest",
    "ingest_json",
    "ingest_stream",
]

T = TypeVar("T")
RETRIES = 8
RETRY_BASE_S = 0.005
RETRY_SQLSTATES = {"40001", "40P01"}  # serialization failure, deadlock detected


class UnknownDataset(LookupError):
    """The dataset name is not one of :data:`DATASETS`."""


class MalformedBody(ValueError):
    """The request body is not JSON at all (HTTP 400)."""


class IngestValidationError(ValueError):
    """Some records are invalid; nothing was stored. ``errors``: index, field, message."""

    def __init__(self, errors: list[RecordError]) -> None:
        super().__init__(f"{len(errors)} errores de validación")
        self.errors = errors


class RecordsOutOfScope(OutOfScope):
    """Some records lie outside the caller's territory; nothing was stored."""

    def __init__(self, errors: list[RecordError]) -> None:
        super().__init__(f"{len(errors)} registros fuera del ámbito")
        self.errors = errors


@dataclass(frozen=True)
class IngestResult:
    dataset: str
    received: int
    inserted: int
    updated: int
    unchanged: int
    event: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        """The 200 body of ``POST /api/v1/ingest/{dataset}``."""
        return {
            "dataset": self.dataset,
            "received": self.received,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


def _check_dataset(dataset: str) -> None:
    if dataset not in MODELS:
        raise UnknownDataset(dataset)


def _check_size(n: int) -> None:
    if not 1 <= n <= MAX_RECORDS:
        raise IngestValidationError(
            [
                {
                    "index": None,
                    "field": None,
                    "message": f"el lote debe tener entre 1 y {MAX_RECORDS:,} registros (tiene {n:,})".replace(
                        ",", "."
                    ),
                }
            ]
        )


def ingest(
    engine: Engine, dataset: str, records: Sequence[Any], scope: Scope = NATIONAL
) -> IngestResult:
    """Validate and store a batch of Python records (dicts); publish one event if it changed."""
    _check_dataset(dataset)
    _check_size(len(records))
    with collector_paused(len(records) > PAUSE_ABOVE):
        parsed, errors = parse_records(dataset, list(records))
        return _store(engine, dataset, parsed, errors, len(records), scope)


def ingest_json(engine: Engine, dataset: str, body: bytes, scope: Scope = NATIONAL) -> IngestResult:
    """Same as :func:`ingest` for a raw JSON body, validated strictly (the REST API)."""
    _check_dataset(dataset)
    with collector_paused(len(body) > PAUSE_ABOVE_BYTES):
        fast = parse_valid_json(dataset, body)
        if fast is not None and 1 <= len(fast) <= MAX_RECORDS:  # the usual case: one pass
            return _store(engine, dataset, fast, [], len(fast), scope)
    try:
        items = json.loads(body)
    except json.JSONDecodeError as exc:
        raise MalformedBody(
            f"el cuerpo no es JSON válido (línea {exc.lineno}, columna {exc.colno})"
        ) from exc
    except (ValueError, RecursionError) as exc:  # bad UTF-8, absurd nesting
        raise MalformedBody("el cuerpo no es JSON válido (codificación o anidamiento)") from exc
    if not isinstance(items, list):
        raise IngestValidationError(
            [
                {
                    "index": None,
                    "field": None,
                    "message": "el cuerpo debe ser una lista JSON de registros",
                }
            ]
        )
    _check_size(len(items))
    parsed, errors = parse_json_items(dataset, body, items)
    return _store(engine, dataset, parsed, errors, len(items), scope)


def ingest_stream(
    engine: Engine,
    dataset: str,
    chunks: Callable[[], Iterator[list[Any]]],
    scope: Scope = NATIONAL,
    progress: Callable[[str, int], None] | None = None,
) -> IngestResult:
    """Store a large batch (a CSV file) that arrives as chunks, all or nothing.

    ``chunks()`` must yield the same chunks each time it is called: the first pass validates
    everything (nothing is written if any record is bad), the second writes every chunk;
    both run in ONE transaction, so the file is stored whole or not at all.
    """
    _check_dataset(dataset)
    say = progress or (lambda _stage, _n: None)

    def attempt(session: Session) -> tuple[Writer, int]:
        validator = BatchValidator(session, dataset, scope)
        writer = Writer(session, dataset, scope)
        errors: list[RecordError] = []
        refused: list[RecordError] = []
        received = 0
        for chunk in chunks():
            parsed, shape_errors = parse_records(dataset, chunk, first_index=received)
            prepared, ref_errors = validator.check(parsed)
            _, foreign = writer.lock(prepared)
            errors += shape_errors + ref_errors
            refused += foreign
            received += len(chunk)
            say("validados", len(chunk))
        refused = _one_per_record(validator.out_of_scope + refused)
        if refused:
            raise RecordsOutOfScope(refused)
        if received == 0:
            errors.append({"index": None, "field": None, "message": "no hay registros"})
        if errors:
            raise IngestValidationError(_sorted(errors))
        validator, done = BatchValidator(session, dataset, scope), 0
        for chunk in chunks():
            parsed, _ = parse_records(dataset, chunk, first_index=done)
            prepared, _ = validator.check(parsed)
            stored, _ = writer.lock(prepared)  # already ours: this reads them again
            writer.write(prepared, stored)
            done += len(chunk)
            say("guardados", len(chunk))
        writer.finish()
        return writer, received

    writer, received = in_transaction(engine, attempt)
    return _result(dataset, received, writer)


def _store(
    engine: Engine,
    dataset: str,
    parsed: Parsed,
    errors: list[RecordError],
    received: int,
    scope: Scope,
) -> IngestResult:
    def attempt(session: Session) -> Writer:
        validator = BatchValidator(session, dataset, scope)
        prepared, ref_errors = validator.check(parsed)
        writer = Writer(session, dataset, scope)
        stored, foreign = writer.lock(prepared)
        refused = _one_per_record(validator.out_of_scope + foreign)
        if refused:
            raise RecordsOutOfScope(refused)
        if errors or ref_errors:
            raise IngestValidationError(_sorted(errors + ref_errors))
        writer.write(prepared, stored)
        writer.finish()
        return writer

    writer = in_transaction(engine, attempt)
    return _result(dataset, received, writer)


def in_transaction(engine: Engine, work: Callable[[Session], T]) -> T:
    """Run ``work`` in one write transaction; retry it when it collided with another batch.

    On SQLite the transaction takes the database's write lock first (``BEGIN IMMEDIATE``),
    so what it reads stays true until it commits. On PostgreSQL a collision is a deadlock,
    a serialization failure, a key inserted by a concurrent batch (:class:`ConcurrentWrite`)
    or a unique violation from one; each is retried after a short random pause and never
    reaches the caller as "database unavailable" unless it keeps happening.
    """
    for attempt in range(1, RETRIES + 1):
        try:
            with Session(engine, expire_on_commit=False) as session, session.begin():
                if engine.dialect.name == "sqlite":
                    session.execute(text("BEGIN IMMEDIATE"))
                return work(session)
        except (ConcurrentWrite, IntegrityError, OperationalError) as exc:
            if not _collision(exc) or attempt == RETRIES:
                raise
            log.info(
                "ingesta: choque con otro lote concurrente (%s), reintento %d", _why(exc), attempt
            )
            time.sleep(random.uniform(0, RETRY_BASE_S * 2**attempt))
    raise AssertionError("unreachable")


def _collision(exc: Exception) -> bool:
    """True for the errors two concurrent batches cause (retrying resolves them)."""
    if isinstance(exc, ConcurrentWrite):
        return True
    orig = getattr(exc, "orig", None)
    if isinstance(exc, IntegrityError):  # a unique key taken by a concurrent batch
        return getattr(orig, "sqlstate", None) == "23505" or "UNIQUE" in str(orig)
    return getattr(orig, "sqlstate", None) in RETRY_SQLSTATES


def _why(exc: Exception) -> str:
    if isinstance(exc, ConcurrentWrite):
        return "clave insertada a la vez"
    return type(getattr(exc, "orig", exc)).__name__


def _one_per_record(errors: list[RecordError]) -> list[RecordError]:
    """The first scope error of each record: a record refused for its new territory and
    for its stored one gets the same single answer as one refused for either."""
    seen: set[Any] = set()
    out = []
    for error in _sorted(errors):
        if error["index"] not in seen:
            seen.add(error["index"])
            out.append(error)
    return out


def _sorted(errors: Iterable[RecordError]) -> list[RecordError]:
    return sorted(errors, key=lambda e: (e["index"] is None, e["index"] or 0))


def _result(dataset: str, received: int, writer: Writer) -> IngestResult:
    event = None
    if writer.changed:
        event = {
            "type": "ingest",
            "dataset": dataset,
            "received": received,
            "inserted": writer.inserted,
            "updated": writer.updated,
            "unchanged": writer.unchanged,
            "at": utcnow().isoformat(),
            "estados": sorted(writer.estados),
            "items": writer.items,
        }
        publish(event)
    return IngestResult(dataset, received, writer.inserted, writer.updated, writer.unchanged, event)


def publish(event: dict[str, Any]) -> None:
    """Announce a committed change; a bus failure is logged, never undoes the commit."""
    try:
        get_bus().publish(event)
    except Exception:  # the data is stored; screens catch up through their poll
        log.exception("no se pudo publicar el evento de ingesta en el bus")
