"""Generators of the fact rows: projects, transfers, CLAP batches, 1x10 cases, incidents,
defense units (alerts come from the alert engine, not from here). Times are naive UTC; Caracas is UTC-4 all year (no DST).

Each generator draws from its own ``random.Random`` so that one area's volume never shifts
another's numbers, and events after ``end`` are drawn and then dropped, so a shorter window
is a prefix of a longer one for the same seed.
"""

from __future__ import annotations

import bisect
import calendar
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate

from data.seed import names
from data.seed.scales import Scale
from data.seed.world import Circuito, World

CARACAS_OFFSET = timedelta(hours=4)  # UTC = Caracas + 4 h
# Consulta Popular rounds: (month, day) each year, close to the 2025 dates.
ROUND_DATES = {1: (2, 2), 2: (4, 27), 3: (7, 27), 4: (11, 23)}
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)

PROJECT_COLUMNS = (
    "id", "comuna_code", "consulta", "title", "category", "transformation", "approved_usd",
    "status", "physical_progress", "started_on", "due_on", "updated_at", "progress_changed_at",
    "continuidad_of", "estado_code", "municipio_code", "parroquia_code", "circuito_code",
    "transfers_usd",
)  # fmt: skip
PROGRESS_COLUMNS = ("project_id", "recorded_at", "physical_progress", "status")
TRANSFER_COLUMNS = (
    "id", "project_id", "bank", "amount_usd", "transferred_at",
    "estado_code", "municipio_code", "parroquia_code", "circuito_code",
)  # fmt: skip
DELIVERY_COLUMNS = (
    "id", "clap_code", "territory_code", "delivered_on", "families_planned", "families_served",
    "bags", "kg", "estado_code", "municipio_code", "parroquia_code", "circuito_code",
)  # fmt: skip
CASE_COLUMNS = (
    "id", "territory_code", "category", "status", "institution", "reported_at", "updated_at",
    "resolved_at", "assigned_at", "estado_code", "municipio_code", "parroquia_code",
    "circuito_code",
)  # fmt: skip
EVENT_COLUMNS = ("case_id", "status", "at")
INCIDENT_COLUMNS = (
    "id", "cuadrante_code", "type", "severity", "occurred_at", "lat", "lon",
    "estado_code", "municipio_code", "parroquia_code", "circuito_code",
)  # fmt: skip
DEFENSE_COLUMNS = (
    "id", "territory_code", "plan", "phase", "readiness", "last_exercise_on",
    "committees_total", "committees_complete", "updated_at",
    "estado_code", "municipio_code", "parroquia_code", "circuito_code",
)  # fmt: skip
ACTION_COLUMNS = (
    "id", "territory_code", "title", "transformation", "owner", "due_on", "status",
    "project_id", "resources", "updated_at",
    "estado_code", "municipio_code", "parroquia_code", "circuito_code",
)  # fmt: skip


def caracas_day(moment: datetime) -> date:
    return (moment - CARACAS_OFFSET).date()


def caracas_midnight(day: date) -> datetime:
    """The naive UTC instant at which ``day`` starts in Caracas."""
    return datetime(day.year, day.month, day.day) + CARACAS_OFFSET


class Picker:
    """Weighted choice by bisection on cumulative weights (fast for millions of draws)."""

    def __init__(self, items: list, weights: list[float]) -> None:
        self.items = items
        self.cum = list(accumulate(weights))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


# --- projects, progress history and transfers ------------------------------------------


@dataclass
class ProjectRows:
    projects: list[tuple] = field(default_factory=list)
    progress: list[tuple] = field(default_factory=list)
    transfers: list[tuple] = field(default_factory=list)


def consulta_rounds(end: datetime, count: int) -> list[tuple[str, datetime]]:
    """The last ``count`` Consulta rounds held on or before ``end``, oldest first."""
    rounds = []
    year = caracas_day(end).year
    while len(rounds) < count:
        for n in (4, 3, 2, 1):
            month, day = ROUND_DATES[n]
            held = caracas_midnight(date(year, month, day)) + 12 * HOUR
            if held <= end and len(rounds) < count:
                rounds.append((f"{year}-{n}", held))
        year -= 1
    return rounds[::-1]


def projects(world: World, scale: Scale, seed: int, end: datetime) -> ProjectRows:
    rng = random.Random(f"{seed}:projects")
    cats = list(names.PROJECT_CATEGORIES)
    cat_picker = Picker(cats, [names.PROJECT_CATEGORIES[c][0] for c in cats])
    out = ProjectRows()
    # Projects still open after a round can return as a "continuidad" in a later one.
    open_by_circuito: dict[str, list[tuple[str, str, str]]] = {}
    for consulta, held in consulta_rounds(end, scale.rounds):
        opened: list[tuple[str, tuple[str, str, str]]] = []
        for circ in world.circuitos:
            count = 2 if rng.random() < scale.projects_per_round - 1 else 1
            for n in range(1, count + 1):
                pid = f"P-{consulta}-{circ.code}-{n}"
                previous = open_by_circuito.get(circ.code) or []
                continues = previous.pop(0) if previous and rng.random() < 0.12 else None
                status = _project(out, rng, circ, pid, consulta, held, end, cat_picker, continues)
                if status in ("en_ejecucion", "paralizado"):
                    opened.append((circ.code, (pid, out.projects[-1][4], out.projects[-1][3])))
        for code, project in opened:
            open_by_circuito.setdefault(code, []).append(project)
    return out


def _project(
    out: ProjectRows,
    rng: random.Random,
    circ: Circuito,
    pid: str,
    consulta: str,
    held: datetime,
    end: datetime,
    cat_picker: Picker,
    continues: tuple[str, str, str] | None,
) -> str:
    q = circ.quality
    if continues:
        category, title = continues[1], f"Continuidad: {continues[2]}"[:300]
    else:
        category = cat_picker.pick(rng)
        place = rng.choice(names.PLACES)
        title = names.PROJECT_TITLES[category].format(place=place)
    _, usual_t, cost = names.PROJECT_CATEGORIES[category]
    transformation = usual_t if rng.random() < 0.85 else rng.randint(1, 7)
    approved = round(min(25_000, max(3_000, rng.gauss(10_000 * cost, 2_200))), 2)
    financed = held + DAY * rng.uniform(20, 60) / q + HOUR * rng.uniform(1, 8)
    start = financed + DAY * rng.uniform(5, 25)
    duration = DAY * rng.uniform(90, 240) / q
    due_on = (start + DAY * rng.uniform(90, 180)).date()
    no_start = rng.random() < 0.04 + 0.08 * (1 - q)  # money sent, nothing built
    stalled = rng.random() < 0.05 + 0.35 * (1 - q)
    stall_at = round(rng.uniform(8, 75), 1)
    full_first = no_start or rng.random() < 0.35
    path = circ.path

    progress, changed, started_on = 0.0, None, None
    if end < financed:
        status, updated = "aprobado", held
    elif no_start or end < start:
        status, updated = "financiado", financed
    else:
        started_on = start.date()
        limit = start + duration * (stall_at / 100) if stalled else start + duration
        stop = min(end, limit)
        t = start + 14 * DAY
        while t < stop:
            value = round(100 * (t - start) / duration, 1)
            out.progress.append((pid, t, value, "en_ejecucion"))
            progress, changed = value, t
            t += 14 * DAY
        if limit <= end:
            progress = stall_at if stalled else 100.0
            status = "paralizado" if stalled else "culminado"
            changed = limit
            out.progress.append((pid, limit, progress, status))
        else:
            status = "en_ejecucion"
            if changed is None:
                changed = start
                out.progress.append((pid, start, 0.0, status))
        updated = changed

    transfers_before = len(out.transfers)
    if end >= financed:
        first = approved if full_first else round(approved * 0.6, 2)
        out.transfers.append((f"T-{pid}-1", pid, circ.bank, first, financed, *path))
        second_at = start + duration * 0.4
        if (
            first < approved
            and second_at <= end
            and not no_start
            and not (stalled and stall_at < 40)
        ):
            out.transfers.append(
                (f"T-{pid}-2", pid, circ.bank, round(approved - first, 2), second_at, *path)
            )
            updated = max(updated, second_at)
    out.projects.append(
        (
            pid, circ.comuna, consulta, title, category, transformation, approved, status,
            progress, started_on, due_on, _sec(updated), _sec(changed) if changed else None,
            continues[0] if continues else None, *path,
            # the sum kept on the project row (data.project_money), exact in cents
            float(sum(Decimal(str(t[3])) for t in out.transfers[transfers_before:])),
        )
    )  # fmt: skip
    return status


def _sec(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


# --- CLAP delivery batches -------------------------------------------------------------


def clap_deliveries(world: World, scale: Scale, seed: int, end: datetime) -> Iterator[tuple]:
    """One batch per committee per month, peaking at month-end; some missed, some short."""
    rng = random.Random(f"{seed}:clap")
    last = caracas_day(end)
    first = last - DAY * (scale.days - 1)
    seq = 0
    month = date(first.year, first.month, 1)
    while month <= last:
        dim = calendar.monthrange(month.year, month.month)[1]
        day_picker = Picker(
            list(range(1, dim + 1)), [3.0 if d > dim - 8 else 1.0 for d in range(1, dim + 1)]
        )
        current = month.year == last.year and month.month == last.month
        for ordinal, circ in enumerate(world.circuitos):
            q = circ.quality
            for index, (clap, consejo, families) in enumerate(circ.claps):
                missed = rng.random() < 0.02 + 0.3 * (1 - q)
                day = month.replace(day=day_picker.pick(rng))
                ratio = rng.gauss(0.97 - 0.6 * (1 - q), 0.05)
                kg_per_bag = rng.uniform(12, 14)
                if current and index == 0 and ordinal % 100 == 0:
                    # a few batches dated today so even the tiny scale has some to watch;
                    # few enough that "today" does not stand out as a spike
                    day = last
                if missed or not (first <= day <= last):
                    continue
                seq += 1
                served = max(0, min(families, round(families * ratio)))
                yield (
                    f"D-{seq:07d}", clap, consejo, day, families, served, served,
                    round(served * kg_per_bag, 1), *circ.path,
                )  # fmt: skip
        month = (month + timedelta(days=32)).replace(day=1)


# --- 1x10 cases and their status history ----------------------------------------------


def _hour_picker(pattern: str) -> Picker:
    return Picker(list(range(24)), list(names.HOURS[pattern]))


def cases(
    world: World, scale: Scale, seed: int, end: datetime
) -> Iterator[tuple[list[tuple], list[tuple]]]:
    """Per Caracas day: (case rows, case_event rows)."""
    rng = random.Random(f"{seed}:cases")
    cats = list(names.CASE_CATEGORIES)
    cat_picker = Picker(cats, [names.CASE_CATEGORIES[c][0] for c in cats])
    hours = _hour_picker("cases")
    consejos = [(cc, circ) for circ in world.circuitos for cc in circ.consejos]
    rate = scale.cases_per_day * len(world.circuitos)
    last = caracas_day(end)
    events_from = end - DAY * scale.case_event_days if scale.case_event_days else None
    seq = 0
    for offset in range(scale.days - 1, -1, -1):
        day = last - DAY * offset
        midnight = caracas_midnight(day)
        weekday = (0.8, 1.0, 1.0, 1.0, 1.0, 0.85, 0.6)[day.weekday()]
        n = round(rate * weekday * rng.uniform(0.9, 1.1))
        case_rows: list[tuple] = []
        event_rows: list[tuple] = []
        for _ in range(n):
            consejo, circ = consejos[rng.randrange(len(consejos))]
            category = cat_picker.pick(rng)
            reported = midnight + HOUR * hours.pick(rng) + timedelta(seconds=rng.randrange(3600))
            _, median_h, institution = names.CASE_CATEGORIES[category]
            if institution is None:
                institution = names.WATER_UTILITY.get(circ.estado, "Hidrológica regional")
            slow = (1 / circ.quality) ** 1.5
            assigned = reported + HOUR * rng.uniform(0.2, 8) * slow
            attended = assigned + HOUR * rng.uniform(1, 24) * slow
            resolved = reported + HOUR * max(
                median_h * slow * rng.lognormvariate(0, 1.1),
                (attended - reported) / HOUR + 0.5,
            )
            closed = resolved + HOUR * rng.uniform(24, 120)
            rejected = rng.random() < 0.03
            will_close = rng.random() < 0.7
            if reported > end:
                continue
            seq += 1
            cid = f"C-{seq:08d}"
            if rejected:
                timeline = [("recibido", reported), ("rechazado", assigned)]
            else:
                timeline = [
                    ("recibido", reported),
                    ("asignado", assigned),
                    ("en_atencion", attended),
                    ("resuelto", resolved),
                ]
                if will_close:
                    timeline.append(("cerrado", closed))
            # the steps are in time order, so those up to ``end`` are a prefix: the case's
            # own times are read from it (each truncated to the second once)
            timeline = [(s, _sec(t)) for s, t in timeline if t <= end]
            status, updated = timeline[-1]
            resolved_at = timeline[3][1] if not rejected and len(timeline) > 3 else None
            assigned_at = timeline[1][1] if not rejected and len(timeline) > 1 else None
            case_rows.append(
                (
                    cid, consejo, category, status, institution, timeline[0][1], updated,
                    resolved_at, assigned_at, *circ.path,
                )
            )  # fmt: skip
            if events_from is None or reported >= events_from:
                event_rows.extend((cid, s, t) for s, t in timeline)
        yield case_rows, event_rows


# --- incidents in the cuadrantes de paz ------------------------------------------------


def incidents(world: World, scale: Scale, seed: int, end: datetime) -> Iterator[tuple]:
    rng = random.Random(f"{seed}:incidents")
    types = list(names.INCIDENT_TYPES)
    type_picker = Picker(types, [names.INCIDENT_TYPES[t][0] for t in types])
    hour_pickers = {p: _hour_picker(p) for p in ("general", "transito")}
    # Hot spots: worse territories and a few cuadrantes with much more crime.
    heat = [(0.5 + 1.5 * (1 - c.quality)) * rng.lognormvariate(0, 0.6) for c in world.circuitos]
    circ_picker = Picker(world.circuitos, heat)
    rate = scale.incidents_per_day * len(world.circuitos)
    last = caracas_day(end)
    seq = 0
    for offset in range(scale.days - 1, -1, -1):
        day = last - DAY * offset
        midnight = caracas_midnight(day)
        weekend = 1.2 if day.weekday() >= 5 else 1.0
        for _ in range(round(rate * weekend * rng.uniform(0.85, 1.15))):
            circ: Circuito = circ_picker.pick(rng)
            kind = type_picker.pick(rng)
            _, severity, pattern = names.INCIDENT_TYPES[kind]
            occurred = (
                midnight
                + HOUR * hour_pickers[pattern].pick(rng)
                + timedelta(seconds=rng.randrange(3600))
            )
            severity = min(5, max(1, severity + rng.choice((-1, 0, 0, 0, 1))))
            lat = round(circ.lat + rng.gauss(0, 0.006), 5)
            lon = round(circ.lon + rng.gauss(0, 0.006), 5)
            if occurred > end:
                continue
            seq += 1
            yield (f"I-{seq:08d}", circ.cuadrante, kind, severity, occurred, lat, lon, *circ.path)


# --- defense units ----------------------------------------------------------

DEFENSE_PLANS = {
    "estado": "ZODI — Zona Operativa de Defensa Integral",
    "municipio": "ADI — Área de Defensa Integral",
    "circuito": (
        "BPDI — Base Popular de Defensa Integral",
        "Unidad de Milicia Bolivariana",
        "Cuadrante de Paz — despliegue",
    ),
}


def _unit(
    rng: random.Random, uid: str, code: str, plan: str, q: float, end: datetime, path: tuple
) -> tuple:
    readiness = round(min(100.0, max(5.0, rng.gauss(88 * q, 9))), 1)
    phase = names.DEFENSE_PHASES[min(3, int(readiness // 25))]
    last_exercise = caracas_day(end) - DAY * int(rng.uniform(3, 100) / q)
    total = rng.randint(4, 12)
    complete = max(0, min(total, round(total * (readiness / 100 + rng.gauss(0, 0.1)))))
    updated = _sec(end - HOUR * rng.uniform(0, 72))
    return (uid, code, plan, phase, readiness, last_exercise, total, complete, updated, *path)


def defense_units(world: World, scale: Scale, seed: int, end: datetime) -> list[tuple]:
    rng = random.Random(f"{seed}:defense")
    rows = []
    for code, q in world.quality.items():
        if len(code) == 4:  # an estado (VE-W included)
            rows.append(
                _unit(rng, f"ZODI-{code}", code, DEFENSE_PLANS["estado"], q, end,
                      (code, None, None, None))
            )  # fmt: skip
    for code, estado in world.municipios:
        q = world.quality[code]
        rows.append(
            _unit(rng, f"ADI-{code}", code, DEFENSE_PLANS["municipio"], q, end,
                  (estado, code, None, None))
        )  # fmt: skip
    for circ in world.circuitos:
        for k in range(scale.units_per_circuito):
            plan = DEFENSE_PLANS["circuito"][k % 3]
            rows.append(
                _unit(rng, f"U-{circ.code}-{k + 1}", circ.code, plan, circ.quality, end, circ.path)
            )
    return rows


# --- ACA actions -----------------------------------------------------------------------


def actions(world: World, seed: int, end: datetime, project_rows: list[tuple]) -> list[tuple]:
    """The Agendas Concretas de Acción: a few actions per estado, per municipio with
    circuitos and per circuito, due from three months ago to four months ahead. Worse
    territories finish fewer on time; a third of a circuito's actions follow one of its
    projects (contraloría social)."""
    rng = random.Random(f"{seed}:actions")
    today = caracas_day(end)
    names_by_code = {row[0]: row[2] for row in world.territory_rows}
    projects: dict[str, list[tuple]] = {}
    circuito = PROJECT_COLUMNS.index("circuito_code")
    for row in project_rows:
        projects.setdefault(row[circuito], []).append(row)
    seen_municipios: dict[str, str] = {}
    for circ in world.circuitos:
        seen_municipios.setdefault(circ.municipio, circ.estado)
    places: list[tuple[str, str, float, tuple, str]] = []  # code, owner, quality, path, kind
    for estado in sorted({c.estado for c in world.circuitos}):
        name = names_by_code[estado]
        for _ in range(3):
            places.append((estado, f"Gobernación de {name}", world.quality[estado],
                           (estado, None, None, None), "estado"))  # fmt: skip
    for municipio, estado in sorted(seen_municipios.items()):
        name = names_by_code[municipio]
        for _ in range(rng.randint(1, 2)):
            places.append((municipio, f"Alcaldía del municipio {name}", world.quality[municipio],
                           (estado, municipio, None, None), "municipio"))  # fmt: skip
    for circ in world.circuitos:
        for _ in range(rng.randint(1, 3)):
            owner = rng.choice(names.ACTION_OWNERS).format(name=circ.name)
            places.append((circ.code, owner, circ.quality, circ.path, "circuito"))
    rows = []
    for seq, (code, owner, q, path, kind) in enumerate(places, start=1):
        t = rng.choice(list(names.ACTION_TITLES))
        title = rng.choice(names.ACTION_TITLES[t]).format(place=rng.choice(names.PLACES))
        project_id = None
        own = projects.get(code) if kind == "circuito" else None
        if own and rng.random() < 0.33:
            project = rng.choice(own)
            project_id, t = project[0], project[5]
            title = f"Contraloría social del proyecto «{project[3]}»"[:300]
        due = today + DAY * rng.randint(-90, 120)
        updated = end - HOUR * rng.uniform(1, 24 * 30)
        if due < today:
            roll = rng.random()
            if roll < 0.25 + 0.45 * q:
                status = "cumplida"
                updated = min(updated, caracas_midnight(due) + HOUR * rng.uniform(8, 18))
            elif roll < 0.3 + 0.45 * q:
                status = "cancelada"
            else:
                status = "en_curso" if rng.random() < 0.6 else "pendiente"
        else:
            roll = rng.random()
            status = "en_curso" if roll < 0.5 else "pendiente" if roll < 0.9 else "cumplida"
        resources = None
        if rng.random() < 0.7:
            resources = rng.choice(names.ACTION_RESOURCES).format(
                usd=f"{rng.randrange(2, 30) * 500:,}".replace(",", "."), n=rng.randint(6, 40)
            )
        rows.append(
            (
                f"ACA-{seq:06d}", code, title, t, owner[:200], due, status, project_id,
                resources, _sec(min(updated, end)), *path,
            )
        )  # fmt: skip
    return rows
