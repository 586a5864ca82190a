"""The shape of each dataset's records (the public ingestion contract) and Spanish errors.

One pydantic model per dataset, ``extra="forbid"`` so a misspelt field is an error rather
than silently dropped. Bounds match the database columns, so a record that passes here can
always be stored (no database error, hence no 500, for bad input).
"""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from data.models import ACTION_STATUSES, CASE_STATUSES, LEVELS, PROJECT_STATUSES

MAX_RECORDS = 10_000
MIN_DAY, MAX_DAY = date(1900, 1, 1), date(2199, 12, 31)
MAX_USD = 1e13  # Numeric(16, 2)
MAX_COUNT = 100_000_000


def _clean_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("el texto no puede contener el carácter NUL")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("el texto no es UTF-8 válido") from exc
    return value


def Text(max_length: int):  # noqa: N802 - reads like a type
    """A non-empty string that fits a ``String(max_length)`` column."""
    return Annotated[str, Field(min_length=1, max_length=max_length), AfterValidator(_clean_text)]


def _utc(value: datetime) -> datetime:
    """Store in UTC; refuse times the database cannot hold."""
    try:
        value = value.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise ValueError("fecha y hora fuera de rango") from exc
    if not (MIN_DAY <= value.date() <= MAX_DAY):
        raise ValueError("fecha y hora fuera de rango (1900–2199)")
    return value


def _day(value: date) -> date:
    if not (MIN_DAY <= value <= MAX_DAY):
        raise ValueError("fecha fuera de rango (1900–2199)")
    return value


def _json_text(value: Any) -> Any:
    """CSV cells carry GeoJSON as text; JSON bodies carry it as an object."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise ValueError("GeoJSON no válido: no es JSON") from exc
    return value


def _finite(value: Any) -> bool:
    """True when no number inside ``value`` is NaN or infinite (JSON cannot store them)."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return True


def _geojson(value: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(value.get("type"), str):
        raise ValueError('GeoJSON no válido: falta el miembro "type"')
    try:
        finite = _finite(value)
    except RecursionError:
        finite = False
    if not finite:
        raise ValueError("GeoJSON no válido: los números deben ser finitos (sin NaN ni Infinity)")
    if len(json.dumps(value)) > 5_000_000:
        raise ValueError("GeoJSON demasiado grande (máx. 5 MB)")
    return value


Time = Annotated[AwareDatetime, AfterValidator(_utc)]
Day = Annotated[date, AfterValidator(_day)]
Code = Text(40)
Id = Text(64)
Lat = Annotated[float, Field(ge=-90, le=90)]
Lon = Annotated[float, Field(ge=-180, le=180)]
Usd = Annotated[float, Field(ge=0, le=MAX_USD), AfterValidator(lambda v: round(v, 2))]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
Percent = Annotated[float, Field(ge=0, le=100)]
GeoJSON = Annotated[dict[str, Any], BeforeValidator(_json_text), AfterValidator(_geojson)]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    KEY: ClassVar[str] = "id"  # the field that names a record: one record per key per batch


class TerritoryIn(Record):
    """A node of the territorial hierarchy."""

    KEY: ClassVar[str] = "code"
    code: Code
    level: Literal[LEVELS]  # type: ignore[valid-type]
    name: Text(200)
    parent_code: Code | None = None
    lat: Lat | None = None
    lon: Lon | None = None
    geometry: GeoJSON | None = None

    @model_validator(mode="after")
    def _parent_rule(self) -> TerritoryIn:
        if self.level == "estado" and self.parent_code is not None:
            raise ValueError("parent_code|un estado no tiene territorio padre (use null)")
        if self.level != "estado" and self.parent_code is None:
            raise ValueError("parent_code|campo obligatorio salvo para un estado")
        if self.parent_code == self.code:
            raise ValueError("parent_code|un territorio no puede ser su propio padre")
        return self


class CuadranteIn(Record):
    """A cuadrante de paz, inside a circuito comunal."""

    KEY: ClassVar[str] = "code"
    code: Code
    name: Text(200)
    circuito_code: Code
    lat: Lat | None = None
    lon: Lon | None = None


class ProjectIn(Record):
    """A project of a Consulta Popular round."""

    id: Id
    circuito_code: Code
    comuna_code: Code | None = None
    consulta: Annotated[str, Field(pattern=r"^\d{4}-\d{1,2}$")]
    title: Text(300)
    category: Text(60)
    transformation: Annotated[int, Field(ge=1, le=7)]
    approved_usd: Usd
    status: Literal[PROJECT_STATUSES]  # type: ignore[valid-type]
    physical_progress: Percent
    started_on: Day | None = None
    due_on: Day | None = None
    updated_at: Time


class TransferIn(Record):
    """Money sent to a communal bank for a project."""

    id: Id
    project_id: Id
    amount_usd: Annotated[float, Field(gt=0, le=MAX_USD), AfterValidator(lambda v: round(v, 2))]
    bank: Text(200)
    transferred_at: Time

    @model_validator(mode="after")
    def _cents(self) -> TransferIn:
        if self.amount_usd <= 0:
            raise ValueError("amount_usd|debe ser mayor que 0 (al menos 0,01)")
        return self


class ClapDeliveryIn(Record):
    """One CLAP delivery batch."""

    id: Id
    clap_code: Code
    territory_code: Code
    delivered_on: Day
    families_planned: Count
    families_served: Count
    bags: Count
    kg: Annotated[float, Field(ge=0, le=1e10)] | None = None


class CaseIn(Record):
    """A 1x10 del Buen Gobierno case."""

    id: Id
    territory_code: Code
    category: Text(60)
    status: Literal[CASE_STATUSES]  # type: ignore[valid-type]
    institution: Text(200) | None = None
    reported_at: Time
    updated_at: Time
    resolved_at: Time | None = None

    @model_validator(mode="after")
    def _resolution(self) -> CaseIn:
        if self.status in ("resuelto", "cerrado") and self.resolved_at is None:
            raise ValueError(f"resolved_at|obligatorio cuando el estado es {self.status}")
        if self.resolved_at is not None and self.resolved_at < self.reported_at:
            raise ValueError("resolved_at|no puede ser anterior a reported_at")
        return self


class IncidentIn(Record):
    """A security incident in a cuadrante de paz."""

    id: Id
    cuadrante_code: Code
    type: Text(60)
    severity: Annotated[int, Field(ge=1, le=5)]
    occurred_at: Time
    lat: Lat | None = None
    lon: Lon | None = None


class DefenseIn(Record):
    """Readiness of a defense plan in a territory."""

    id: Id
    territory_code: Code
    plan: Text(120)
    phase: Text(40)
    readiness: Percent
    last_exercise_on: Day | None = None
    updated_at: Time


class ActionIn(Record):
    """An action of a territory's Agenda Concreta de Acción (ACA)."""

    id: Id
    territory_code: Code
    title: Text(300)
    transformation: Annotated[int, Field(ge=1, le=7)]
    owner: Text(200)
    due_on: Day
    status: Literal[ACTION_STATUSES]  # type: ignore[valid-type]
    project_id: Id | None = None
    resources: Text(500) | None = None
    updated_at: Time


MODELS: dict[str, type[Record]] = {
    "territories": TerritoryIn,
    "cuadrantes": CuadranteIn,
    "projects": ProjectIn,
    "transfers": TransferIn,
    "clap_deliveries": ClapDeliveryIn,
    "cases": CaseIn,
    "incidents": IncidentIn,
    "defense": DefenseIn,
    "actions": ActionIn,
}
DATASETS = tuple(MODELS)

_LIST_ADAPTERS = {name: TypeAdapter(list[model]) for name, model in MODELS.items()}

RecordError = dict[str, Any]  # {"index": int | None, "field": str | None, "message": str}


def _message(err: dict[str, Any]) -> str:
    """A Spanish message for one pydantic error."""
    kind, ctx = err["type"], err.get("ctx") or {}
    fixed = {
        "missing": "campo obligatorio",
        "extra_forbidden": "campo desconocido",
        "timezone_aware": "la hora debe indicar su zona horaria (p. ej. 2026-11-23T10:00:00-04:00)",
        "int_type": "debe ser un número entero",
        "int_parsing": "debe ser un número entero",
        "int_from_float": "debe ser un número entero",
        "float_type": "debe ser un número",
        "float_parsing": "debe ser un número",
        "finite_number": "debe ser un número finito",
        "string_type": "debe ser un texto",
        "bool_type": "debe ser verdadero o falso",
        "dict_type": "debe ser un objeto JSON",
        "model_type": "cada registro debe ser un objeto JSON",
        "model_attributes_type": "cada registro debe ser un objeto JSON",
        "list_type": "debe ser una lista JSON",
        "date_type": "debe ser una fecha AAAA-MM-DD",
        "date_parsing": "debe ser una fecha AAAA-MM-DD",
        "date_from_datetime_parsing": "debe ser una fecha AAAA-MM-DD",
        "date_from_datetime_inexact": "debe ser una fecha AAAA-MM-DD (sin hora)",
        "datetime_type": "debe ser una fecha y hora ISO 8601 con zona horaria",
        "datetime_parsing": "debe ser una fecha y hora ISO 8601 con zona horaria",
        "datetime_from_date_parsing": "debe ser una fecha y hora ISO 8601 con zona horaria",
        "datetime_object_invalid": "fecha y hora no válida",
        "json_invalid": "JSON no válido",
        "json_type": "JSON no válido",
        "none_required": "debe ser null",
    }
    if kind in fixed:
        return fixed[kind]
    if kind == "greater_than_equal":
        return f"debe ser mayor o igual que {ctx.get('ge')}"
    if kind == "greater_than":
        return f"debe ser mayor que {ctx.get('gt')}"
    if kind == "less_than_equal":
        return f"debe ser menor o igual que {ctx.get('le')}"
    if kind == "less_than":
        return f"debe ser menor que {ctx.get('lt')}"
    if kind == "string_too_short":
        return "no puede estar vacío"
    if kind == "string_too_long":
        return f"demasiado largo (máx. {ctx.get('max_length')} caracteres)"
    if kind == "string_pattern_mismatch":
        return "formato no válido (se espera p. ej. 2025-4)"
    if kind == "literal_error":
        return f"valor no permitido: use uno de {ctx.get('expected', '')}".replace(" or ", ", ")
    if kind == "value_error":
        text = str(ctx.get("error", err.get("msg", "")))
        return text.split("|", 1)[-1]
    return f"valor no válido ({err.get('msg', kind)})"


def _field(err: dict[str, Any], loc: tuple[Any, ...]) -> str | None:
    """The offending field: the first name in ``loc``, or the one a model rule names."""
    if err["type"] == "value_error":
        text = str((err.get("ctx") or {}).get("error", ""))
        if "|" in text:
            return text.split("|", 1)[0]
    names = [str(part) for part in loc if isinstance(part, str)]
    return names[0] if names else None


def _errors(exc: ValidationError, index: int | None, skip_index: bool) -> list[RecordError]:
    out: list[RecordError] = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        idx = index
        if skip_index and loc and isinstance(loc[0], int):
            idx, loc = loc[0], loc[1:]
        out.append({"index": idx, "field": _field(err, loc), "message": _message(err)})
    return _dedupe(out)  # a union repeats its error per branch: keep the first


def _dedupe(errors: list[RecordError]) -> list[RecordError]:
    seen: set[tuple[Any, Any]] = set()
    out = []
    for e in errors:
        key = (e["index"], e["field"])
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out


Parsed = list[tuple[int, Record]]


def parse_records(dataset: str, rows: list[Any], first_index: int = 0) -> tuple[Parsed, list]:
    """Validate Python values (CSV rows, simulator records): lax types, e.g. ``"5"`` → 5.

    The whole list is validated in one call (one pass in pydantic's core instead of a call
    per record); a list with any bad record, the rare case, is validated again record by
    record, which names each error with its record's index."""
    try:
        records = _LIST_ADAPTERS[dataset].validate_python(rows)
    except ValidationError:
        pass
    else:
        return list(enumerate(records, start=first_index)), []
    model = MODELS[dataset]
    parsed: Parsed = []
    errors: list[RecordError] = []
    for offset, row in enumerate(rows):
        index = first_index + offset
        try:
            parsed.append((index, model.model_validate(row)))
        except ValidationError as exc:
            errors.extend(_errors(exc, index, skip_index=False))
    return parsed, errors


def parse_valid_json(dataset: str, body: bytes) -> Parsed | None:
    """The records of a body that is a valid JSON array of valid records, parsed and
    validated in one pass (strictly, as :func:`parse_json_items`); None for anything else,
    which then takes the slow path that explains each error."""
    try:
        return list(enumerate(_LIST_ADAPTERS[dataset].validate_json(body, strict=True)))
    except (ValidationError, ValueError):
        return None


def parse_json_items(dataset: str, body: bytes, items: list[Any]) -> tuple[Parsed, list]:
    """Validate a JSON array strictly (a number must be a number, not a string).

    ``items`` is the already-decoded array; the fast path validates ``body`` in one call and
    only a failing batch is re-checked record by record to keep the valid ones.
    """
    model = MODELS[dataset]
    try:
        records = _LIST_ADAPTERS[dataset].validate_json(body, strict=True)
        return list(enumerate(records)), []
    except ValidationError as exc:
        errors = _errors(exc, None, skip_index=True)
    bad = {e["index"] for e in errors}
    parsed: Parsed = []
    for index, item in enumerate(items):
        if index in bad:
            continue
        try:
            raw = json.dumps(item, ensure_ascii=False, allow_nan=False)
            parsed.append((index, model.model_validate_json(raw, strict=True)))
        except (ValidationError, ValueError, UnicodeEncodeError):
            errors.append({"index": index, "field": None, "message": "registro no válido"})
    return parsed, sorted(errors, key=lambda e: (e["index"] is None, e["index"] or 0))


def json_schema(dataset: str) -> dict[str, Any]:
    """JSON schema of a request body for ``dataset`` (an array of 1..10 000 records)."""
    schema = MODELS[dataset].model_json_schema()
    return {"type": "array", "minItems": 1, "maxItems": MAX_RECORDS, "items": schema}
