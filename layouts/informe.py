"""The territory briefing as a document: one HTML for the screen (``/informe``) and for paper
(``/informe.pdf``, ``manage.py informe``), so both always say the same.

:func:`document` turns the data of :func:`data.queries.briefing.briefing` into the words,
figures (Venezuelan format), judgements (``core.thresholds``) and charts of the document;
:func:`render_html` fills the template ``layouts/templates/informe.html``; :func:`to_pdf`
prints that HTML with WeasyPrint. No database, no network.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from core import thresholds
from core.numbers import fmt_number, fmt_percent, fmt_usd_full
from core.thresholds import STATE_LABEL
from core.timeutil import CARACAS, format_caracas, long_date_es, to_utc
from data.models import PROJECT_STATUSES
from data.queries.aca import STATUS_LABELS as ACA_STATUS
from data.queries.cases import CATEGORIES as CASE_CATEGORIES
from data.queries.cases import STATUS_LABELS as CASE_STATUS
from data.queries.filters import LEVEL_LABELS
from data.queries.incidents import CATEGORIES as INCIDENT_TYPES
from data.queries.projects import CATEGORIES as PROJECT_CATEGORIES
from data.queries.projects import STATUS_LABELS as PROJECT_STATUS


class _Charts:
    """``layouts.informe_charts``, imported on the first briefing: matplotlib takes seconds
    to import, which every start of the server (and of ``make run``) paid for nothing."""

    def __getattr__(self, name: str) -> Any:
        from layouts import informe_charts

        return getattr(informe_charts, name)


charts = _Charts()

TEMPLATES = Path(__file__).parent / "templates"
_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
AREA_TITLES = {
    "proyectos": "Proyectos de la Consulta Popular",
    "clap": "CLAP: distribución de alimentos",
    "casos": "Casos del 1x10 del Buen Gobierno",
    "paz": "Cuadrantes de paz",
    "defensa": "Planes de defensa",
}
PLURAL_LEVEL = {
    "estado": "estados",
    "municipio": "municipios",
    "parroquia": "parroquias",
    "circuito": "circuitos comunales",
}


# -- formatting ---------------------------------------------------------------------------


def num(value: float | int | None, decimals: int = 0) -> str:
    return fmt_number(value, decimals)


def pct100(value: float | None, decimals: int = 1) -> str:
    """A 0..100 figure as ``45,0 %``."""
    return "—" if value is None else f"{fmt_number(value, decimals)} %"


def hours(value: float | None) -> str:
    return "—" if value is None else f"{fmt_number(value, 1)} h"


def age(hours_value: float | None) -> str:
    """``3 días 4 h`` / ``7 h``: how long a case has been open."""
    if hours_value is None:
        return "—"
    days, rest = divmod(int(hours_value), 24)
    if not days:
        return f"{rest} h"
    return f"{days} día{'s' if days != 1 else ''} {rest} h"


def change(current: float, previous: float, higher_is_better: bool = True) -> dict[str, str]:
    """``▲ 12,3 %`` against the previous period, with whether that is good news."""
    if not previous:
        return {"text": "sin referencia anterior" if not current else "nuevo", "tone": "neutral"}
    ratio = (current - previous) / previous
    if abs(ratio) < 0.0005:
        return {"text": "= sin cambio", "tone": "neutral"}
    arrow = "▲" if ratio > 0 else "▼"
    good = (ratio > 0) == higher_is_better
    return {"text": f"{arrow} {fmt_percent(abs(ratio))}", "tone": "bien" if good else "mal"}


def _state(name: str, value: float | None) -> str:
    return thresholds.state(name, value)


def _kpi(
    label: str, value: str, detail: str = "", state: str | None = None
) -> dict[str, str | None]:
    return {
        "label": label,
        "value": value,
        "detail": detail,
        "state": state,
        "state_label": STATE_LABEL.get(state, "") if state else "",
    }


def _table(
    title: str,
    headers: list[str],
    rows: list[list[Any]],
    empty: str,
    numeric: tuple[int, ...] = (),
    note: str = "",
) -> dict[str, Any]:
    return {
        "title": title,
        "headers": headers,
        "rows": rows,
        "empty": empty,
        "numeric": set(numeric),
        "note": note,
    }


def _moment(value: datetime) -> str:
    local = to_utc(value).astimezone(CARACAS)
    return f"{long_date_es(local.date())}, {local:%H:%M} (hora de Caracas)"


# -- the sections -------------------------------------------------------------------------


def _projects(data: dict[str, Any], summary: dict[str, Any]) -> dict[str, Any]:
    s, p = summary["projects"], data["projects"]
    kpis = p["kpis"]
    total = s["total"]
    done = s["by_status"].get("culminado", 0)
    stalled_share = kpis["stalled"] / total if total else None
    sent_share = s["transferred_usd"] / s["approved_usd"] if s["approved_usd"] else None
    trend = change(kpis["transferred_period_usd"], kpis["transferred_previous_usd"])
    rounds = sorted(p["by_round"])
    round_rows = []
    for consulta in rounds:
        counts = p["by_round"][consulta]
        n = sum(counts.values())
        round_rows.append(
            [
                consulta,
                *(num(counts.get(st, 0)) for st in PROJECT_STATUSES),
                num(n),
                fmt_percent(counts.get("culminado", 0) / n if n else None),
            ]
        )
    if rounds:
        round_rows.append(
            [
                "Total",
                *(num(s["by_status"].get(st, 0)) for st in PROJECT_STATUSES),
                num(total),
                fmt_percent(done / total if total else None),
            ]
        )
    status_items = [(st, PROJECT_STATUS[st]) for st in PROJECT_STATUSES]
    section = {
        "id": "proyectos",
        "title": AREA_TITLES["proyectos"],
        "lead": (
            f"{num(total)} proyectos elegidos en la Consulta Popular; {num(done)} culminados "
            f"({fmt_percent(done / total if total else None)}). Se aprobaron "
            f"{fmt_usd_full(s['approved_usd'])} y se han transferido "
            f"{fmt_usd_full(s['transferred_usd'])} ({fmt_percent(sent_share)} de lo aprobado)."
        ),
        "kpis": [
            _kpi(
                "Proyectos",
                num(total),
                f"{num(s['by_status'].get('en_ejecucion', 0))} en ejecución",
            ),
            _kpi("Aprobado", fmt_usd_full(s["approved_usd"]), "monto total aprobado"),
            _kpi(
                "Transferido",
                fmt_usd_full(s["transferred_usd"]),
                f"{fmt_percent(sent_share)} de lo aprobado",
            ),
            _kpi("Avance físico medio", pct100(s["avg_progress"]), "de todos los proyectos"),
            _kpi(
                "Sin avance en 30 días",
                num(kpis["stalled"]),
                f"{fmt_percent(stalled_share)} del total; financiados, en ejecución o paralizados",
                _state("projects_stalled_share", stalled_share),
            ),
        ],
        "comparison": [
            {
                "text": f"Transferido en los últimos 30 días: "
                f"{fmt_usd_full(kpis['transferred_period_usd'])} en "
                f"{num(kpis['transfers_period'])} "
                f"transferencia{'' if kpis['transfers_period'] == 1 else 's'}, frente a "
                f"{fmt_usd_full(kpis['transferred_previous_usd'])} en los 30 días anteriores",
                **{"change": trend["text"], "tone": trend["tone"]},
            }
        ],
        "charts": [
            {
                "uri": charts.projects_by_round(rounds, status_items, p["by_round"]),
                "caption": "Proyectos por Consulta y estado",
            }
        ]
        if rounds
        else [],
        "tables": [
            _table(
                "Rendición de cuentas de la Consulta: proyectos por ronda y estado",
                ["Consulta", *(label for _, label in status_items), "Total", "Culminados"],
                round_rows,
                "No hay proyectos de la Consulta en este territorio.",
                numeric=tuple(range(1, len(PROJECT_STATUSES) + 3)),
            ),
            _table(
                "Dinero por categoría de proyecto",
                ["Categoría", "Proyectos", "Aprobado", "Avance medio", "Paralizados"],
                [
                    [
                        PROJECT_CATEGORIES.get(r["category"], r["category"]),
                        num(r["count"]),
                        fmt_usd_full(r["approved_usd"]),
                        pct100(r["avg_progress"]),
                        num(r["paralizado"]),
                    ]
                    for r in p["by_category"]
                ],
                "No hay proyectos.",
                numeric=(1, 2, 3, 4),
                note="las categorías con más proyectos",
            ),
            _table(
                "Transferencias por banco comunal (últimos 30 días)",
                ["Banco comunal", "Transferencias", "Monto transferido"],
                [[r["bank"], num(r["transfers"]), fmt_usd_full(r["usd"])] for r in p["banks"]],
                "Ninguna transferencia en los últimos 30 días.",
                numeric=(1, 2),
            ),
        ],
        "attention": _table(
            "Proyectos detenidos con dinero transferido",
            ["Proyecto", "Circuito", "Estado", "Avance", "Aprobado", "Transferido", "Sin avance"],
            [
                [
                    r["title"],
                    r["circuito"] or "—",
                    PROJECT_STATUS.get(r["status"], r["status"]),
                    pct100(r["progress"], 0),
                    fmt_usd_full(r["approved_usd"]),
                    fmt_usd_full(r["transferred_usd"]),
                    f"{num(r['days'])} días" if r["days"] is not None else "—",
                ]
                for r in p["stalled"]
            ],
            "Ningún proyecto detenido ha recibido dinero: no hay transferencias sin avance.",
            numeric=(3, 4, 5, 6),
            note="los que llevan más tiempo sin avance",
        ),
    }
    return section


def _clap(data: dict[str, Any], summary: dict[str, Any]) -> dict[str, Any]:
    s, c = summary["clap"], data["clap"]
    k = c["kpis"]
    month, prev_month = k["month"], k["previous_month"]
    last_week = k["same_day_last_week"]
    committees = k["committees"]
    daily = c["daily"]
    trend = change(month["served"], prev_month["served"])
    return {
        "id": "clap",
        "title": AREA_TITLES["clap"],
        "lead": (
            f"Hoy se atendieron {num(s['families_served'])} de {num(s['families_planned'])} "
            f"familias planificadas ({fmt_percent(s['coverage'])}). En el mes van "
            f"{num(month['served'])} familias atendidas ({fmt_percent(month['coverage'])} de "
            "lo planificado)."
        ),
        "kpis": [
            _kpi("Familias planificadas hoy", num(s["families_planned"])),
            _kpi("Familias atendidas hoy", num(s["families_served"])),
            _kpi(
                "Cobertura de hoy",
                fmt_percent(s["coverage"]),
                f"hace una semana: {fmt_percent(last_week['coverage'])}",
                _state("clap_coverage", s["coverage"]),
            ),
            _kpi(
                "Cobertura del mes",
                fmt_percent(month["coverage"]),
                f"{num(month['bags'])} bolsas, {num(month['kg'])} kg",
                _state("clap_coverage", month["coverage"]),
            ),
            _kpi(
                "Comités sin entrega",
                num(committees["late"]),
                f"de {num(committees['total'])}, más de {c['late_days']} días",
            ),
        ],
        "comparison": [
            {
                "text": f"Familias atendidas en el mes: {num(month['served'])}, frente a "
                f"{num(prev_month['served'])} en los mismos días del mes anterior",
                "change": trend["text"],
                "tone": trend["tone"],
            }
        ],
        "charts": [
            {
                "uri": charts.clap_coverage(
                    [d["day"] for d in daily], [d["coverage"] for d in daily]
                ),
                "caption": "Cobertura diaria de los últimos 30 días (barras grises: sin "
                "entregas planificadas ese día)",
            }
        ],
        "tables": [],
        "attention": _table(
            "Comités sin entregas",
            ["Comité CLAP", "Consejo comunal", "Familias", "Última entrega", "Días"],
            [
                [
                    r["name"],
                    r["territory"] or "—",
                    num(r["families"]),
                    f"{r['last_delivery']:%d/%m/%Y}" if r["last_delivery"] else "nunca",
                    num(r["days"]) if r["days"] is not None else "—",
                ]
                for r in c["late"]
            ],
            f"Todos los comités entregaron en los últimos {c['late_days']} días.",
            numeric=(2, 4),
            note=f"más de {c['late_days']} días sin entregar, los más antiguos primero",
        ),
    }


def _cases(data: dict[str, Any], summary: dict[str, Any]) -> dict[str, Any]:
    s, c = summary["cases"], data["cases"]
    period, previous = c["period"], c["previous"]
    late_share = c["open_late"] / s["open"] if s["open"] else None
    reported = change(period["reported"], previous["reported"], higher_is_better=False)
    resolved = change(period["resolved"], previous["resolved"])
    daily = c["daily"]
    return {
        "id": "casos",
        "title": AREA_TITLES["casos"],
        "lead": (
            f"{num(s['open'])} casos abiertos; {num(c['open_late'])} han superado su plazo de "
            f"respuesta ({fmt_percent(late_share)}). En las últimas 24 h se resolvieron "
            f"{num(s['resolved_24h'])}."
        ),
        "kpis": [
            _kpi("Casos abiertos", num(s["open"])),
            _kpi("Resueltos en 24 h", num(s["resolved_24h"])),
            _kpi(
                "Mediana de resolución",
                hours(s["median_hours_to_resolve_30d"]),
                "casos resueltos en 30 días",
            ),
            _kpi(
                "Fuera de plazo",
                num(c["open_late"]),
                f"{fmt_percent(late_share)} de los abiertos",
                _state("cases_late_share", late_share),
            ),
        ],
        "comparison": [
            {
                "text": f"Recibidos en los últimos 30 días: {num(period['reported'])}, frente a "
                f"{num(previous['reported'])} en los 30 días anteriores",
                "change": reported["text"],
                "tone": reported["tone"],
            },
            {
                "text": f"Resueltos en los últimos 30 días: {num(period['resolved'])}, frente a "
                f"{num(previous['resolved'])}",
                "change": resolved["text"],
                "tone": resolved["tone"],
            },
        ],
        "charts": [
            {
                "uri": charts.cases_daily(
                    [d["day"] for d in daily],
                    [d["opened"] for d in daily],
                    [d["resolved"] for d in daily],
                ),
                "caption": "Casos recibidos y resueltos por día, últimos 30 días (el último, "
                "hasta la hora del informe)",
            }
        ],
        "tables": [
            _table(
                "Categorías fuera de plazo",
                ["Categoría", "Plazo", "Abiertos", "Fuera de plazo", "Resueltos tarde (30 días)"],
                [
                    [
                        CASE_CATEGORIES.get(r["category"], r["category"]),
                        hours(r["target_hours"]),
                        num(r["open"]),
                        num(r["open_late"]),
                        f"{num(r['resolved_late'])} de {num(r['resolved'])}",
                    ]
                    for r in c["out_of_sla"]
                ],
                "Ninguna categoría tiene casos abiertos fuera de plazo.",
                numeric=(1, 2, 3, 4),
            )
        ],
        "attention": _table(
            "Casos abiertos más antiguos",
            ["Caso", "Categoría", "Lugar", "Institución", "Estado", "Abierto hace"],
            [
                [
                    r["id"],
                    CASE_CATEGORIES.get(r["category"], r["category"]),
                    r["territory"] or "—",
                    r["institution"] or "—",
                    CASE_STATUS.get(r["status"], r["status"]),
                    age(r["age_hours"]),
                ]
                for r in c["oldest"]
            ],
            "No hay casos abiertos.",
            numeric=(5,),
        ),
    }


def _incidents(data: dict[str, Any], summary: dict[str, Any]) -> dict[str, Any]:
    s, i = summary["incidents"], data["incidents"]
    week, previous = i["week"], i["previous_week"]
    usual_day = previous["incidents"] / 7 if previous["incidents"] else None
    vs_usual = s["last_24h"] / usual_day if usual_day else None
    trend = change(week["incidents"], previous["incidents"], higher_is_better=False)
    types = ", ".join(
        f"{INCIDENT_TYPES.get(k, k).lower()} {num(n)}"
        for k, n in sorted(s["by_type_24h"].items(), key=lambda kv: (-kv[1], kv[0]))[:4]
    )
    return {
        "id": "paz",
        "title": AREA_TITLES["paz"],
        "lead": (
            f"{num(s['last_24h'])} incidentes en las últimas 24 h"
            + (f" ({types})" if types else "")
            + f" y {num(s['last_7d'])} en 7 días, {num(week['homicides'])} de ellos homicidios."
        ),
        "kpis": [
            _kpi(
                "Incidentes en 24 h",
                num(s["last_24h"]),
                "frente al promedio diario de la semana anterior"
                + (f": {num(usual_day, 1)}" if usual_day is not None else ""),
                _state("incidents_vs_usual", vs_usual),
            ),
            _kpi("Incidentes en 7 días", num(s["last_7d"])),
            _kpi("Graves en 7 días", num(week["severe"]), "gravedad 4 o 5"),
            _kpi("Homicidios en 7 días", num(week["homicides"])),
        ],
        "comparison": [
            {
                "text": f"Incidentes en los últimos 7 días: {num(week['incidents'])}, frente a "
                f"{num(previous['incidents'])} en los 7 días anteriores",
                "change": trend["text"],
                "tone": trend["tone"],
            }
        ],
        "charts": [
            {
                "uri": charts.incidents_by_hour(i["by_hour"]),
                "caption": "Incidentes por hora del día, últimos 7 días",
            }
        ],
        "tables": [],
        "attention": _table(
            "Cuadrantes por encima de lo habitual",
            ["Cuadrante", "Últimos 7 días", "Semana habitual", "Veces lo habitual"],
            [
                [
                    r["name"],
                    num(r["last_7d"]),
                    f"{num(r['weekly_mean'], 1)} ± {num(r['weekly_sd'], 1)}",
                    f"{num(r['ratio'], 1)} ×" if r["ratio"] is not None else "sin historia",
                ]
                for r in i["above_usual"]
            ],
            "Ningún cuadrante está por encima de su semana habitual.",
            numeric=(1, 2, 3),
            note="semana habitual: media ± desviación de las 8 semanas anteriores",
        ),
    }


def _defense(
    data: dict[str, Any], summary: dict[str, Any], ranking: dict[str, Any]
) -> dict[str, Any]:
    s, d = summary["defense"], data["defense"]
    t = d["totals"]
    rows = sorted(
        (r for r in ranking["rows"] if r["defense_readiness"] is not None),
        key=lambda r: (r["defense_readiness"], r["name"]),
    )[:12]
    chart = (
        [
            {
                "uri": charts.readiness_by_territory(
                    [r["name"] for r in rows], [r["defense_readiness"] for r in rows], d["target"]
                ),
                "caption": f"Alistamiento medio de los {PLURAL_LEVEL.get(ranking['level'], '')} "
                "con menor alistamiento (línea: meta)",
            }
        ]
        if rows
        else []
    )
    return {
        "id": "defensa",
        "title": AREA_TITLES["defensa"],
        "lead": (
            f"{num(s['units'])} unidades con un alistamiento medio de "
            f"{pct100(s['avg_readiness'])} (meta: {pct100(d['target'], 0)}); "
            f"{num(t['exercises_overdue'])} sin ejercicio en más de {d['overdue_days']} días."
        ),
        "kpis": [
            _kpi("Unidades", num(s["units"])),
            _kpi(
                "Alistamiento medio",
                pct100(s["avg_readiness"]),
                f"meta {pct100(d['target'], 0)}",
                _state("defense_readiness", s["avg_readiness"]),
            ),
            _kpi(
                "Comités completos",
                pct100(t["committees_pct"]),
                f"{num(t['committees_complete'])} de {num(t['committees_total'])}",
            ),
            _kpi(
                "Ejercicios vencidos",
                num(t["exercises_overdue"]),
                f"unidades sin ejercicio en {d['overdue_days']} días",
            ),
        ],
        "comparison": [],
        "charts": chart,
        "tables": [],
        "attention": _table(
            "Unidades con ejercicios vencidos",
            ["Unidad", "Lugar", "Plan", "Fase", "Alistamiento", "Último ejercicio"],
            [
                [
                    r["id"],
                    r["territory"] or "—",
                    r["plan"],
                    r["phase"].capitalize(),
                    pct100(r["readiness"], 0),
                    f"{r['last_exercise_on']:%d/%m/%Y} ({num(r['days_since_exercise'])} días)"
                    if r["last_exercise_on"]
                    else "nunca",
                ]
                for r in d["overdue"]
            ],
            "Todas las unidades hicieron su ejercicio a tiempo.",
            numeric=(4,),
            note="sin ejercicio o con el último más antiguo primero",
        ),
    }


def _alerts(data: dict[str, Any]) -> dict[str, Any]:
    a = data["alerts"]

    def ack(r: dict[str, Any]) -> str:
        if not r.get("acknowledged_by"):
            return "sin reconocer"
        return f"{r['acknowledged_by']}, {format_caracas(r['acknowledged_at'])}"

    open_rows = [
        [
            r["level_label"],
            r["area_label"],
            r["message"] or r["rule_title"],
            r["territory_name"],
            format_caracas(r["raised_at"]),
            ack(r),
        ]
        for r in a["open"]
    ]
    resolved_rows = [
        [
            r["level_label"],
            r["area_label"],
            r["message"] or r["rule_title"],
            r["territory_name"],
            f"{format_caracas(r['resolved_at'])}"
            + (f" por {r['resolved_by']}" if r.get("resolved_by") else ""),
            ack(r),
        ]
        for r in a["resolved"]
    ]
    shown = len(a["open"])
    return {
        "open": _table(
            "Alertas abiertas",
            ["Nivel", "Área", "Alerta", "Territorio", "Desde", "Reconocida por"],
            open_rows,
            "No hay alertas abiertas en este territorio.",
            note=(
                f"las {shown} más graves de {num(a['open_total'])}"
                if a["open_total"] > shown
                else ""
            ),
        ),
        "resolved": _table(
            f"Alertas resueltas en los últimos {a['resolved_days']} días",
            ["Nivel", "Área", "Alerta", "Territorio", "Resuelta", "Reconocida por"],
            resolved_rows,
            f"Ninguna alerta resuelta en los últimos {a['resolved_days']} días.",
        ),
        "open_total": a["open_total"],
    }


def _rank_value(measure: str, value: float | None) -> str:
    if measure == "clap_coverage":
        return fmt_percent(value)
    if measure in ("projects_avg_progress", "defense_readiness"):
        return pct100(value)
    return num(value)


def _ranking(data: dict[str, Any]) -> dict[str, Any] | None:
    r = data["ranking"]
    if not r["level"] or r["count"] < 2:
        return None
    rows = []
    for area in r["areas"]:

        def names(items: list[dict[str, Any]], measure: str = area["measure"]) -> list[str]:
            return [f"{x['name']} ({_rank_value(measure, x['value'])})" for x in items]

        rows.append(
            {
                "area": AREA_TITLES[area["area"]].split(":")[0],
                "label": area["label"],
                "best": names(area["best"]),
                "worst": names(area["worst"]),
                "without_data": area["without_data"],
            }
        )
    return {"level": PLURAL_LEVEL.get(r["level"], r["level"]), "count": r["count"], "rows": rows}


def _headline(summary: dict[str, Any], sections: dict[str, dict[str, Any]]) -> list[dict]:
    """The cover's table: every figure of the summary, and the area's judgement."""
    out = []
    for key in ("proyectos", "clap", "casos", "paz", "defensa"):
        section = sections[key]
        judged = [k for k in section["kpis"] if k["state"]]
        out.append(
            {
                "id": key,
                "title": section["title"],
                "figures": [(k["label"], k["value"]) for k in section["kpis"]],
                "state": judged[0]["state"] if judged else None,
                "state_label": judged[0]["state_label"] if judged else "",
                "judged_by": judged[0]["label"] if judged else "",
            }
        )
    aca = summary["aca"]
    out.append(
        {
            "id": "aca",
            "title": "Agenda Concreta de Acción",
            "figures": [
                ("Acciones", num(aca["total"])),
                *((ACA_STATUS.get(k, k), num(v)) for k, v in aca["by_status"].items()),
                ("Vencidas", num(aca["overdue"])),
            ],
            "state": None,
            "state_label": "",
            "judged_by": "",
        }
    )
    return out


def _scope_text(scope: Any) -> str:
    root = getattr(scope, "root", None)
    if root is None:
        return "Nacional: todo el país"
    return f"{LEVEL_LABELS.get(root.level, root.level)} {root.name} y todo lo que está debajo"


def document(
    data: dict[str, Any], generated_by: str, generated_at: datetime, pdf_href: str = ""
) -> dict[str, Any]:
    """Everything the template writes, already in words and Venezuelan figures."""
    ref = data["territory"]
    summary = data["summary"]
    sections = {
        "proyectos": _projects(data, summary),
        "clap": _clap(data, summary),
        "casos": _cases(data, summary),
        "paz": _incidents(data, summary),
        "defensa": _defense(data, summary, data["ranking"]),
    }
    name = ref.name if ref else "Venezuela"
    level = LEVEL_LABELS.get(ref.level, ref.level) if ref else "País"
    return {
        "title": f"Informe de rendición de cuentas — {name}",
        "territory_name": name,
        "level_label": level,
        "territory_text": f"{level} {name} y todo lo que está debajo" if ref else "Todo el país",
        "path": [step["name"] for step in data["path"]],
        "as_of": data["as_of"],
        "moment": _moment(data["as_of"]),
        "moment_short": format_caracas(data["as_of"]),
        "generated_by": generated_by,
        "generated_at": format_caracas(generated_at),
        "scope": _scope_text(data["scope"]),
        "headline": _headline(summary, sections),
        "sections": list(sections.values()),
        "alerts": _alerts(data),
        "ranking": _ranking(data),
        "pdf_href": pdf_href,
        "state_colours": PRINT_STATE_COLOURS,
    }


# Darker than the wall's colours: they must read on white paper and in grey print.
PRINT_STATE_COLOURS = {"bien": "#2e7d4f", "regular": "#b7791f", "mal": "#b3261e"}


def render_html(doc: dict[str, Any], screen: bool = False) -> str:
    """The HTML of the document (``screen`` adds the on-screen frame and the PDF link)."""
    return _env.get_template("informe.html").render(doc=doc, screen=screen)


def to_pdf(html: str) -> bytes:
    """Print the HTML to PDF (WeasyPrint: real text, Spanish hyphenation, page footers)."""
    # WeasyPrint reports every step at INFO: one line per page in the server's log.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    from weasyprint import HTML  # imported here: only the briefing needs it

    return HTML(string=html, base_url=str(TEMPLATES)).write_pdf()


def file_name(ref_code: str | None, as_of: datetime) -> str:
    """``informe_VE-A_2026-11-23.pdf``: the territory and the Caracas date."""
    day = to_utc(as_of).astimezone(CARACAS).date().isoformat()
    code = "".join(c if c.isalnum() or c in "-." else "-" for c in (ref_code or "VE"))
    return f"informe_{code}_{day}.pdf"
