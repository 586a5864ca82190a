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


def parse_moment(raw: str | None, now: datetime) -> datetime | None:
    """A moment asked for by a person (``as_of``), in UTC; None when not given (= now).

    ISO 8601; without an offset it is Caracas time (``2026-11-23T15:00``), and a date alone
    is the end of that Caracas day. A moment after ``now`` is refused: nothing is known yet.
    Raises ValueError with a Spanish message saying how to write it.
    """
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    if len(text) > 40:
        raise ValueError("La fecha «as_of» es demasiado larga.")
    # A '+' sent unencoded in a query string arrives as a space.
    if len(text) > 19 and text[-6] == " " and text[-3] == ":":
        text = f"{text[:-6]}+{text[-5:]}"
    try:
        if len(text) == 10:
            value = caracas_day_bounds(date.fromisoformat(text))[1] - timedelta(seconds=1)
        else:
            value = datetime.fromisoformat(text)
            if value.tzinfo is None:
                value = value.replace(tzinfo=CARACAS)
        value = to_utc(value)
    except (ValueError, OverflowError):
        raise ValueError(
            f"La fecha «{raw[:40]}» no se entiende. Escríbala en ISO 8601, por ejemplo "
            "2026-11-23T15:00 (hora de Caracas), 2026-11-23T15:00-04:00 o 2026-11-23."
        ) from None
    if value > now + timedelta(minutes=1):
        raise ValueError(
            f"La fecha «{raw[:40]}» es posterior a este momento: el informe solo puede "
            "describir el presente o el pasado."
        )
    return value
