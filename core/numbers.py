"""Venezuelan number formatting: thousands with '.', decimals with ',' (1.234,5)."""

from __future__ import annotations


def fmt_number(value: float | int | None, decimals: int = 0) -> str:
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def fmt_percent(ratio: float | None, decimals: int = 1) -> str:
    """A 0..1 ratio as ``87,5 %``."""
    if ratio is None:
        return "—"
    return f"{fmt_number(ratio * 100, decimals)} %"


def fmt_usd(value: float | None) -> str:
    """Compact dollars for a KPI: ``USD 337,4 M`` / ``USD 12.500``."""
    if value is None:
        return "—"
    if abs(value) >= 1_000_000:
        return f"USD {fmt_number(value / 1_000_000, 1)} M"
    return f"USD {fmt_number(value, 0)}"


def fmt_usd_full(value: float | None) -> str:
    """Dollars written in full, for tables and reports: ``USD 1.234.567``."""
    if value is None:
        return "—"
    return f"USD {fmt_number(value, 0)}"
