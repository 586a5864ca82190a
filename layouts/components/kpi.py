"""The KPI card: a label, one big number and an optional sub-line or comparison.

The value element carries ``data-kpi`` (the field path in ``/api/v1/summary``, such as
``incidents.last_24h``) and ``data-value`` (the raw number), so tests, the wall and the push
helper can find and check every number on screen against the API.
"""

from __future__ import annotations

from typing import Any, Literal

from dash import html

from core.numbers import fmt_number, fmt_percent, fmt_usd

Kind = Literal["number", "decimal", "usd", "percent", "ratio", "hours"]


def field_value(data: dict[str, Any], field: str) -> Any:
    """The value at a dotted path (``projects.by_status.en_ejecucion``) of a summary dict."""
    value: Any = data
    for part in field.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def format_value(value: float | int | str | None, kind: Kind = "number") -> str:
    """How a KPI shows its number, the Venezuelan way (1.234,5); a text KPI (the name of a
    category) is shown as it is."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if kind == "usd":
        return fmt_usd(value)
    if kind == "ratio":  # a 0..1 ratio
        return fmt_percent(value)
    if kind == "percent":  # already 0..100
        return f"{fmt_number(value, 1)} %"
    if kind == "hours":
        return f"{fmt_number(value, 1)} h"
    if kind == "decimal":
        return fmt_number(value, 1)
    return fmt_number(value, 0)


def kpi_value(
    field: str,
    value: float | int | str | None,
    kind: Kind = "number",
    class_name: str = "kpi-value",
) -> html.Span:
    """A number tagged with the summary field it shows (usable inside sub-lines too)."""
    return html.Span(
        format_value(value, kind),
        className=class_name,
        **{"data-kpi": field, "data-value": "" if value is None else str(value)},
    )


def _arrow(change: float, better: Literal["up", "down"], text: str) -> html.Span:
    """``text`` after ▲/▼, green when ``change`` moves the good way."""
    up = change > 0
    good = up == (better == "up")
    return html.Span(
        f"{'▲' if up else '▼'} {text}", className=f"kpi-delta {'good' if good else 'bad'}"
    )


def delta(
    value: float | None, reference: float | None, better: Literal["up", "down"], label: str
) -> html.Span | None:
    """▲/▼ with the relative change against ``reference``, green when it moves the good way."""
    if value is None or not reference:
        return None
    change = (value - reference) / reference
    if abs(change) < 0.005:
        return html.Span(f"= {label}", className="kpi-delta neutral")
    return _arrow(change, better, f"{fmt_number(abs(change) * 100, 0)} % {label}")


def delta_points(
    value: float | None, reference: float | None, better: Literal["up", "down"], label: str
) -> html.Span | None:
    """▲/▼ between two 0..1 ratios in percentage points ("▼ 3,2 puntos"): a share of a
    partial day compares fairly with a whole day's, where counts would not."""
    if value is None or reference is None:
        return None
    change = (value - reference) * 100
    if abs(change) < 0.05:
        return html.Span(f"= {label}", className="kpi-delta neutral")
    return _arrow(change, better, f"{fmt_number(abs(change), 1)} puntos {label}")


def kpi_card(
    label: str,
    field: str,
    value: float | int | str | None,
    kind: Kind = "number",
    sub: Any = None,
    comparison: html.Span | None = None,
    area: str | None = None,
    tone: Literal["ok", "warn", "bad"] | None = None,
    card_id: str | dict | None = None,
) -> html.Div:
    """One KPI card. ``area`` colours its stripe; ``tone`` colours the number.

    Find values by their ``data-kpi`` attribute; ``card_id`` is only for a page that wants to
    address one card (ids must stay unique when a page shows several territories).
    """
    classes = ["kpi-card"]
    if area:
        classes.append(f"area-{area}")
    if tone:
        classes.append(f"tone-{tone}")
    return html.Div(
        [
            html.Div(label, className="kpi-label"),
            kpi_value(field, value, kind),
            html.Div(sub, className="kpi-sub") if sub is not None else None,
            comparison,
        ],
        className=" ".join(classes),
        **({"id": card_id} if card_id is not None else {}),
    )


def kpi_row(row_id: str, count: int, area: str | None = None) -> html.Div:
    """The row a page's callback fills with ``count`` KPI cards, holding their place until
    then: ``count`` empty cards (hidden from screen readers) keep the row at its final height,
    so the charts below do not jump down when the numbers arrive (layout shift)."""
    classes = "kpi-card kpi-placeholder" + (f" area-{area}" if area else "")
    return html.Div(
        [html.Div(className=classes, **{"aria-hidden": "true"}) for _ in range(count)],
        id=row_id,
        className="kpi-row",
    )
