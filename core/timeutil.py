"""Time rules of the Sala: store UTC, show America/Caracas (UTC-4, no DST)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

CARACAS = ZoneInfo("America/Caracas")
UTC = UTC

MONTHS_ES = (
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
)
WEEKDAYS_ES = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_utc(value: datetime) -> datetime:
    """Aware datetime in UTC; naive input is refused because its zone is unknown."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: the time zone is unknown")
    return value.astimezone(UTC)


def caracas_date(value: datetime) -> date:
    return to_utc(value).astimezone(CARACAS).date()


def caracas_day_bounds(day: date) -> tuple[datetime, datetime]:
    """UTC start (inclusive) and end (exclusive) of a Caracas calendar day."""
    start = datetime(day.year, day.month, day.day, tzinfo=CARACAS).astimezone(UTC)
    return start, start + timedelta(days=1)


def format_caracas(value: datetime | None, with_seconds: bool = False) -> str:
    """``23/11/2026 15:04`` in Caracas time, the way the room reads it."""
    if value is None:
        return "—"
    local = to_utc(value).astimezone(CARACAS)
    return local.strftime("%d/%m/%Y %H:%M:%S" if with_seconds else "%d/%m/%Y %H:%M")


def long_date_es(day: date) -> str:
    """``lunes 23 de noviembre de 2026``."""
    return f"{WEEKDAYS_ES[day.weekday()]} {day.day} de {MONTHS_ES[day.month - 1]} de {day.year}"
