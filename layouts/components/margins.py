"""Margins a figure's labels need, reserved when the figure is built.

Plotly grows a figure's margins to fit long axis labels, legends and colour scales
(``automargin``), and then draws the whole chart a second time. With the margins already
that large it draws once: 2-8 times less main-thread work per chart (README, Lighthouse).
``fit_margins`` estimates, from the figure's own labels and fonts, the margins Plotly would
compute, and raises the figure's margins to them. The estimate errs wide (the widest of the
theme's fonts, a few pixels to spare), so the axes do without ``automargin``, which measured
every tick label on every draw (``figures._template``); a legend wrapping on a narrow card
still grows the top margin, as Plotly always lets legends do. ``tests/browser/test_labels.py``
checks on every page that no label sticks out of its chart.

Widths are DejaVu Sans' (the first font of ``theme.FONT``), the widest of the three: on a
machine with Liberation Sans or Arial the labels are narrower and the margin a little wide.
X tick labels that could be crowded on a narrow card (where Plotly would tilt them) are
made fewer (an axis that may thin its labels, ``nticks``) or get a fixed angle, so the
bottom margin does not depend on how wide the card happens to be.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, TypeVar

import plotly.graph_objects as go

# Advance widths of DejaVu Sans, in em, by character (fontTools, hmtx / unitsPerEm).
_WIDTHS = {
    0.28: "'ijlí",
    0.29: "IJÍ",
    0.32: " ,.·",
    0.34: "/:;\\|",
    0.35: "f",
    0.36: "-",
    0.39: "()[]t",
    0.4: "!¡",
    0.41: "r",
    0.46: '"',
    0.5: "*_`°–",
    0.52: "s",
    0.53: "?z¿",
    0.55: "c",
    0.56: "L",
    0.57: "F",
    0.58: "k",
    0.59: "vxy",
    0.6: "P",
    0.61: "TYaeoáéó",
    0.63: "EhnuúÉñü",
    0.64: "$0123456789Sbdgpq{}",
    0.66: "K",
    0.68: "AVÁ",
    0.69: "BRXZ",
    0.7: "C",
    0.73: "UÚÜ",
    0.75: "HNÑ",
    0.77: "D",
    0.78: "&G",
    0.79: "OQÓ",
    0.82: "w",
    0.84: "#+<=>^~×",
    0.86: "M",
    0.95: "%",
    0.97: "m",
    0.99: "W",
    1.0: "@—",
}
_EM = {char: width for width, chars in _WIDTHS.items() for char in chars}
_OTHER_EM = 0.7  # any character not in the table

#: Height of one line of text, in font sizes (Plotly's line height).
LINE = 1.3
#: What a horizontal legend entry takes besides its text: the symbol and the gaps.
LEGEND_ENTRY_PX = 55
#: The width of a chart card, unknown when the figure is built, in sizes of the figure's
#: font (which scales with the screen): about the narrowest an indicator page's card is
#: drawn (~440 px with a 15 px font: a third of a 1920 px screen; at 1350-1366 px a card
#: is half the screen, ~630 px). Legends wrap in its plot (the card less the side margins)
#: and x tick labels must fit there. A wider card leaves a legend row empty; a narrower
#: one costs a redraw.
CARD_EM = 29
#: The tallest plot area of a card that does not grow: a legend placed on the plot sits at
#: ``y=1.02``, 2 % of the plot's height above it.
TALL_PLOT_PX = 600
#: Pixels Plotly keeps between tick labels and the edge of the figure (measured).
PAD = 16
#: Angle of x tick labels that could be crowded: fixed, so the bottom margin is known.
CROWDED_ANGLE = 30


def text_width(text: str, size: float) -> float:
    """Pixels of ``text`` at font ``size`` (the widest line of a ``<br>``-broken label)."""
    lines = str(text).replace("<br />", "<br>").split("<br>")
    return max(sum(_EM.get(char, _OTHER_EM) for char in line) for line in lines) * size


def _lines(text: str) -> int:
    return str(text).count("<br>") + 1


def _size(font: Any, default: float) -> float:
    return float(font.size) if font is not None and font.size else default


def _number(value: float, axis: Any) -> str:
    """A tick label as Plotly would write the largest one (Venezuelan separators)."""
    if value < 10 and axis.dtick != 1:
        body = f"{value:.1f}".replace(".", ",")
    else:
        body = f"{math.ceil(value):,}".replace(",", ".")
    return f"{axis.tickprefix or ''}{body}{axis.ticksuffix or ''}"


def _axis_values(fig: go.Figure, letter: str, axis_id: str) -> tuple[list[str], float | None]:
    """Category labels on an axis and the largest number it shows (stacked bars added up)."""
    other = "y" if letter == "x" else "x"
    cats: list[str] = []
    top = 0.0
    numeric = False
    stacks: dict[Any, float] = {}
    stacked = fig.layout.barmode in ("stack", "relative")
    for trace in fig.data:
        on = getattr(trace, f"{letter}axis", None) or letter
        if on != axis_id:
            continue
        values = getattr(trace, letter, None)
        if values is None:
            continue
        values = list(values)
        if trace.type == "heatmap" or any(isinstance(v, str) for v in values):
            cats.extend(str(v) for v in values if v is not None)
            continue
        if any(hasattr(v, "year") for v in values):
            continue  # dates: labels from tickformat
        numeric = True
        is_bar = trace.type == "bar"
        keys = getattr(trace, other, None)
        for i, v in enumerate(values):
            if v is None:
                continue
            if is_bar and stacked and keys is not None:
                key = list(keys)[i]
                stacks[key] = stacks.get(key, 0.0) + float(v)
            top = max(top, float(v))
    if stacks:
        top = max(top, *stacks.values())
    axis = fig.layout[f"{letter}axis" + axis_id[1:]]
    if axis.range is not None and axis.range[1] is not None:
        top = float(axis.range[1])
        numeric = not cats
    return list(dict.fromkeys(cats)), (top * 1.1 if numeric else None)


def _tick_width(fig: go.Figure, letter: str, axis_id: str) -> float:
    """Width of the axis's widest tick label."""
    axis = fig.layout[f"{letter}axis" + axis_id[1:]]
    size = _size(axis.tickfont, _size(fig.layout.font, 12))
    cats, top = _axis_values(fig, letter, axis_id)
    labels = list(cats)
    if axis.tickvals is not None:
        labels = [str(v) for v in axis.tickvals]
    if top is not None:
        labels.append(_number(top, axis))
    if axis.type == "date" or (not labels and axis.tickformat):
        labels.append("00/00")
    return max((text_width(label, size) for label in labels), default=0.0)


def _title_px(axis: Any, base: float) -> float:
    title = axis.title
    if title is None or not title.text:
        return 0.0
    # Without a standoff (figures._template has none) Plotly sets the title a fixed distance
    # from the axis line; 15 px past the labels has held it on every page (test_labels).
    standoff = title.standoff if title.standoff is not None else 15
    return _lines(title.text) * LINE * _size(title.font, base) + standoff


def _legend_px(fig: go.Figure, base: float, plot: float) -> float:
    """Height of a horizontal legend above the plot. Plotly keeps it in one row when it fits
    the plot's width (also for a legend placed on the card), else lays it out in columns as
    wide as its widest entry."""
    legend = fig.layout.legend
    size = _size(legend.font, base)
    names = [t.name for t in fig.data if t.name and t.showlegend is not False]
    if not fig.layout.showlegend or not names or legend.orientation != "h":
        return 0.0
    entries = [text_width(name, size) + LEGEND_ENTRY_PX for name in names]
    rows = 1
    if sum(entries) > plot:
        rows = math.ceil(len(entries) / max(1, int(plot // max(entries))))
    height = rows * (LINE * size + 3) + 26  # rows and padding, as Plotly draws them
    if legend.yref != "container":  # on the plot, 2 % of its height above it (y 1.02)
        meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
        height += 0.02 * max(TALL_PLOT_PX, meta.get("minHeight", 0)) + 1
    return height


def _colorbar_px(fig: go.Figure, base: float) -> float:
    """Width of a heat map's colour scale and its title, right of the plot."""
    need = 0.0
    for trace in fig.data:
        if trace.type != "heatmap" or trace.showscale is False or trace.colorbar is None:
            continue
        bar = trace.colorbar
        z = [v for row in (trace.z or []) for v in row if v is not None]
        size = _size(bar.tickfont, base)
        ticks = text_width(f"{math.ceil(max(z, default=0)):,}".replace(",", "."), size)
        title = LINE * _size(bar.title.font, base) if bar.title and bar.title.text else 0
        need = max(need, 30 + (bar.thickness or 30) + ticks + title + 16)
    return need


@dataclass
class Parts:
    """A figure's traces and layout without the ``go.Figure`` around them (what
    ``figures.build_figure`` has): all :func:`fit_margins` reads and changes."""

    data: list[Any]
    layout: go.Layout

    def update_layout(self, **changes: Any) -> None:
        self.layout.update(changes)


F = TypeVar("F", go.Figure, Parts)


def fit_margins(fig: F, card_em: float = CARD_EM) -> F:
    """Raise ``fig``'s margins to what its labels, legend and colour scale need in a card
    ``card_em`` font sizes wide (see the module's docstring); x tick labels that could be crowded
    become fewer or get a fixed angle."""
    layout = fig.layout
    if layout.xaxis.visible is False and layout.yaxis.visible is False:
        return fig  # the empty figure: a message, no axes
    base = _size(layout.font, 12)
    card = card_em * base
    m = layout.margin
    need = {"l": m.l or 0, "r": m.r or 0, "t": m.t or 0, "b": m.b or 0}

    # Left: the y axis's tick labels and title.
    need["l"] = max(need["l"], _tick_width(fig, "y", "y") + _title_px(layout.yaxis, base) + PAD)

    # Right: the last x tick label's overhang, a right axis, a colour scale.
    x = layout.xaxis
    x_size = _size(x.tickfont, base)
    x_width = _tick_width(fig, "x", "x")
    right = x_width / 2 + 8
    if "yaxis2" in layout.to_plotly_json() and layout["yaxis2"].overlaying:
        right = max(right, _tick_width(fig, "y", "y2") + PAD)
    need["r"] = max(need["r"], right, _colorbar_px(fig, base))
    plot = max(card - need["l"] - need["r"], 120)

    # Bottom: x tick labels (fewer, or angled, when they could be crowded) and the title.
    cats, top = _axis_values(fig, "x", "x")
    shown = len(x.tickvals) if x.tickvals is not None else len(cats)
    if top is not None and x.tickvals is None:  # numbers: Plotly aims at a tick per 80 px
        shown = max(shown, 5, int(plot // 80) + 1)
    if x.nticks:
        shown = min(shown, x.nticks) if shown else x.nticks
    thins = bool(x.nticks) or (top is not None and x.tickvals is None)
    if shown * (x_width + 10) > plot and thins and x_width <= 75:
        x.nticks = max(2, int(plot // (x_width + 10)))  # fewer labels, level
    elif (x_width > 75 or shown * (x_width + 10) > plot) and x.tickangle is None:
        x.tickangle = -CROWDED_ANGLE
    angle = math.radians(abs(x.tickangle or 0))
    x_height = x_width * math.sin(angle) + LINE * x_size * math.cos(angle)
    need["b"] = max(need["b"], x_height + _title_px(x, base) + 17)

    # Top: the legend above the plot; the top number of a y axis, centred on the plot's edge.
    need["t"] = max(need["t"], _legend_px(fig, base, plot))
    if _axis_values(fig, "y", "y")[1] is not None:
        need["t"] = max(need["t"], _size(layout.yaxis.tickfont, base) + 6)

    fig.update_layout(margin={side: math.ceil(px) for side, px in need.items()})
    return fig
