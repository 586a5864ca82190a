"""Advice for the next Consulta Popular: what people need against what was already funded.

For a territory (a circuito, or rolled up to a parroquia, municipio, estado or the country)
each **project category** gets its needs and its supply, and a priority score that says which
works the next Consulta should look at first. 1x10 case categories are turned into project
categories by the one table of ``data.consulta_categories``.

**Needs** (1x10 cases inside the territory reported in the last ``DEMAND_DAYS`` days before
the moment asked for, rejected ones left out): ``received``; ``open`` (of those, not resolved
by then); ``late`` (open ones older than their category's resolution target,
``SALA_SLA_HORAS``); ``recent`` and ``earlier``: received in the second and the first half of
the window.

**Supply** (projects inside the territory chosen in the last ``ROUNDS`` Consulta rounds, in
their current state): ``projects``, USD approved and transferred to them up to the
moment (wherever the transfer was recorded), ``completed`` (``culminado``), ``in_progress``
(``aprobado``, ``financiado``, ``en_ejecucion``), ``stalled`` (``paralizado``), continuity
projects.

**The score** (higher = look at it first)::

    need   = received + open + late          a case counts 1, 2 if still open, 3 if also late
    trend  = (recent + 2) / (earlier + 2)    limited to 0.5 … 2: rising demand weighs more
    supply = completed + 0.5 × in_progress   a paralysed project supplies nothing
    score  = need × trend / (1 + supply)

So heavy, unanswered, growing demand with no project ranks first; a category whose projects
were completed and whose cases fell goes down on both counts; a failed (paralysed) project
does not lower its category's priority. The ``reason`` sentence states the same numbers
(``"40 casos de agua en 60 días, 25 abiertos (8 fuera de plazo); ningún proyecto de agua en
las últimas 4 consultas"``). Project categories with projects but no 1x10 measure score 0 and
say so. Cases of ``otros`` are left out (no work answers them).

Other parts of the Sala call these functions directly: :func:`priorities` (one territory),
:func:`by_territory` (each circuito with its first priority), :func:`without_projects`,
:func:`stalled_continuity`, :func:`seven_t` and :func:`circuito_history`.

Every function takes the territory already resolved inside the caller's scope
(``data.scope.resolve``) and restricts every query to it; sums and counts are SQL
aggregates (GROUP BY); Python only combines the few numbers of each category into its score.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from operator import add
from typing import Any, NamedTuple

from sqlalchemy import and_, exists, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from core.sla import DEFAULT_SLA_HOURS, FALLBACK
from data.consulta_categories import CASE_TO_PROJECT, NEEDS, label_of, transformation_of
from data.models import CitizenCase, Project, Territory, Transfer, path_of
from data.queries import consulta_demand
from data.queries.common import at, by_key, count_if
from data.queries.filters import CHILD_LEVEL
from data.queries.projects import STATUS_LABELS as PROJECT_STATUS_LABELS
from data.queries.projects import sent_up_to, stalled_clause
from data.queries.rolled import core_rows, local_setting, serial_plan
from data.rollups import REJECTED
from data.scope import TerritoryRef, territory_clause
from data.transformations import LABELS as T_LABELS
from data.transformations import NUMBERS as T_NUMBERS

DEMAND_DAYS = 60
ROUNDS = 4
IN_PROGRESS = ("aprobado", "financiado", "en_ejecucion")
IN_PROGRESS_WEIGHT = 0.5
TREND_SMOOTHING = 2  # added to both halves, so 1 case against 0 is no doubling
TREND_LIMITS = (0.5, 2.0)
# The reason calls demand rising or falling past these trends, with at least TREND_MIN_GAP
# cases of difference between the halves (3 against 1 is noise, not a trend).
RISING, FALLING, TREND_MIN_GAP = 1.5, 1 / 1.5, 5
# The page's category filter: the project categories of the mapping table.
CATEGORIES: dict[str, str] = {name: need.label for name, need in NEEDS.items()}


# -- the score (pure) ---------------------------------------------------------------------


class Demand(NamedTuple):
    """1x10 cases of one category in the window (see the module docstring). A named tuple:
    the page builds one per territory and category (~8,000 for an estado)."""

    received: int = 0
    open: int = 0
    late: int = 0
    recent: int = 0

    @property
    def earlier(self) -> int:
        return self.received - self.recent


class Supply(NamedTuple):
    """Projects of one category in the last rounds (see the module docstring)."""

    projects: int = 0
    approved_usd: float = 0.0
    transferred_usd: float = 0.0
    completed: int = 0
    in_progress: int = 0
    stalled: int = 0
    continuity: int = 0
    avg_progress: float | None = None

    @property
    def completed_pct(self) -> float | None:
        return round(100 * self.completed / self.projects, 1) if self.projects else None


def trend(d: Demand) -> float:
    return _trend(d.recent, d.earlier)


def _trend(recent: float, earlier: float) -> float:
    low, high = TREND_LIMITS
    k = TREND_SMOOTHING
    return min(high, max(low, (recent + k) / (earlier + k)))


def score(d: Sequence[float], s: Sequence[float]) -> float:
    """``need × trend / (1 + supply)``, one decimal (the module docstring explains it), of a
    Demand and a Supply or of their count lists (``Counts``: the fields in the same order),
    so a page scores every category of ~800 territories without a tuple for each."""
    received, opened, late, recent = d[:4]
    need = received + opened + late
    supply = s[3] + IN_PROGRESS_WEIGHT * s[4]  # completed + weight × in progress
    return round(need * _trend(recent, received - recent) / (1 + supply), 1)


def _n(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}".replace(",", ".")


def _alternatives(words: tuple[str, ...]) -> str:
    """``agua``; ``salud o ayuda médica``; ``seguridad, defensa o alteración del orden``."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " o " + words[-1]


def reason(
    category: str,
    d: Demand,
    s: Supply,
    days: int = DEMAND_DAYS,
    rounds: int = ROUNDS,
    measured: bool | None = None,
) -> str:
    """The "why" of a score in one Spanish sentence, with the numbers that made it.

    ``measured``: whether any 1x10 category maps to ``category`` (default: from the table).
    """
    name = label_of(category).lower()
    need = NEEDS.get(category)
    if measured is None:
        measured = bool(need and need.case_categories)
    cases = _alternatives(need.case_categories if need and need.case_categories else (name,))
    if not measured:
        parts = [f"el 1x10 no mide la necesidad de {name}"]
    elif not d.received:
        parts = [f"ningún caso de {cases} en {days} días"]
    else:
        text = f"{_n(d.received, 'caso', 'casos')} de {cases} en {days} días"
        if d.open:
            text += f", {_n(d.open, 'abierto', 'abiertos')}"
            if d.late:
                text += f" ({d.late:,} fuera de plazo)".replace(",", ".")
        else:
            text += ", todos atendidos"
        half, t = days // 2, trend(d)
        if abs(d.recent - d.earlier) < TREND_MIN_GAP:
            pass
        elif t >= RISING:
            text += (
                f"; en aumento ({d.recent} en los últimos {half} días frente a {d.earlier} antes)"
            )
        elif t <= FALLING:
            text += (
                f"; en descenso ({d.recent} en los últimos {half} días frente a {d.earlier} antes)"
            )
        parts = [text]
    last = f"en las últimas {rounds} consultas" if rounds > 1 else "en la última consulta"
    if not s.projects:
        parts.append(f"ningún proyecto de {name} {last}" if rounds else "ninguna consulta aún")
    else:
        states = [
            _n(s.completed, "culminado", "culminados") if s.completed else "",
            f"{s.in_progress} en curso" if s.in_progress else "",
            _n(s.stalled, "paralizado", "paralizados") if s.stalled else "",
        ]
        detail = ", ".join(x for x in states if x)
        parts.append(f"{_n(s.projects, 'proyecto', 'proyectos')} {last}: {detail}")
    return "; ".join(parts)


def _row(name: str, d: Demand, s: Supply, days: int, rounds: int) -> dict[str, Any]:
    """One category's row of a ranking, with its reason."""
    return {
        "category": name,
        "label": label_of(name),
        "demand": d.received,
        "open": d.open,
        "late": d.late,
        "recent": d.recent,
        "earlier": d.earlier,
        "funded_projects": s.projects,
        "funded_usd": round(s.approved_usd, 2),
        "transferred_usd": round(s.transferred_usd, 2),
        "completed": s.completed,
        "in_progress": s.in_progress,
        "stalled": s.stalled,
        "continuity": s.continuity,
        "completed_pct": s.completed_pct,
        "avg_progress": s.avg_progress,
        "score": score(d, s),
        "reason": reason(name, d, s, days, rounds),
    }


def _priority(name: str, d: Sequence[float], s: Sequence[float]) -> tuple[float, float, str]:
    """The ranking's order: highest score first, then more demand, then by name."""
    return (-score(d, s), -d[0], name)


def _categories(demand: dict[str, Any], supply: dict[str, Any], only: str | None) -> list[str]:
    names = sorted(set(demand) | set(supply))
    return [n for n in names if n == only] if only else names


def ranked(
    demand: dict[str, Demand],
    supply: dict[str, Supply],
    only: str | None = None,
    days: int = DEMAND_DAYS,
    rounds: int = ROUNDS,
) -> list[dict[str, Any]]:
    """Every category with demand or supply, highest score first (then more demand, then
    by name), each with its reason; ``only`` keeps one category."""
    rows = []
    for name in _categories(demand, supply, only):
        d, s = demand.get(name, Demand()), supply.get(name, Supply())
        rows.append((_priority(name, d, s), _row(name, d, s, days, rounds)))
    return [row for _, row in sorted(rows, key=lambda pair: pair[0])]


def top_of(
    needs: dict[str, list[float]],
    funded: dict[str, list[float]],
    only: str | None = None,
    days: int = DEMAND_DAYS,
    rounds: int = ROUNDS,
) -> dict[str, Any] | None:
    """The first row of :func:`ranked` alone (None when there is none) from one territory's
    count lists (``Counts``): a list of territories shows each one's top category, so only
    that one becomes a Demand, a Supply and a row with its reason."""
    # the smallest priority wins whatever the order (it ends with the name): no sorting.
    # score() and _priority() written out in the loop: an estado's ~780 circuitos score
    # ~8,600 categories here, and the three calls per category were a third of its Python.
    low, high, k, weight = *TREND_LIMITS, TREND_SMOOTHING, IN_PROGRESS_WEIGHT
    names = (only,) if only else needs.keys() | funded.keys()
    best = None
    for name in names:
        d, s = needs.get(name), funded.get(name)
        if d is None and s is None:
            continue
        d, s = d or NO_DEMAND, s or NO_SUPPLY
        received, opened, late, recent = d[:4]
        rising = (recent + k) / (received - recent + k)
        trend_ = low if rising < low else high if rising > high else rising
        need = received + opened + late
        key = (-round(need * trend_ / (1 + (s[3] + weight * s[4])), 1), -received, name)
        if best is None or key < best[0]:
            best = (key, d, s)
    if best is None:
        return None
    (_, _, name), d, s = best
    return _row(name, _demand(d), _supply(s), days, rounds)


# -- rounds --------------------------------------------------------------------------------


def _round_key(consulta: str) -> tuple[int, int]:
    year, _, n = consulta.partition("-")
    return (int(year), int(n)) if year.isdigit() and n.isdigit() else (0, 0)


def recent_rounds(session: Session, count: int = ROUNDS) -> list[str]:
    """The last ``count`` Consulta rounds with any project in the country, newest first.

    Rounds are national: a round in which a circuito won nothing still counts for it."""
    rounds = session.scalars(select(Project.consulta).distinct()).all()
    return sorted(rounds, key=_round_key, reverse=True)[:count]


# -- needs and supply in SQL ------------------------------------------------------------------


# A territory's codes at the levels asked for (coarse to fine); () is the whole territory.
Key = tuple[str | None, ...]
# Per key and category, plain lists of sums (they add up; Demand and Supply are built last):
# demand [received, open, late, recent]; projects [projects, approved USD, transferred USD,
# completed, in progress, stalled, continuity, sum of progress, projects with a progress].
Counts = dict[Key, dict[str, list[float]]]


def _rolled(groups: Counts, depth: int) -> Counts:
    """``groups`` added up to their first ``depth`` codes."""
    out: Counts = defaultdict(dict)
    for key, per_category in groups.items():
        into = out[key[:depth]]
        for category, values in per_category.items():  # _add, inlined: ~12,000 per estado
            total = into.get(category)
            into[category] = list(values) if total is None else list(map(add, total, values))
    return out


def _add(into: dict[str, list[float]], category: str, values: list[float]) -> None:
    """Add ``values`` to the sums of ``category`` in ``into`` (a copy when it is new)."""
    total = into.get(category)
    if total is None:
        into[category] = list(values)
    else:
        into[category] = [a + b for a, b in zip(total, values, strict=True)]


def demand_counts(
    session: Session,
    ref: TerritoryRef | None,
    as_of: datetime,
    levels: tuple[str, ...],
    targets: dict[str, float] | None = None,
    days: int = DEMAND_DAYS,
    use_rollup: bool = True,
) -> Counts:
    """``{(code at each of levels): {project category: demand counts}}`` in one read (a
    caller may run it beside :func:`supply_counts`, each on its own session, and then call
    :func:`advice_of`). The country or an estado grouped per estado at most is read from the
    daily rollup and the hours at its edges (:mod:`data.queries.consulta_demand`; the same
    counts, ``use_rollup`` False reads the cases), anything finer from the cases.
    """
    start, middle = as_of - timedelta(days=days), as_of - timedelta(days=days / 2)
    targets = targets or DEFAULT_SLA_HOURS
    fallback = targets.get(FALLBACK, DEFAULT_SLA_HOURS[FALLBACK])
    deadline = {
        name: as_of - timedelta(hours=targets.get(name, fallback)) for name in CASE_TO_PROJECT
    }
    if not (use_rollup and consulta_demand.serves(ref, levels)):
        return _demand_from_cases(session, ref, levels, start, middle, as_of, deadline)
    # the rollup's rows are per case category with "late" counted once per distinct
    # deadline (open and reported before it); each category takes its own here
    deadlines = sorted(set(deadline.values()))
    late_column = {name: deadlines.index(d) for name, d in deadline.items()}
    rows = consulta_demand.demand_rows(session, ref, levels, start, middle, as_of, deadlines)
    out: Counts = defaultdict(dict)
    width = len(levels)
    for row in rows:
        key, category, (n, opened, recent, *late) = tuple(row[:width]), row[width], row[width + 1 :]
        if category not in CASE_TO_PROJECT:
            continue  # "otros": no work answers it
        values = [n, opened or 0, late[late_column[category]] or 0, recent or 0]
        _add(out[key], CASE_TO_PROJECT[category], values)
    return out


def _demand_from_cases(
    session: Session,
    ref: TerritoryRef | None,
    levels: tuple[str, ...],
    start: datetime,
    middle: datetime,
    as_of: datetime,
    deadline: dict[str, datetime],
) -> Counts:
    """:func:`demand_counts` counted from the cases: each case category joined to its
    project category and its own deadline (a list of a dozen rows), so the rows come out per
    project category with one "late" count, and "otros" (no work answers it) drops out. An
    estado's ~56,000 cases: 50 → 36 ms against a "late" column per distinct deadline."""
    c = CitizenCase
    needs = union_all(
        *(
            select(
                literal(name).label("category"),
                literal(project).label("project"),
                at(deadline[name]).label("deadline"),  # bound as the stored times are
            )
            for name, project in CASE_TO_PROJECT.items()
        )
    ).subquery("needs")
    is_open = or_(c.resolved_at.is_(None), c.resolved_at > as_of)
    keys = [path_of(c, level) for level in levels]
    stmt = (
        select(
            *keys,
            needs.c.project,
            func.count(),
            count_if(is_open),
            # late ⇔ open and reported_at < as_of − target (strictly older than the target)
            count_if(and_(is_open, c.reported_at < needs.c.deadline)),
            count_if(c.reported_at > middle),
        )
        .join(needs, needs.c.category == c.category)
        .where(
            territory_clause(c, ref),
            c.reported_at > start,
            c.reported_at <= as_of,
            c.status != REJECTED,
        )
        .group_by(*keys, needs.c.project)
    )
    # The planner over-counts the groups of an estado's circuitos (~50,000 for ~9,000) and
    # sorted 55,000 cases on disk under the default 4 MB; in memory it hashes them (×2).
    with local_setting(session, "work_mem", "16MB"):
        rows = core_rows(session, stmt)
    out: Counts = defaultdict(dict)
    width = len(levels)
    for row in rows:  # one row per key and project category: [received, open, late, recent]
        out[tuple(row[:width])][row[width]] = [row[width + 1], *(n or 0 for n in row[width + 2 :])]
    return out


NO_DEMAND = [0, 0, 0, 0]  # a category with projects and no case (read-only)
NO_SUPPLY = [0, 0.0, 0.0, 0, 0, 0, 0, 0.0, 0]  # a category with cases and no project


def _demand(values: list[float]) -> Demand:
    return Demand(*map(int, values))


def supply_counts(
    session: Session,
    ref: TerritoryRef | None,
    as_of: datetime,
    rounds: list[str],
    levels: tuple[str, ...],
) -> Counts:
    """``{(code at each of levels): {project category: project counts}}`` of the projects
    of ``rounds``; the money sent to them counts up to ``as_of``, in one pass over the
    projects (the sum kept on each project row: ``projects.sent_up_to``)."""
    if not rounds:
        return {}
    keys = [path_of(Project, level) for level in levels]
    width = len(levels)
    late, on, sent = sent_up_to(as_of)
    rows = core_rows(
        session,
        select(
            *keys,
            Project.category,
            func.count(),
            func.sum(Project.approved_usd),
            func.sum(sent),
            count_if(Project.status == "culminado"),
            count_if(Project.status.in_(IN_PROGRESS)),
            count_if(Project.status == "paralizado"),
            count_if(Project.continuidad_of.is_not(None)),
            func.sum(Project.physical_progress),
            func.count(Project.physical_progress),
        )
        .select_from(Project)
        .outerjoin(late, on)
        .where(territory_clause(Project, ref), Project.consulta.in_(rounds))
        .group_by(*keys, Project.category),
    )
    out: Counts = defaultdict(dict)
    for row in rows:
        key, (category, n, usd, sent_usd, *counts, progress, measured) = (
            tuple(row[:width]),
            row[width:],
        )
        out[key][category] = [
            n,
            float(usd or 0),
            float(sent_usd or 0),
            *(c or 0 for c in counts),
            float(progress or 0),
            measured or 0,
        ]
    return out


def _supply(values: list[float]) -> Supply:
    n, usd, sent, done, running, stopped, cont, progress, measured = values
    return Supply(
        projects=int(n),
        approved_usd=usd,
        transferred_usd=sent,
        completed=int(done),
        in_progress=int(running),
        stalled=int(stopped),
        continuity=int(cont),
        avg_progress=round(progress / measured, 1) if measured else None,
    )


# -- rankings --------------------------------------------------------------------------------


class Totals(NamedTuple):
    """A territory's 1x10 cases, open cases and projects over the categories ranked."""

    demand: int = 0
    open: int = 0
    projects: int = 0


@dataclass
class Advice:
    """Rankings of a territory, or of each territory of a level inside it, and each one's
    ``totals``: its cases, open cases and projects over the categories ranked."""

    rounds: list[str]
    rankings: dict[str | None, list[dict[str, Any]]] = field(default_factory=dict)
    totals: dict[str | None, Totals] = field(default_factory=dict)


LEVEL_ORDER = ("estado", "municipio", "parroquia", "circuito")


def advice_path(levels: tuple[str | None, ...]) -> tuple[str, ...]:
    """The path levels to group the reads of :func:`advice_levels` by (coarse to fine)."""
    return tuple(level for level in LEVEL_ORDER if level in levels)


def advice_of(
    demand: Counts,
    supply: Counts,
    levels: tuple[str | None, ...],
    rounds: list[str],
    category: str | None = None,
    every_category: bool = True,
) -> dict[str | None, Advice]:
    """The rankings of each of ``levels`` from the counts read per :func:`advice_path`:
    the finest level as read, the others added up from it. Without ``every_category``, the
    territories of a level get their top category alone (:func:`top_of`): the page's map
    and table; ``ref`` as a whole (the level None) always gets every category."""
    path = advice_path(levels)
    depths = {level: path.index(level) + 1 if level else 0 for level in levels}
    # each level added up from the next finer one asked for, not from the finest again
    sums = {len(path): (demand, supply)}
    for depth in sorted(set(depths.values()) - {len(path)}, reverse=True):
        finer = sums[min(d for d in sums if d > depth)]
        sums[depth] = (_rolled(finer[0], depth), _rolled(finer[1], depth))
    out = {}
    for level, depth in depths.items():
        needs, funded = sums[depth]
        result = Advice(rounds)
        for key in set(needs) | set(funded):
            code = key[-1] if key else None
            here, there = needs.get(key, {}), funded.get(key, {})
            if every_category or level is None:
                d = {name: _demand(v) for name, v in here.items()}
                s = {name: _supply(v) for name, v in there.items()}
                result.rankings[code] = ranked(d, s, category, rounds=len(rounds))
            else:
                top = top_of(here, there, category, rounds=len(rounds))
                result.rankings[code] = [top] if top else []
            result.totals[code] = _totals(here, there, category)
        out[level] = result
    return out


def _totals(
    here: dict[str, list[float]], there: dict[str, list[float]], only: str | None
) -> Totals:
    """Cases received and open, and projects, of one territory's categories (``only``: of
    that one)."""
    if only:
        d, s = here.get(only), there.get(only)
        return Totals(int(d[0]) if d else 0, int(d[1]) if d else 0, int(s[0]) if s else 0)
    received = opened = 0
    for d in here.values():
        received += d[0]
        opened += d[1]
    return Totals(int(received), int(opened), int(sum(s[0] for s in there.values())))


def advice_levels(
    session: Session,
    ref: TerritoryRef | None,
    as_of: datetime,
    levels: tuple[str | None, ...],
    category: str | None = None,
    targets: dict[str, float] | None = None,
    rounds: list[str] | None = None,
) -> dict[str | None, Advice]:
    """:func:`advice` for each of ``levels`` (None: ``ref`` as a whole) from one read of
    the cases and one of the projects, grouped by the finest level and added up for the
    others: a page asking for the territory, its map and its table reads each row once."""
    rounds = recent_rounds(session) if rounds is None else rounds
    path = advice_path(levels)
    demand = demand_counts(session, ref, as_of, path, targets)
    supply = supply_counts(session, ref, as_of, rounds, path)
    return advice_of(demand, supply, levels, rounds, category)


def advice(
    session: Session,
    ref: TerritoryRef | None,
    as_of: datetime,
    level: str | None = None,
    category: str | None = None,
    targets: dict[str, float] | None = None,
    rounds: list[str] | None = None,
) -> Advice:
    """The ranked categories of ``ref`` (``level`` None) or of each of its territories of
    ``level`` (codes with neither demand nor projects are absent)."""
    return advice_levels(session, ref, as_of, (level,), category, targets, rounds)[level]


def priorities(
    session: Session,
    ref: TerritoryRef | None,
    as_of: datetime,
    category: str | None = None,
    targets: dict[str, float] | None = None,
    rounds: list[str] | None = None,
) -> list[dict[str, Any]]:
    """The ranked categories of ``ref`` and everything below it (``GET
    /api/v1/consulta/prioridades``), highest score first."""
    return advice(session, ref, as_of, None, category, targets, rounds).rankings.get(None, [])


def territory_level(ref: TerritoryRef | None) -> str:
    """The level whose territories :func:`by_territory` lists: the estados for the country,
    else every circuito inside (the Consulta is decided per circuito)."""
    return "estado" if ref is None else "circuito"


def by_territory(
    session: Session,
    ref: TerritoryRef | None,
    as_of: datetime,
    category: str | None = None,
    targets: dict[str, float] | None = None,
    level: str | None = None,
    rounds: list[str] | None = None,
    result: Advice | None = None,
    places: list[Place] | None = None,
) -> list[dict[str, Any]]:
    """Every territory of ``level`` inside ``ref`` (default :func:`territory_level`) with its
    top category, score and reason, its demand and its projects in the last rounds; the
    highest score first. A territory with no demand and no project is listed with None.
    ``result`` and ``places``: the advice of ``level`` (:func:`advice_levels`) and its
    territories (:func:`places_of`) already read."""
    level = level or territory_level(ref)
    if places is None:
        places = places_of(session, ref, level)
    if result is None:
        result = advice(session, ref, as_of, level, category, targets, rounds)
    rows = []
    for code, name, lat, lon, parroquia in places:
        ranking = result.rankings.get(code, [])
        top = ranking[0] if ranking else None
        totals = result.totals.get(code, Totals())
        rows.append(
            {
                "code": code,
                "name": name,
                "level": level,
                "lat": lat,
                "lon": lon,
                "parroquia": parroquia,
                "top": top,
                "score": top["score"] if top else None,
                "demand": totals.demand,
                "open": totals.open,
                "projects": totals.projects,
            }
        )
    return sorted(rows, key=lambda r: (-(r["score"] or 0), -r["demand"], r["name"]))


# code, name, latitude, longitude and (circuitos) the parroquia's name
Place = tuple[str, str, float | None, float | None, str | None]


def places_of(session: Session, ref: TerritoryRef | None, level: str) -> list[Place]:
    """The territories of ``level`` inside ``ref`` by name, as :func:`by_territory` lists
    them (``ref`` itself when it is of ``level``); one read, the parroquia's name joined."""
    if ref is not None and ref.level == level:
        parroquia = _names(session, {ref.parroquia_code} if ref.parroquia_code else set())
        return [(ref.code, ref.name, ref.lat, ref.lon, parroquia.get(ref.parroquia_code or ""))]
    parroquia = aliased(Territory)
    circuitos = level == "circuito"
    stmt = select(
        Territory.code,
        Territory.name,
        Territory.lat,
        Territory.lon,
        parroquia.name if circuitos else literal(None),
    ).where(Territory.level == level, territory_clause(Territory, ref))
    if circuitos:  # the parroquias of ref alone: not a hash of all ~58,000 territories
        stmt = stmt.outerjoin(
            parroquia,
            and_(
                parroquia.code == Territory.parroquia_code,
                parroquia.level == "parroquia",
                territory_clause(parroquia, ref),
            ),
        )
    return [tuple(row) for row in session.execute(stmt.order_by(Territory.name)).all()]


def map_rows(
    session: Session,
    ref: TerritoryRef | None,
    as_of: datetime,
    category: str | None = None,
    targets: dict[str, float] | None = None,
    rounds: list[str] | None = None,
) -> list[dict[str, Any]]:
    """The map's points: the territories one level below ``ref`` with their top category
    (for a circuito, the circuito itself: the advice is decided per circuito)."""
    return by_territory(session, ref, as_of, category, targets, map_level(ref), rounds)


def map_level(ref: TerritoryRef | None) -> str:
    """The level of the map's points: one below ``ref``, or the circuito itself."""
    return CHILD_LEVEL.get(ref.level if ref else None) or "circuito"


def _names(session: Session, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    stmt = select(Territory.code, Territory.name).where(Territory.code.in_(sorted(codes)))
    return {code: name for code, name in session.execute(stmt).all()}


# -- the estado view ---------------------------------------------------------------------


def without_projects(
    session: Session, ref: TerritoryRef | None, rounds: list[str], limit: int = 50
) -> dict[str, Any]:
    """Circuitos inside ``ref`` with no project in ``rounds``: how many, and the first
    ``limit`` by name with the last round in which they had one (None: never)."""
    none_in_rounds = ~exists(
        select(Project.id).where(
            Project.circuito_code == Territory.code, Project.consulta.in_(rounds or [""])
        )
    )
    # the count rides on each listed row: one pass finds them (none listed: none at all)
    first = (
        select(Territory.code, Territory.name, Territory.parroquia_code, func.count().over())
        .where(Territory.level == "circuito", territory_clause(Territory, ref), none_in_rounds)
        .order_by(Territory.name, Territory.code)
        .limit(limit)
        .subquery()
    )
    code, name, parroquia_code, total = first.c
    last = select(func.max(Project.consulta)).where(Project.circuito_code == code)
    parroquia = aliased(Territory)
    # ~5,000 circuitos nationally: a parallel worker for their sort cost more than it saved
    with serial_plan(session):
        rows = session.execute(
            select(code, name, parroquia.name, last.scalar_subquery(), total)
            .outerjoin(parroquia, parroquia.code == parroquia_code)
            .order_by(name, code)
        ).all()
    return {
        "total": int(rows[0][-1]) if rows else 0,
        "rows": [{"code": c, "name": n, "parroquia": p, "last_round": r} for c, n, p, r, _ in rows],
    }


def stalled_continuity(
    session: Session,
    ref: TerritoryRef | None,
    as_of: datetime,
    limit: int = 25,
    category: str | None = None,
) -> list[dict[str, Any]]:
    """Continuity projects (``continuidad_of`` set) that are paralysed or without progress
    for ``projects.STALLED_DAYS`` days, longest-stalled first, with what they continue."""
    previous = aliased(Project)
    circuito = aliased(Territory)
    last_change = func.coalesce(Project.progress_changed_at, Project.updated_at)
    where = [
        territory_clause(Project, ref),
        Project.continuidad_of.is_not(None),
        or_(Project.status == "paralizado", stalled_clause(as_of)),
    ]
    if category:
        where.append(Project.category == category)
    rows = session.execute(
        select(
            Project.id,
            Project.title,
            Project.consulta,
            Project.category,
            Project.status,
            Project.physical_progress,
            last_change,
            circuito.name,
            previous.id,
            previous.consulta,
            previous.status,
        )
        .outerjoin(previous, previous.id == Project.continuidad_of)
        .outerjoin(circuito, circuito.code == Project.circuito_code)
        .where(*where)
        .order_by(last_change, Project.id)
        .limit(limit)
    ).all()
    return [
        {
            "id": pid,
            "title": title,
            "consulta": consulta,
            "category": cat,
            "status": status,
            "progress": float(progress or 0),
            "since": since,
            "days": (as_of - since).days if since else None,
            "circuito": circ,
            "previous_id": prev_id,
            "previous_consulta": prev_round,
            "previous_status": prev_status,
        }
        for (
            pid,
            title,
            consulta,
            cat,
            status,
            progress,
            since,
            circ,
            prev_id,
            prev_round,
            prev_status,
        ) in rows
    ]


def seven_t(
    session: Session,
    ref: TerritoryRef | None,
    as_of: datetime,
    rounds: list[str],
    days: int = DEMAND_DAYS,
) -> list[dict[str, Any]]:
    """Per transformation (7T): projects of ``rounds`` (their own ``transformation``) and
    1x10 cases of the last ``days`` (through their project category's usual 7T), each also
    as a share of its total, so the two distributions can be compared."""
    funded = by_key(
        session,
        select(Project.transformation, func.count(), func.sum(Project.approved_usd))
        .where(territory_clause(Project, ref), Project.consulta.in_(rounds or [""]))
        .group_by(Project.transformation),
    )
    # counted per case category and put in their 7T here (a CASE per case cost more); the
    # country or an estado from the demand rollup
    start = as_of - timedelta(days=days)
    if consulta_demand.serves(ref, ()):
        per_category = consulta_demand.received_by_category(session, ref, start, as_of)
    else:
        per_category = {
            category: n
            for category, (n,) in by_key(
                session,
                select(CitizenCase.category, func.count())
                .where(
                    territory_clause(CitizenCase, ref),
                    CitizenCase.reported_at > start,
                    CitizenCase.reported_at <= as_of,
                    CitizenCase.status != REJECTED,
                )
                .group_by(CitizenCase.category),
            ).items()
        }
    needs: dict[int, tuple[int]] = {}
    for case_category, n in per_category.items():
        project = CASE_TO_PROJECT.get(case_category)  # "otros": no work answers it
        t = transformation_of(project) if project else None
        if t is not None:
            needs[t] = (needs.get(t, (0,))[0] + int(n),)
    total_projects = sum(int(n) for n, _ in funded.values())
    total_needs = sum(int(n) for (n,) in needs.values())
    numbers = sorted(set(T_NUMBERS) | {int(t) for t in funded})
    rows = []
    for t in numbers:
        projects, usd = funded.get(t, (0, 0))
        cases = needs.get(t, (0,))[0]
        rows.append(
            {
                "transformation": t,
                "label": T_LABELS.get(t, f"T{t}"),
                "projects": int(projects),
                "approved_usd": round(float(usd or 0), 2),
                "projects_pct": round(100 * projects / total_projects, 1)
                if total_projects
                else None,
                "needs": int(cases),
                "needs_pct": round(100 * cases / total_needs, 1) if total_needs else None,
            }
        )
    return rows


# -- history of a circuito ---------------------------------------------------------------


def circuito_history(session: Session, ref: TerritoryRef | None) -> list[dict[str, Any]] | None:
    """Every round's winning projects of a circuito (or comuna) and what became of them,
    newest round first: status, progress, money, and the continuity chain (what a project
    continues, and the later projects that continue it). None above a circuito."""
    if ref is None or ref.level not in ("circuito", "comuna"):
        return None
    sent = (
        select(Transfer.project_id, func.sum(Transfer.amount_usd).label("usd"))
        .where(territory_clause(Transfer, ref))
        .group_by(Transfer.project_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Project.id,
            Project.consulta,
            Project.title,
            Project.category,
            Project.transformation,
            Project.status,
            Project.physical_progress,
            Project.approved_usd,
            func.coalesce(sent.c.usd, 0),
            Project.continuidad_of,
        )
        .outerjoin(sent, sent.c.project_id == Project.id)
        .where(territory_clause(Project, ref))
    ).all()
    projects = {
        pid: {
            "id": pid,
            "consulta": consulta,
            "title": title,
            "category": cat,
            "transformation": t,
            "status": status,
            "status_label": PROJECT_STATUS_LABELS.get(status, status),
            "progress": float(progress or 0),
            "approved_usd": float(approved or 0),
            "transferred_usd": round(float(usd or 0), 2),
            "continuidad_of": previous,
            "continues": None,  # the project it continues, when it is of this territory
            "continued_by": [],
            "continued_in": [],  # the rounds of the projects that continue it
        }
        for pid, consulta, title, cat, t, status, progress, approved, usd, previous in rows
    }
    for project in sorted(projects.values(), key=lambda p: (_round_key(p["consulta"]), p["id"])):
        previous = projects.get(project["continuidad_of"] or "")
        if previous is not None:
            project["continues"] = {
                "id": previous["id"],
                "consulta": previous["consulta"],
                "title": previous["title"],
                "status": previous["status"],
            }
            previous["continued_by"].append(project["id"])
            previous["continued_in"].append(project["consulta"])
    by_round: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for project in projects.values():
        by_round[project["consulta"]].append(project)
    return [
        {"consulta": consulta, "projects": sorted(by_round[consulta], key=lambda p: p["id"])}
        for consulta in sorted(by_round, key=_round_key, reverse=True)
    ]


def totals(ranking: list[dict[str, Any]], rounds: list[str]) -> dict[str, Any]:
    """The KPI numbers of the page, from the territory's ranking (:func:`priorities`)."""
    projects = sum(r["funded_projects"] for r in ranking)
    completed = sum(r["completed"] for r in ranking)
    return {
        "demand": sum(r["demand"] for r in ranking),
        "open": sum(r["open"] for r in ranking),
        "late": sum(r["late"] for r in ranking),
        "projects": projects,
        "completed": completed,
        "completed_pct": round(100 * completed / projects, 1) if projects else None,
        "funded_usd": round(sum(r["funded_usd"] for r in ranking), 2),
        "top": ranking[0] if ranking and ranking[0]["score"] > 0 else None,
        "rounds": rounds,
    }


# -- export ---------------------------------------------------------------------------------


def export_rows(
    session: Session,
    ref: TerritoryRef | None,
    as_of: datetime,
    category: str | None = None,
    targets: dict[str, float] | None = None,
) -> list[list[Any]]:
    """One row per circuito and category inside ``ref`` (in priority order per circuito)
    for the Consulta teams' CSV: the place, the rank and every number of the score."""
    places = session.execute(
        select(
            Territory.code,
            Territory.name,
            Territory.parroquia_code,
            Territory.municipio_code,
            Territory.estado_code,
        )
        .where(Territory.level == "circuito", territory_clause(Territory, ref))
        .order_by(Territory.estado_code, Territory.municipio_code, Territory.parroquia_code)
        .order_by(Territory.name, Territory.code)
    ).all()
    if ref is not None and ref.level == "circuito":
        places = [(ref.code, ref.name, ref.parroquia_code, ref.municipio_code, ref.estado_code)]
    result = advice(session, ref, as_of, "circuito", category, targets)
    names = _names(session, {c for p in places for c in p[2:] if c})
    out: list[list[Any]] = []
    for code, name, parroquia, municipio, estado in places:
        for rank, r in enumerate(result.rankings.get(code, []), start=1):
            out.append(
                [
                    names.get(estado, estado),
                    names.get(municipio, municipio),
                    names.get(parroquia, parroquia),
                    code,
                    name,
                    rank,
                    r["label"],
                    r["demand"],
                    r["open"],
                    r["late"],
                    r["funded_projects"],
                    r["funded_usd"],
                    r["transferred_usd"],
                    r["completed_pct"],
                    r["score"],
                    r["reason"],
                ]
            )
    return out


EXPORT_HEADERS = (
    "Estado",
    "Municipio",
    "Parroquia",
    "Circuito (código)",
    "Circuito comunal",
    "Prioridad",
    "Categoría",
    f"Casos 1x10 ({DEMAND_DAYS} días)",
    "Abiertos",
    "Fuera de plazo",
    f"Proyectos (últimas {ROUNDS} consultas)",
    "USD aprobados",
    "USD transferidos",
    "Culminados %",
    "Puntaje",
    "Por qué",
)
