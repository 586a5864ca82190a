"""Record sets behind the pages' data tables and CSV exports, defined once for both.

A :class:`Dataset` is a SELECT of labelled columns built from a resolved :class:`View`;
the table pages through it (LIMIT/OFFSET, ORDER BY an allowed column) and the export streams
the very same SELECT in chunks, so the screen and the file can never disagree. Pages add
their own datasets with :func:`register_dataset`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from core import names
from core.numbers import fmt_number
from core.timeutil import CARACAS, format_caracas
from data.models import Territory
from data.queries.filters import View

# ``territory``: a territory code, shown by name ("Sucre (Zulia)"), exported as the code.
Kind = Literal["text", "number", "decimal", "usd", "percent", "date", "datetime", "territory"]
#: Decimals of each numeric kind in the Spanish CSV (the screen uses assets/grid.js).
SPANISH_DECIMALS = {"number": 0, "decimal": 1, "percent": 1, "usd": 2}
MAX_PAGE = 500
STREAM_CHUNK = 2_000


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: Kind = "text"
    sortable: bool = True
    width: int | None = None
    #: Human names of the stored values (``core.names``): the screen and the Spanish CSV show
    #: "En ejecución", the standard CSV keeps ``en_ejecucion`` for machines.
    labels: Mapping[Any, str] | None = None
    #: The header on screen when it differs from the CSV's ("Estado" vs "Estado (código)").
    screen_header: str | None = None
    #: A territory name column: the keys of its level and estado code in the SELECT, so the
    #: screen names it with its estado ("Sucre (Zulia)"; see ``names.place_name``).
    place_of: tuple[str, str] | None = None

    @property
    def title(self) -> str:
        return self.screen_header or self.header


@dataclass(frozen=True)
class Dataset:
    """One table/export. ``build`` returns a SELECT whose labels are the column keys + ``id``."""

    name: str
    title: str
    columns: tuple[Column, ...]
    build: Callable[[View], Select[Any]]
    default_sort: tuple[tuple[str, bool], ...]  # (key, descending)
    uses_range: bool = True
    categories: dict[str, str] = field(default_factory=dict)
    # The same WHERE without display joins, for a cheaper row count (None: count ``build``).
    count_build: Callable[[View], Select[Any]] | None = None

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)


DATASETS: dict[str, Dataset] = {}


def register_dataset(dataset: Dataset) -> Dataset:
    DATASETS[dataset.name] = dataset
    return dataset


def _ordered(dataset: Dataset, stmt: Select[Any], sort: list[tuple[str, bool]]) -> Select[Any]:
    """ORDER BY the requested sortable columns, then the defaults, then ``id`` (stable pages)."""
    columns = {c.name: c for c in stmt.selected_columns}
    order, seen = [], set()
    for key, descending in [*sort, *dataset.default_sort, ("id", False)]:
        col = dataset.column(key)
        if key in seen or key not in columns or (col is not None and not col.sortable):
            continue
        seen.add(key)
        order.append(columns[key].desc() if descending else columns[key].asc())
    return stmt.order_by(*order)


def count(session: Session, dataset: Dataset, view: View) -> int:
    """How many records the filters select (the table's row count)."""
    stmt = (dataset.count_build or dataset.build)(view).order_by(None)
    return int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


def page(
    session: Session,
    dataset: Dataset,
    view: View,
    start: int,
    limit: int,
    sort: list[tuple[str, bool]] | None = None,
) -> list[dict[str, Any]]:
    """Rows ``start .. start+limit`` in the requested order, formatted for the grid."""
    limit = max(1, min(limit, MAX_PAGE))
    stmt = _ordered(dataset, dataset.build(view), sort or []).offset(max(0, start)).limit(limit)
    rows = session.execute(stmt).mappings().all()
    places = _territory_names(session, dataset, rows)
    return [{"id": str(row["id"]), **_display(dataset, row, places)} for row in rows]


def stream(
    session: Session, dataset: Dataset, view: View, spanish: bool = False
) -> Iterator[list[Any]]:
    """Every selected record in the default order, as CSV-ready lists, fetched in chunks.

    ``spanish``: values for a spreadsheet in Spanish locale (see :func:`spanish_value`)."""
    stmt = _ordered(dataset, dataset.build(view), [])
    result = session.execute(stmt.execution_options(yield_per=STREAM_CHUNK)).mappings()
    for row in result:
        if spanish:
            yield [spanish_value(row[c.key], c) for c in dataset.columns]
        else:
            yield [_csv_value(row[c.key]) for c in dataset.columns]


def _territory_names(
    session: Session, dataset: Dataset, rows: Any
) -> dict[str, tuple[str, str | None]]:
    """Name and estado code of every territory code a page of rows shows (one query; the
    estados are known without one)."""
    keys = [c.key for c in dataset.columns if c.kind == "territory"]
    codes = {row[k] for row in rows for k in keys if row[k] and row[k] not in names.ESTADOS}
    if not codes:
        return {}
    found = session.execute(
        select(Territory.code, Territory.name, Territory.estado_code).where(
            Territory.code.in_(sorted(codes))
        )
    )
    return {code: (name, estado) for code, name, estado in found}


def territory_display(code: str | None, places: Mapping[str, tuple[str, str | None]]) -> str:
    """An estado by its name; a lower territory by its name and its estado ("Sucre (Zulia)"),
    since municipio and parroquia names repeat across estados."""
    if not code:
        return "—"
    if code in names.ESTADOS:
        return names.ESTADOS[code]
    if code in places:
        name, estado = places[code]
        return names.territory_label(name, estado)
    return code


def _display(
    dataset: Dataset, row: Any, places: Mapping[str, tuple[str, str | None]] | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for col in dataset.columns:
        value = row[col.key]
        if col.labels is not None:
            value = names.human(value, col.labels)
        elif col.place_of is not None and value:
            value = names.place_name(value, row[col.place_of[0]], row[col.place_of[1]])
        elif col.kind == "territory":
            value = territory_display(value, places or {})
        elif col.kind == "datetime":
            value = format_caracas(value) if value else None
        elif col.kind == "date" and value is not None:
            value = value.strftime("%d/%m/%Y") if isinstance(value, date) else str(value)
        elif col.kind in ("number", "decimal", "usd", "percent") and value is not None:
            value = float(value) if col.kind != "number" else int(value)
        out[col.key] = value
    return out


def csv_row(values: list[Any]) -> list[Any]:
    """A row of plain values as the CSV exports write them (see :func:`_csv_value`)."""
    return [_csv_value(v) for v in values]


def spanish_value(value: Any, column: Column | None = None) -> Any:
    """A value for a spreadsheet in Spanish locale (``;`` separated): decimal comma and no
    thousands mark (``1234,5``, which Excel and LibreOffice in Spanish read as a number),
    dates and times as ``dd/mm/aaaa hh:mm`` in Caracas time, human names for coded values."""
    kind = column.kind if column is not None else "text"
    if value is None:
        return ""
    if column is not None and column.labels is not None:
        return names.human(value, column.labels)
    if isinstance(value, datetime):
        return format_caracas(value)
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return "Sí" if value else "No"
    if isinstance(value, int | float) or kind in SPANISH_DECIMALS:
        try:
            number = float(value)
        except (TypeError, ValueError):
            return value
        decimals = SPANISH_DECIMALS.get(kind, 0 if float(number).is_integer() else 4)
        text = fmt_number(number, decimals).replace(".", "")
        if "," in text:
            text = text.rstrip("0").rstrip(",") if kind not in SPANISH_DECIMALS else text
        return text
    return value


def _csv_value(value: Any) -> Any:
    """Machine-readable values: Caracas ISO times with offset, ISO dates, plain numbers."""
    if isinstance(value, datetime):
        return value.astimezone(CARACAS).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 4)
    return "" if value is None else value
