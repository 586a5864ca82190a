"""Plotly figures in the Sala's dark theme, and the empty figure with a Spanish message.

Plotly sizes text in pixels, so every builder takes ``scale`` (see ``theme.scale_for``): the
same chart stays readable on a laptop and on a 4K wall several metres away.
"""

from __future__ import annotations

from copy import deepcopy
from functools import cache
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from layouts.components import theme
from layouts.components.margins import CARD_EM, Parts, fit_margins

#: Whether :func:`build_figure` gives plotly's validated ``go.Figure`` (``tests/layouts`` turn
#: it on, so every figure their page builders make is checked key by key).
VALIDATE = False
#: What a page builder returns: a plain figure dict in the app, a ``go.Figure`` in tests.
Figure = go.Figure | dict[str, Any]


@cache
def _template() -> dict[str, Any]:
    """plotly's default template as JSON, with its axes changed so that Plotly does not
    measure every tick label as it draws; one dict shared by every figure, so nothing may
    change it (figures are only serialised).

    The margins are reserved for the labels (``margins.fit_margins``). The template's
    ``automargin`` measured every label to find the room the margins already hold, its
    ``title.standoff`` measured them all again to place an axis title (on every axis, with
    a title or not), and Plotly's ``ticklabeloverflow`` default on number and date axes
    ("hide past div") measured them once more to hide one sticking out of the chart, which
    none does: together ~150 ms of main thread on a first visit to ``/casos``. Plotly places
    titles without ``standoff`` by the font's size."""
    template = deepcopy(pio.templates[pio.templates.default].to_plotly_json())
    for name in ("xaxis", "yaxis"):
        axis = template["layout"][name]
        axis.pop("automargin", None)
        axis.pop("title", None)  # only {"standoff": 15}
        axis["ticklabeloverflow"] = "allow"
    return template


def build_figure(traces: Any, layout: dict[str, Any], card_em: float = CARD_EM) -> Figure:
    """The figure of ``traces`` (each validated when it was built) with ``layout``, its
    margins raised to what its labels need in a card ``card_em`` font sizes wide
    (:func:`~layouts.components.margins.fit_margins`: Plotly then draws it once), and the
    default template, as the plain dict Dash sends: the same JSON as ``go.Figure(traces,
    layout=layout)`` without copying the template into every figure and copying it all
    again to serialise it, which took most of a refresh's drawing and serialising (~10 ms
    of CPU per figure, five figures per refresh)."""
    listed = [] if traces is None else traces if isinstance(traces, list | tuple) else [traces]
    if VALIDATE:
        return fit_margins(go.Figure(listed, layout={**layout, "template": _template()}), card_em)
    fitted = fit_margins(Parts(listed, go.Layout(layout)), card_em).layout
    return {
        "data": [t.to_plotly_json() for t in listed],
        "layout": {**fitted.to_plotly_json(), "template": _template()},
    }


def base_layout(scale: float = 1.0, **extra: Any) -> dict[str, Any]:
    """Transparent background, light text, thin grid; margins and fonts scaled."""
    font = round(15 * scale)
    layout: dict[str, Any] = {
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {"family": theme.FONT, "color": theme.TEXT, "size": font},
        "margin": {
            "l": round(52 * scale),
            "r": round(14 * scale),
            "t": round(8 * scale),
            "b": round(36 * scale),
        },
        # Counts start at zero (a bar from 15.000 overstates a change); ``tozero`` only widens
        # a linear axis to include 0, so negative values and category axes are untouched.
        "xaxis": {
            "gridcolor": theme.LINE,
            "zeroline": False,
            "rangemode": "tozero",
            "linecolor": theme.LINE,
            "tickfont": {"color": theme.MUTED, "size": font},
            # Horizontal bars carry their values here: 2.000, not 2000 (Plotly separates
            # thousands only from five digits unless told).
            "separatethousands": True,
            "exponentformat": "none",
        },
        "yaxis": {
            "gridcolor": theme.LINE,
            "zeroline": False,
            "rangemode": "tozero",
            "linecolor": theme.LINE,
            "tickfont": {"color": theme.MUTED, "size": font},
            "separatethousands": True,
            "exponentformat": "none",  # 15.000, never the SI "15k"
        },
        "legend": {
            "orientation": "h",
            "x": 0,
            "y": 1.02,
            "yanchor": "bottom",
            "font": {"size": font},
            "bgcolor": "rgba(0,0,0,0)",
        },
        "hoverlabel": {"font": {"size": font}},
        "separators": ",.",  # Venezuelan: decimal comma, thousands dot
        "showlegend": False,
    }
    layout.update(extra)
    return layout


def hbar(names: list[str], values: list[Any], name: str, color: str, unit: str) -> go.Bar:
    """A horizontal bar trace whose hover reads ``Nombre: 1.234 unidad``."""
    return go.Bar(
        y=names,
        x=values,
        name=name,
        orientation="h",
        marker_color=color,
        hovertemplate=f"%{{y}}: %{{x:,.0f}} {unit}<extra></extra>",
    )


#: The least height of one bar's row, in pixels at scale 1: a 15 px name and a little gap.
BAR_ROW_PX = 20


def label_axis(
    layout: dict[str, Any], count: int | None = None, scale: float = 1.0
) -> dict[str, Any]:
    """Territory or category names on the y axis: bright text, room for long names, and a
    label on every bar.

    Plotly thins a category axis when it judges the names too close (12 names for 25
    estados); ``dtick=1`` names every category. With ``count`` bars the figure also says how
    tall it must be for every bar to keep a readable row (``bar_height``): a card too short
    for that grows its chart and scrolls (``assets/charts.js``).
    """
    axis = layout["yaxis"]
    axis["tickfont"]["color"] = theme.TEXT
    axis["tickmode"] = "linear"
    axis["tick0"] = 0
    axis["dtick"] = 1
    if count:
        # Not ``layout.height``: dcc.Graph drops it on a responsive graph.
        layout["meta"] = {"minHeight": bar_height(count, layout, scale)}
    return layout


def bar_height(count: int, layout: dict[str, Any], scale: float = 1.0) -> int:
    """The least height in pixels of a horizontal bar chart of ``count`` bars: a readable
    row per bar plus the margins and the legend."""
    margin = layout.get("margin", {})
    extra = margin.get("t", 0) + margin.get("b", 0)
    if layout.get("showlegend"):
        extra += round(34 * scale)
    return round(count * BAR_ROW_PX * scale) + extra


def heat_colorbar(title: str, scale: float = 1.0) -> dict[str, Any]:
    """The colour scale beside a heat map, so a colour reads as a number (whole counts)."""
    return {
        "title": {"text": title, "side": "right", "font": {"size": round(13 * scale)}},
        "thickness": round(10 * scale),
        "tickformat": ",d",
        "tickfont": {"color": theme.MUTED, "size": round(12 * scale)},
        "outlinewidth": 0,
    }


def wrap_label(text: str, width: int = 26) -> str:
    """A long axis or hover label broken into lines of about ``width`` characters (``<br>``),
    so a full name ("T3 · Seguridad, defensa e integridad territorial") fits a narrow chart."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def right_axis(scale: float = 1.0, **extra: Any) -> dict[str, Any]:
    """A second y axis on the right (coverage %, bags) drawn in the accent colour."""
    return {
        "overlaying": "y",
        "side": "right",
        "showgrid": False,
        "rangemode": "tozero",
        "tickfont": {"color": theme.ACCENT, "size": round(15 * scale)},
        **extra,
    }


def coverage_traces(
    days: list[Any],
    planned: list[Any],
    served: list[Any],
    coverage_pct: list[float | None],
    scale: float = 1.0,
    day_format: str = "%{x}",
) -> list[Any]:
    """CLAP families planned (grey) and served (green) per day as bars to overlay, and the
    coverage % as a line on the right axis (``right_axis``). ``day_format`` is how the hover
    names the day (``%{x|%d/%m}`` on a date axis)."""
    return [
        go.Bar(
            x=days,
            y=planned,
            name="Planificadas",
            marker_color=theme.LINE,
            hovertemplate=f"{day_format}: %{{y:,.0f}} planificadas<extra></extra>",
        ),
        go.Bar(
            x=days,
            y=served,
            name="Atendidas",
            marker_color=theme.OK,
            hovertemplate=f"{day_format}: %{{y:,.0f}} atendidas<extra></extra>",
        ),
        go.Scatter(
            x=days,
            y=coverage_pct,
            name="Cobertura %",
            yaxis="y2",
            mode="lines",
            line={"color": theme.ACCENT, "width": 2 * scale},
            hovertemplate=f"{day_format}: %{{y:.1f}} %<extra></extra>",
        ),
    ]


def empty_figure(message: str, scale: float = 1.0) -> Figure:
    """No axes, just the message: never an empty grid that looks like zero."""
    layout = base_layout(scale)
    layout["xaxis"] = {"visible": False}
    layout["yaxis"] = {"visible": False}
    layout["annotations"] = [
        {
            "text": message,
            "showarrow": False,
            "x": 0.5,
            "y": 0.5,
            "xref": "paper",
            "yref": "paper",
            "font": {"size": round(18 * scale), "color": theme.MUTED},
        }
    ]
    return build_figure(None, layout=layout)
