"""The briefing's charts, drawn by matplotlib on the server (no browser) as SVG data URIs.

SVG stays sharp on paper and on screen, and WeasyPrint and every browser read it from an
``<img>``. The object API (``matplotlib.figure.Figure``) is used instead of ``pyplot``:
it keeps no global state, so two requests can draw at the same time. Pure: data in, text out.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from datetime import date

import matplotlib

matplotlib.use("Agg")  # before anything else of matplotlib: never a display

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from core.numbers import fmt_number
from core.thresholds import THRESHOLDS

INK = "#1d2b3a"
MUTED = "#6b7785"
GRID = "#d9dee4"
NAVY = "#1f4e79"
SKY = "#7fa7cf"
GOLD = "#c99a2e"
RED = "#b3261e"
# Status colours of the projects, from planned to done (paralizado stands out).
STATUS_COLOURS = {
    "aprobado": "#c9d6e3",
    "financiado": "#7fa7cf",
    "en_ejecucion": "#1f4e79",
    "paralizado": "#b3261e",
    "culminado": "#2e7d4f",
}

matplotlib.rcParams.update(
    {
        "font.family": ["Liberation Sans", "DejaVu Sans"],
        "font.size": 8.5,
        "axes.edgecolor": GRID,
        "axes.labelcolor": INK,
        "xtick.color": MUTED,
        "ytick.color": MUTED,
        "text.color": INK,
        "svg.hashsalt": "sala-informe",  # the same data gives the same file
        # Text stays text: WeasyPrint sets it with the document's fonts (searchable in the
        # PDF), and drawing it is cheaper than drawing every glyph as a path (~0,6 s less).
        "svg.fonttype": "none",
    }
)

_vnum = FuncFormatter(lambda v, _pos: fmt_number(v, 0))
_vpct = FuncFormatter(lambda v, _pos: f"{fmt_number(v * 100, 0)} %")


def _figure(width: float = 6.6, height: float = 2.3) -> tuple[Figure, object]:
    fig = Figure(figsize=(width, height), dpi=100)
    ax = fig.add_subplot()
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    return fig, ax


def _uri(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _day_labels(days: Sequence[date]) -> tuple[list[int], list[str]]:
    """Every seventh day, as ``23/11``."""
    ticks = list(range(len(days) - 1, -1, -7))[::-1]
    return ticks, [f"{days[i]:%d/%m}" for i in ticks]


def clap_coverage(days: Sequence[date], coverage: Sequence[float | None]) -> str:
    """Daily coverage (served / planned) with the good and fair thresholds as lines."""
    fig, ax = _figure()
    threshold = THRESHOLDS["clap_coverage"]
    xs = range(len(days))
    values = [c if c is not None else float("nan") for c in coverage]
    colours = ["#d0d5db" if c is None else _state_colour(threshold.state(c)) for c in coverage]
    ax.bar(xs, [0 if v != v else v for v in values], color=colours, width=0.75)
    ax.axhline(threshold.good, color=INK, linewidth=0.8, linestyle="--")
    ax.axhline(threshold.fair, color=MUTED, linewidth=0.8, linestyle=":")
    for bound, word, colour in ((threshold.good, "meta", INK), (threshold.fair, "mínimo", MUTED)):
        ax.annotate(
            f"{word} {fmt_number(bound * 100, 0)} %",
            xy=(1.01, bound),
            xycoords=("axes fraction", "data"),
            va="center",
            fontsize=7.5,
            color=colour,
            annotation_clip=False,
        )
    ax.set_ylim(
        0, max(1.05, *(v for v in values if v == v)) if any(v == v for v in values) else 1.05
    )
    ax.yaxis.set_major_formatter(_vpct)
    ticks, labels = _day_labels(days)
    ax.set_xticks(ticks, labels)
    ax.set_ylabel("familias atendidas / planificadas")
    return _uri(fig)


def _state_colour(state: str) -> str:
    """Print-friendly versions of the threshold colours (darker than the wall's)."""
    return {"bien": "#2e7d4f", "regular": "#c98a1a", "mal": "#b3261e"}.get(state, "#9aa3ad")


def cases_daily(days: Sequence[date], opened: Sequence[int], resolved: Sequence[int]) -> str:
    """1x10 cases received and resolved per day."""
    fig, ax = _figure()
    xs = list(range(len(days)))
    ax.plot(xs, opened, color=RED, linewidth=1.6, label="recibidos")
    ax.plot(xs, resolved, color=NAVY, linewidth=1.6, label="resueltos")
    ax.fill_between(xs, opened, resolved, color=GOLD, alpha=0.12, linewidth=0)
    ax.yaxis.set_major_formatter(_vnum)
    ax.yaxis.set_major_locator(MaxNLocator(5, integer=True))
    ax.set_ylim(bottom=0)
    ticks, labels = _day_labels(days)
    ax.set_xticks(ticks, labels)
    ax.set_ylabel("casos por día")
    ax.legend(frameon=False, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2)
    return _uri(fig)


def incidents_by_hour(counts: Sequence[int]) -> str:
    """Incidents per hour of the day (Caracas), the last 7 days."""
    fig, ax = _figure(height=2.1)
    ax.bar(range(24), counts, color=NAVY, width=0.75)
    ax.set_xticks(range(0, 24, 3), [f"{h:02d}:00" for h in range(0, 24, 3)])
    ax.yaxis.set_major_formatter(_vnum)
    ax.yaxis.set_major_locator(MaxNLocator(5, integer=True))
    ax.set_ylabel("incidentes")
    ax.set_xlabel("hora del día (Caracas)")
    return _uri(fig)


def projects_by_round(
    rounds: Sequence[str], statuses: Sequence[tuple[str, str]], counts: dict[str, dict[str, int]]
) -> str:
    """Projects per Consulta round, stacked by status (``statuses``: key and label)."""
    fig, ax = _figure(height=2.4)
    xs = list(range(len(rounds)))  # positions, not the names: "2026-3" would be read as a date
    bottoms = [0] * len(rounds)
    for key, label in statuses:
        values = [counts.get(r, {}).get(key, 0) for r in rounds]
        ax.bar(xs, values, 0.6, bottom=bottoms, color=STATUS_COLOURS.get(key, SKY), label=label)
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    ax.set_xticks(xs, rounds)
    ax.set_xlim(-0.6, max(len(rounds), 4) - 0.4)  # one round stays a bar, not a wall
    ax.yaxis.set_major_formatter(_vnum)
    ax.yaxis.set_major_locator(MaxNLocator(5, integer=True))
    ax.set_ylabel("proyectos")
    ax.set_xlabel("Consulta")
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7.5)
    return _uri(fig)


def readiness_by_territory(names: Sequence[str], values: Sequence[float], target: float) -> str:
    """Mean readiness of the territories below, lowest first, against the target."""
    height = max(1.6, 0.22 * len(names) + 0.6)
    fig, ax = _figure(height=height)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color=GRID, linewidth=0.6)
    threshold = THRESHOLDS["defense_readiness"]
    colours = [_state_colour(threshold.state(v)) for v in values]
    ax.barh(range(len(names)), values, color=colours, height=0.7)
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.axvline(target, color=INK, linewidth=0.8, linestyle="--")
    ax.set_xlim(0, 100)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{fmt_number(v, 0)} %"))
    ax.set_xlabel(f"alistamiento medio (meta {fmt_number(target, 0)} %)")
    return _uri(fig)
