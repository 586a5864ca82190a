"""The KPI cards of the five areas, from one ``summary()`` dict (``/`` and ``/muro``)."""

from __future__ import annotations

from typing import Any

from dash import html

from core.thresholds import tone
from layouts.components.kpi import delta, field_value, format_value, kpi_card, kpi_value


def project_cards(s: dict[str, Any]) -> list[html.Div]:
    total = field_value(s, "projects.total")
    approved = field_value(s, "projects.approved_usd")
    transferred = field_value(s, "projects.transferred_usd")
    share = transferred / approved if approved else None
    return [
        kpi_card(
            "Proyectos en ejecución",
            "projects.by_status.en_ejecucion",
            field_value(s, "projects.by_status.en_ejecucion"),
            sub=["de ", kpi_value("projects.total", total, class_name="kpi-inline"), " proyectos"],
            area="proyectos",
        ),
        kpi_card(
            "Culminados",
            "projects.by_status.culminado",
            field_value(s, "projects.by_status.culminado"),
            sub=[
                "avance medio ",
                kpi_value(
                    "projects.avg_progress",
                    field_value(s, "projects.avg_progress"),
                    "percent",
                    "kpi-inline",
                ),
            ],
            area="proyectos",
            tone="ok" if field_value(s, "projects.by_status.culminado") else None,
        ),
        kpi_card(
            "Paralizados",
            "projects.by_status.paralizado",
            field_value(s, "projects.by_status.paralizado"),
            area="proyectos",
            tone="bad" if field_value(s, "projects.by_status.paralizado") else None,
        ),
        kpi_card(
            "USD transferidos",
            "projects.transferred_usd",
            transferred,
            "usd",
            sub=[
                "de ",
                kpi_value("projects.approved_usd", approved, "usd", "kpi-inline"),
                f" aprobados ({format_value(share, 'ratio')})",
            ],
            area="proyectos",
        ),
    ]


def clap_card(s: dict[str, Any]) -> html.Div:
    coverage = field_value(s, "clap.coverage")
    planned = field_value(s, "clap.families_planned")
    return kpi_card(
        "Familias CLAP hoy",
        "clap.families_served",
        field_value(s, "clap.families_served"),
        sub=[
            "de ",
            kpi_value("clap.families_planned", planned, class_name="kpi-inline"),
            " planificadas · ",
            kpi_value("clap.coverage", coverage, "ratio", "kpi-inline"),
        ]
        if planned
        else "sin entregas planificadas hoy",
        area="clap",
        tone=tone("clap_coverage", coverage),
    )


def cases_card(s: dict[str, Any]) -> html.Div:
    median = field_value(s, "cases.median_hours_to_resolve_30d")
    return kpi_card(
        "Casos 1x10 abiertos",
        "cases.open",
        field_value(s, "cases.open"),
        sub=[
            "mediana de resolución ",
            kpi_value("cases.median_hours_to_resolve_30d", median, "hours", "kpi-inline"),
        ],
        area="casos",
    )


def incidents_card(s: dict[str, Any]) -> html.Div:
    last_24h = field_value(s, "incidents.last_24h")
    last_7d = field_value(s, "incidents.last_7d")
    return kpi_card(
        "Incidentes 24 h",
        "incidents.last_24h",
        last_24h,
        sub=["7 días: ", kpi_value("incidents.last_7d", last_7d, class_name="kpi-inline")],
        comparison=delta(last_24h, (last_7d or 0) / 7, "down", "vs. media 7 d"),
        area="paz",
    )


def defense_card(s: dict[str, Any]) -> html.Div:
    readiness = field_value(s, "defense.avg_readiness")
    return kpi_card(
        "Alistamiento defensa",
        "defense.avg_readiness",
        readiness,
        "percent",
        sub=[
            kpi_value("defense.units", field_value(s, "defense.units"), class_name="kpi-inline"),
            " unidades",
        ],
        area="defensa",
        tone=tone("defense_readiness", readiness),
    )


def summary_cards(s: dict[str, Any]) -> list[html.Div]:
    """All cards, in the room's reading order: projects, CLAP, 1x10, paz, defensa."""
    return [*project_cards(s), clap_card(s), cases_card(s), incidents_card(s), defense_card(s)]
