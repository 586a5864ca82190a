"""``manage.py import --dataset NAME FILE.csv``: the CSV route into the single write path.

The file streams in chunks through the same validation as the API, twice, inside one
transaction: first every row is checked (every bad row is reported with its line number and
nothing is stored), then every row is written. Empty cells are absent optional fields.
"""

from __future__ import annotations

import argparse
import csv
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cli import CommandError
from cli.progress import Progress
from data.db import get_engine
from data.ingest import (
    DATASETS,
    MODELS,
    IngestResult,
    IngestValidationError,
    UnknownDataset,
    ingest_stream,
)
from data.ingest_metrics import observed

CHUNK = 2_000


class CsvBatch:
    """A CSV file read as chunks of records, remembering the line where each record starts."""

    def __init__(self, path: Path, dataset: str, delimiter: str = ",") -> None:
        self.path, self.dataset, self.delimiter = path, dataset, delimiter
        self.lines = array("q")
        self.header = self._check_header()

    def _open(self):
        return self.path.open(newline="", encoding="utf-8-sig")

    def _check_header(self) -> list[str]:
        try:
            with self._open() as fh:
                header = next(csv.reader(fh, delimiter=self.delimiter), None)
        except UnicodeDecodeError as exc:
            raise CommandError(f"{self.path} no está en UTF-8; guárdelo como CSV UTF-8.") from exc
        if not header:
            raise CommandError(f"{self.path} está vacío: falta la fila de encabezado.")
        header = [name.strip() for name in header]
        fields = MODELS[self.dataset].model_fields
        unknown = [name for name in header if name not in fields]
        missing = [n for n, f in fields.items() if f.is_required() and n not in header]
        problems = []
        if unknown:
            problems.append(f"columnas desconocidas: {', '.join(unknown)}")
        if missing:
            problems.append(f"faltan columnas obligatorias: {', '.join(missing)}")
        if problems:
            raise CommandError(
                f"línea 1 (encabezado) de {self.path}: {'; '.join(problems)}. "
                f"Columnas de {self.dataset}: {', '.join(fields)}."
            )
        return header

    def rows(self) -> Iterator[list[dict[str, Any]]]:
        """Chunks of records; empty cells are left out (absent optional fields)."""
        self.lines = array("q")
        with self._open() as fh:
            reader = csv.reader(fh, delimiter=self.delimiter)
            next(reader)
            chunk: list[dict[str, Any]] = []
            last_line = reader.line_num
            for cells in reader:
                start, last_line = last_line + 1, reader.line_num
                if not any(cell.strip() for cell in cells):
                    continue  # blank line
                self.lines.append(start)
                record: dict[str, Any] = {
                    k: v for k, v in zip(self.header, cells, strict=False) if v.strip()
                }
                if len(cells) > len(self.header):
                    record["columnas_sobrantes"] = cells[len(self.header) :]
                chunk.append(record)
                if len(chunk) >= CHUNK:
                    yield chunk
                    chunk = []
            if chunk:
                yield chunk

    def line_of(self, index: int | None) -> int | None:
        return self.lines[index] if index is not None and index < len(self.lines) else None


def import_csv(path: Path, dataset: str, delimiter: str = ",") -> IngestResult:
    """Import one CSV file, all or nothing; prints progress and every bad row."""
    if dataset not in DATASETS:
        raise CommandError(f"Conjunto desconocido {dataset!r}; use uno de: {', '.join(DATASETS)}.")
    if not path.is_file():
        raise CommandError(f"No existe el archivo {path}.")
    batch = CsvBatch(path, dataset, delimiter)
    with path.open("rb") as fh:
        total = max(0, sum(1 for _ in fh) - 1)
    bars = {
        "validados": Progress(f"{dataset}: validando", total),
        "guardados": Progress(f"{dataset}: guardando", total),
    }

    def progress(stage: str, n: int) -> None:
        if stage == "guardados" and not bars["guardados"].done:
            bars["validados"].finish()
        bars[stage].advance(n)

    try:
        result = observed(ingest_stream)(get_engine(), dataset, batch.rows, progress=progress)
    except IngestValidationError as exc:
        bad_lines = set()
        for err in exc.errors:
            line = batch.line_of(err["index"])
            bad_lines.add(line)
            where = f"línea {line}" if line else "archivo"
            field = f", campo {err['field']}" if err["field"] else ""
            print(f"  {where}{field}: {err['message']}", flush=True)
        raise CommandError(
            f"{len(bad_lines)} fila(s) con errores en {path}; no se guardó nada. "
            "Corríjalas y vuelva a importar el archivo completo."
        ) from exc
    except UnknownDataset as exc:  # pragma: no cover - checked above
        raise CommandError(str(exc)) from exc
    bars["guardados"].finish()
    print(
        f"{dataset}: recibidos {result.received}, insertados {result.inserted}, "
        f"actualizados {result.updated}, sin cambios {result.unchanged}",
        flush=True,
    )
    return result


def run_import(args: argparse.Namespace) -> int:
    import_csv(Path(args.file), args.dataset, args.delimiter)
    return 0


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "import", help="importa un CSV por la misma validación que la API (todo o nada)"
    )
    p.add_argument("--dataset", required=True, choices=DATASETS)
    p.add_argument("--delimiter", default=",", help="separador de columnas (por omisión ',')")
    p.add_argument("file", metavar="ARCHIVO.csv")
    p.set_defaults(func=run_import)
