"""The one place where the Sala decides whether a figure is good, fair or bad.

The wall's ``data-state``, the KPI card tones of the pages and the colour bands of the map
legends all read these thresholds, so a figure is judged the same way on every screen (before
this module ``/defensa`` turned its bars green at 80 % and its map at 90 %).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

State = Literal["bien", "regular", "mal", "sin-datos"]
Tone = Literal["ok", "warn", "bad"]

#: The CSS tone class each state maps to (``tone-ok`` …); ``sin-datos`` has none.
TONE_OF_STATE: dict[State, Tone | None] = {
    "bien": "ok",
    "regular": "warn",
    "mal": "bad",
    "sin-datos": None,
}
#: Spanish words for the states, for legends and screen readers.
STATE_LABEL: dict[State, str] = {
    "bien": "bien",
    "regular": "regular",
    "mal": "mal",
    "sin-datos": "sin datos",
}
#: Colours of the states (the same as ``--ok``, ``--warn``, ``--bad`` in ``assets/sala.css``).
STATE_COLOUR: dict[State, str] = {
    "bien": "#2fbf71",
    "regular": "#f0a030",
    "mal": "#e5484d",
    "sin-datos": "#8a94a6",
}


@dataclass(frozen=True)
class Threshold:
    """``good`` and ``fair`` bounds of a figure; ``higher_is_better`` says which way is good.

    With ``higher_is_better`` a value ``>= good`` is *bien*, ``>= fair`` *regular*, below that
    *mal*; otherwise a value ``<= good`` is *bien*, ``<= fair`` *regular*, above that *mal*.
    ``scale`` is what the bounds are written in (``1`` for ratios 0–1, ``100`` for percents).
    """

    label: str
    good: float
    fair: float
    higher_is_better: bool = True
    scale: float = 1.0

    def state(self, value: float | None) -> State:
        if value is None or value != value:  # None or NaN
            return "sin-datos"
        if self.higher_is_better:
            return "bien" if value >= self.good else "regular" if value >= self.fair else "mal"
        return "bien" if value <= self.good else "regular" if value <= self.fair else "mal"

    def tone(self, value: float | None) -> Tone | None:
        return TONE_OF_STATE[self.state(value)]

    def bands(self) -> tuple[str, str, str]:
        """Legend texts of the three bands, best first (``≥ 80 %``, ``60–80 %``, ``< 60 %``)."""
        good, fair = _pct(self.good, self.scale), _pct(self.fair, self.scale)
        if self.higher_is_better:
            return (f"≥ {good} %", f"{fair}–{good} %", f"< {fair} %")
        return (f"≤ {good} %", f"{good}–{fair} %", f"> {fair} %")


def _pct(bound: float, scale: float) -> str:
    value = bound * 100 if scale == 1.0 else bound
    return f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",")


#: Every judged figure of the Sala, by name.
THRESHOLDS: dict[str, Threshold] = {
    # Families served today / planned today (ratio 0–1).
    "clap_coverage": Threshold("Cobertura CLAP", good=0.9, fair=0.7),
    # Mean readiness of the defense units (percent 0–100); 80 % is the plan's target.
    "defense_readiness": Threshold("Alistamiento", good=80.0, fair=60.0, scale=100.0),
    # Share of open 1x10 cases past their SLA target (ratio 0–1, lower is better).
    "cases_late_share": Threshold(
        "Casos fuera de meta", good=0.10, fair=0.25, higher_is_better=False
    ),
    # Mean physical progress of the projects in execution against the money transferred
    # (ratio of progress to transferred share; 1 = on plan).
    "projects_on_plan": Threshold("Avance vs. transferido", good=0.9, fair=0.7),
    # Share of projects stalled (paralizados or without progress for 30 days; lower is better).
    "projects_stalled_share": Threshold(
        "Proyectos detenidos", good=0.05, fair=0.15, higher_is_better=False
    ),
    # Incidents of the last 24 h against the usual level of the same territory (1 = usual).
    "incidents_vs_usual": Threshold(
        "Incidentes vs. lo habitual", good=1.1, fair=1.5, higher_is_better=False
    ),
}


def state(name: str, value: float | None) -> State:
    """The state of figure ``name`` at ``value`` (``sin-datos`` when there is no value)."""
    return THRESHOLDS[name].state(value)


def tone(name: str, value: float | None) -> Tone | None:
    """The KPI card tone (``ok``/``warn``/``bad``) of figure ``name`` at ``value``."""
    return THRESHOLDS[name].tone(value)


def colour(name: str, value: float | None) -> str:
    """The colour of figure ``name`` at ``value``, for bars and map markers."""
    return STATE_COLOUR[state(name, value)]
