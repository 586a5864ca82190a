"""The sizes of the generated dataset."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """How much to generate. Rates are per circuito, from the national yearly volumes."""

    name: str
    circuitos: int
    days: int  # days of history for the daily facts (CLAP, cases, incidents)
    rounds: int  # Consulta Popular rounds with projects
    consejos: tuple[int, int]  # consejos comunales (and CLAP committees) per circuito
    units_per_circuito: int  # defense units per circuito (besides one ADI per municipio)
    case_event_days: int | None = None  # keep case history only this recent (None = all)
    min_per_estado: int = 1
    cases_per_day: float = 1.5  # ~8,000/day over ~5,300 circuitos
    incidents_per_day: float = 0.52  # ~1 million a year
    projects_per_round: float = 1.9  # the top two per circuito


SCALES: dict[str, Scale] = {
    "test": Scale("test", circuitos=30, days=10, rounds=2, consejos=(1, 3), units_per_circuito=1),
    "demo": Scale("demo", circuitos=530, days=90, rounds=4, consejos=(5, 13), units_per_circuito=3),
    "national": Scale(
        "national",
        circuitos=5336,
        days=365,
        rounds=4,
        consejos=(5, 13),
        units_per_circuito=3,
        case_event_days=30,
    ),
}
