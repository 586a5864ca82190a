"""The filter state of an indicator page, and its round trip through the URL query string.

One :class:`Filters` value describes what a page shows: a territory, a time range and the
page's own category. It lives in the URL (``?territorio=VE-A&rango=7d&categoria=agua``) so a
link reproduces the view, and the same value drives the queries, the table and the CSV
export, which therefore always agree. Pure: no I/O (the data layer resolves the territory).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

from core.timeutil import caracas_date, caracas_day_bounds, to_utc

# Range keys in the URL and their Spanish labels, in the order the filter bar offers them.
RANGES: dict[str, str] = {
    "24h": "Últimas 24 h",
    "7d": "7 días",
    "30d": "30 días",
    "mes": "Este mes",
    "personalizado": "Personalizado",
}
DEFAULT_RANGE = "30d"
MAX_CUSTOM_DAYS = 3 * 366
PARAMS = ("territorio", "rango", "desde", "hasta", "categoria")


@dataclass(frozen=True)
class Filters:
    """What a page shows. ``territorio`` None = the caller's whole scope."""

    territorio: str | None = None
    rango: str = DEFAULT_RANGE
    desde: date | None = None
    hasta: date | None = None
    categoria: str | None = None

    def with_territory(self, code: str | None) -> Filters:
        return replace(self, territorio=code or None)

    # -- time -------------------------------------------------------------------------

    def day_bounds(self, as_of: datetime) -> tuple[date, date]:
        """First and last Caracas calendar day of the range (both inclusive).

        For day-stamped facts (CLAP deliveries): ``24h`` is today, ``7d`` the last seven
        days including today, ``mes`` the current month up to today.
        """
        today = caracas_date(as_of)
        if self.rango == "personalizado" and self.desde and self.hasta:
            return self.desde, self.hasta
        if self.rango == "24h":
            return today, today
        if self.rango == "7d":
            return today - timedelta(days=6), today
        if self.rango == "mes":
            return today.replace(day=1), today
        return today - timedelta(days=29), today

    def time_bounds(self, as_of: datetime) -> tuple[datetime, datetime]:
        """UTC ``(start, end]`` of the range for time-stamped facts (transfers, cases).

        Rolling ranges end at ``as_of``; ``mes`` and ``personalizado`` follow Caracas days.
        """
        as_of = to_utc(as_of)
        if self.rango == "24h":
            return as_of - timedelta(hours=24), as_of
        if self.rango == "7d":
            return as_of - timedelta(days=7), as_of
        if self.rango == "30d":
            return as_of - timedelta(days=30), as_of
        first, last = self.day_bounds(as_of)
        return caracas_day_bounds(first)[0], min(caracas_day_bounds(last)[1], as_of)

    def previous_day_bounds(self, as_of: datetime) -> tuple[date, date]:
        """The period of the same length right before :meth:`day_bounds` (for ▲▼)."""
        first, last = self.day_bounds(as_of)
        if self.rango == "mes":  # the same days of the previous month
            prev_last = first - timedelta(days=1)
            prev_first = prev_last.replace(day=1)
            return prev_first, min(prev_first + (last - first), prev_last)
        length = (last - first).days + 1
        return first - timedelta(days=length), first - timedelta(days=1)

    def previous_time_bounds(self, as_of: datetime) -> tuple[datetime, datetime]:
        start, end = self.time_bounds(as_of)
        return start - (end - start), start

    def range_label(self) -> str:
        if self.rango == "personalizado" and self.desde and self.hasta:
            return f"{self.desde:%d/%m/%Y} – {self.hasta:%d/%m/%Y}"
        return RANGES.get(self.rango, RANGES[DEFAULT_RANGE])

    # -- URL --------------------------------------------------------------------------

    def to_params(self) -> dict[str, str]:
        """Only the parameters that differ from the defaults, in a stable order."""
        params: dict[str, str] = {}
        if self.territorio:
            params["territorio"] = self.territorio
        if self.rango != DEFAULT_RANGE:
            params["rango"] = self.rango
        if self.rango == "personalizado" and self.desde and self.hasta:
            params["desde"] = self.desde.isoformat()
            params["hasta"] = self.hasta.isoformat()
        if self.categoria:
            params["categoria"] = self.categoria
        return params

    def to_query(self) -> str:
        """``?territorio=VE-A&rango=7d`` (or ``""`` for the defaults)."""
        params = self.to_params()
        return "?" + urlencode(params) if params else ""

    def file_stem(self, dataset: str, as_of: datetime, with_range: bool = True) -> str:
        """``proyectos_VE-A_7d_agua_2026-11-23``: the filters named in an export's file name
        (``with_range=False`` for an export the period does not change)."""
        rango = self.rango
        if rango == "personalizado" and self.desde and self.hasta:
            rango = f"{self.desde:%Y%m%d}-{self.hasta:%Y%m%d}"
        parts = [dataset, self.territorio or "VE", *([rango] if with_range else [])]
        if self.categoria:
            parts.append(self.categoria)
        parts.append(caracas_date(as_of).isoformat())
        return "_".join(_safe(part) for part in parts)


@dataclass(frozen=True)
class ParsedFilters:
    """Filters read from a URL plus the Spanish problems found (shown, never ignored)."""

    filters: Filters
    errors: tuple[str, ...] = ()


def parse_filters(
    query: str | dict[str, str] | None, categories: dict[str, str] | None
) -> ParsedFilters:
    """Read the filters from a query string or dict; bad values become Spanish errors.

    ``categories=None`` skips the category check (values already validated by the layout).

    A bad range or category falls back to the default (the message says so); the territory
    is kept as given, because only the data layer can tell unknown from out of scope.
    """
    raw = dict(parse_qsl(query.lstrip("?"))) if isinstance(query, str) else dict(query or {})
    errors: list[str] = []
    territorio = (raw.get("territorio") or "").strip() or None
    if territorio and (len(territorio) > 40 or not territorio.isprintable()):
        errors.append("El código de territorio no es válido.")
    rango = (raw.get("rango") or DEFAULT_RANGE).strip()
    desde = hasta = None
    if rango not in RANGES:
        errors.append(
            f"Rango de tiempo desconocido «{rango}»: se muestran {RANGES[DEFAULT_RANGE]}."
        )
        rango = DEFAULT_RANGE
    if rango == "personalizado":
        desde, hasta = _date(raw.get("desde")), _date(raw.get("hasta"))
        if desde is None or hasta is None:
            errors.append("El rango personalizado necesita fechas «desde» y «hasta» (AAAA-MM-DD).")
            rango, desde, hasta = DEFAULT_RANGE, None, None
        elif desde > hasta:
            errors.append("La fecha «desde» es posterior a «hasta»: se intercambiaron.")
            desde, hasta = hasta, desde
        if desde and hasta and (hasta - desde).days > MAX_CUSTOM_DAYS:
            errors.append("El rango personalizado no puede superar tres años.")
            rango, desde, hasta = DEFAULT_RANGE, None, None
    categoria = (raw.get("categoria") or "").strip() or None
    if categoria and categories is not None and categoria not in categories:
        errors.append(f"Categoría desconocida «{categoria}»: se muestran todas.")
        categoria = None
    return ParsedFilters(
        Filters(
            territorio=territorio,
            rango=rango,
            desde=desde,
            hasta=hasta,
            categoria=categoria,
        ),
        tuple(errors),
    )


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _safe(text: str) -> str:
    """File-name safe text: letters, digits, dash and dot (accents dropped)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c if c.isalnum() or c in "-." else "-" for c in ascii_text) or "x"
