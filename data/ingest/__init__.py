"""The single write path of the Sala: API, CSV importer and simulator all call :func:`ingest`.

A batch is validated whole (shape, references, scope), then upserted in ONE transaction
that also bumps the dataset's data version; only after the commit is ONE event published
on the bus, so a screen never hears about data it cannot read yet.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.timeutil import utcnow
from data.bus import get_bus
from data.ingest.schemas import (
    DATASETS,
    MAX_RECORDS,
    MODELS,
    Parsed,
    RecordError,
    parse_json_items,
    parse_records,
)
from data.ingest.validate import BatchValidator
from data.ingest.write import Writer
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
RETRIES = 3


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
    parsed, errors = parse_records(dataset, list(records))
    return _store(engine, dataset, parsed, errors, len(records), scope)


def ingest_json(engine: Engine, dataset: str, body: bytes, scope: Scope = NATIONAL) -> IngestResult:
    """Same as :func:`ingest` for a raw JSON body, validated strictly (the REST API)."""
    _check_dataset(dataset)
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
        errors: list[RecordError] = []
        received = 0
        for chunk in chunks():
            parsed, shape_errors = parse_records(dataset, chunk, first_index=received)
            _, ref_errors = validator.check(parsed)
            errors += shape_errors + ref_errors
            received += len(chunk)
            say("validados", len(chunk))
        if validator.out_of_scope:
            raise RecordsOutOfScope(validator.out_of_scope)
        if received == 0:
            errors.append({"index": None, "field": None, "message": "no hay registros"})
        if errors:
            raise IngestValidationError(_sorted(errors))
        validator, writer, done = (
            BatchValidator(session, dataset, scope),
            Writer(session, dataset),
            0,
        )
        for chunk in chunks():
            parsed, _ = parse_records(dataset, chunk, first_index=done)
            prepared, _ = validator.check(parsed)
            writer.write(prepared)
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
        if validator.out_of_scope:
            raise RecordsOutOfScope(validator.out_of_scope)
        if errors or ref_errors:
            raise IngestValidationError(_sorted(errors + ref_errors))
        writer = Writer(session, dataset)
        writer.write(prepared)
        writer.finish()
        return writer

    writer = in_transaction(engine, attempt)
    return _result(dataset, received, writer)


def in_transaction(engine: Engine, work: Callable[[Session], T]) -> T:
    """Run ``work`` in one transaction; retry when a concurrent batch inserted the same key."""
    for attempt in range(RETRIES):
        try:
            with Session(engine, expire_on_commit=False) as session, session.begin():
                return work(session)
        except IntegrityError:
            if attempt == RETRIES - 1:
                raise
            log.info("ingesta: conflicto con otro lote concurrente, reintentando")
    raise AssertionError("unreachable")


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
