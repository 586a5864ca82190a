"""Colours of the dark theme, shared by CSS-less pieces (Plotly figures, map markers).

Keep in step with the variables at the top of ``assets/sala.css``.
"""

from __future__ import annotations

BG = "#0b1016"
PANEL = "#131b25"
LINE = "#253244"
TEXT = "#e8eef5"
MUTED = "#93a4b8"
ACCENT = "#f5c542"
BLUE = "#3d8bfd"
OK = "#2fbf71"
WARN = "#f0a030"
BAD = "#e5484d"
VIOLET = "#a78bfa"
CYAN = "#22c1d6"
FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"

# One colour per area, used by KPI stripes and charts alike.
AREA_COLORS = {
    "proyectos": BLUE,
    "clap": OK,
    "casos": ACCENT,
    "paz": BAD,
    "defensa": VIOLET,
    "aca": CYAN,
}


def scale_for(width: int | None) -> float:
    """Type scale for figures from the viewport width: 1 at 1920 px, 2 at 3840 px."""
    if not width:
        return 1.0
    return max(0.75, min(2.4, width / 1920))
