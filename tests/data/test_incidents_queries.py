"""The /paz queries against numbers computed here from the same records, on both backends."""

from __future__ import annotations

import math
import statistics
from collections import Counter
from datetime import datetime, timedelta

import pytest

from core.timeutil import CARACAS
from data.queries import incidents
from data.scope import get_territory
from tests import factories as f
from tests.factories import T0

H = timedelta(hours=1)
WEEK = timedelta(days=7)
TYPES = ("hurto", "robo", "homicidio", "riña")
# (cuadrante, circuito): the four cuadrantes of factories.two_estados.
QUADS = (
    ("Q-VE-A-1", "VE-A-C1"),
    ("Q-VE-A-2", "VE-A-C2"),
    ("Q-VE-M-1", "VE-M-C1"),
    ("Q-VE-M-2", "VE-M-C2"),
)
# Per cuadrante: incidents in each of the 8 baseline weeks, and in the last 7 days.
BASELINE = {
    "Q-VE-A-1": ([1, 2, 1, 2, 1, 2, 1, 2], 5),  # mean 1.5, sd 0.5: 5 is far above
    "Q-VE-A-2": ([4] * 8, 4),  # as usual
    "Q-VE-M-1": ([0] * 8, 3),  # nothing before, 3 now: above
    "Q-VE-M-2": ([0] * 8, 2),  # nothing before, but fewer than min_incidents
}


def _records() -> list[tuple[str, str, str, str, datetime, int]]:
    """(id, cuadrante, circuito, type, occurred, severity), deterministic."""
    rows = []
    n = 0
    circuito = dict(QUADS)
    base_start = T0 - WEEK - 8 * WEEK
    for quad, (weeks, last) in BASELINE.items():
        for w, count in enumerate(weeks):
            for j in range(count):
                at = base_start + w * WEEK + (5 + 17 * j + 3 * w) * H
                rows.append((f"B{n}", quad, circuito[quad], TYPES[n % 4], at, 1 + n % 5))
                n += 1
        for j in range(last):
            at = T0 - (1 + 31 * j + 3 * int(quad[-1])) * H  # last 7 days, on hour boundaries
            rows.append((f"L{n}", quad, circuito[quad], TYPES[n % 4], at, 1 + n % 5))
            n += 1
    # A night incident crossing the Caracas day boundary (02:30 UTC = 22:30 the day before).
    night = datetime(2026, 11, 17, 2, 30, tzinfo=T0.tzinfo)
    rows.append(("NIGHT", "Q-VE-A-1", "VE-A-C1", "homicidio", night, 5))
    # One in the same 24 h slot a week earlier, and one right after as_of (ignored).
    rows.append(("WEEKAGO", "Q-VE-M-1", "VE-M-C1", "robo", T0 - WEEK - 3.5 * H, 3))
    rows.append(("LATER", "Q-VE-M-1", "VE-M-C1", "robo", T0 + H, 3))
    return rows


RECORDS = _records()


@pytest.fixture
def world(session):
    f.two_estados(session)
    for iid, quad, circ, kind, at, severity in RECORDS:
        f.incident(session, iid, quad, circ, kind, at, severity)
    session.commit()
    return session


def _in(start: datetime, end: datetime, estado: str | None = None, kind: str | None = None):
    return [
        r
        for r in RECORDS
        if start < r[4] <= end
        and (estado is None or r[2].startswith(estado))
        and (kind is None or r[3] == kind)
    ]


START, END = T0 - 30 * 24 * H, T0


def test_by_cuadrante_type_and_severity(world):
    chosen = _in(START, END)
    counts = Counter(r[1] for r in chosen)
    got = incidents.by_cuadrante(world, None, START, END)
    assert {row["code"]: row["incidents"] for row in got} == dict(counts)
    assert [row["incidents"] for row in got] == sorted(counts.values(), reverse=True)
    first = got[0]
    mine = [r for r in chosen if r[1] == first["code"]]
    assert first["severe"] == sum(1 for r in mine if r[5] >= 4)
    assert first["avg_severity"] == pytest.approx(statistics.mean(r[5] for r in mine), abs=0.005)
    assert {
        row["type"]: row["incidents"] for row in incidents.by_type(world, None, START, END)
    } == (dict(Counter(r[3] for r in chosen)))
    severity = incidents.by_severity(world, None, START, END)
    assert severity == {level: sum(1 for r in chosen if r[5] == level) for level in range(1, 6)}


def test_filters_by_territory_and_type(world):
    ref = get_territory(world, "VE-M")
    got = incidents.totals(world, ref, START, END, kind="robo")
    chosen = _in(START, END, "VE-M", "robo")
    assert got["incidents"] == len(chosen) > 0
    assert got["severe"] == sum(1 for r in chosen if r[5] >= 4)
    everything = incidents.totals(world, None, START, END)
    assert everything["homicides"] == len(_in(START, END, kind="homicidio"))


def test_heatmap_in_caracas_time(world):
    grid = incidents.heatmap(world, None, START, END)
    expected = [[0] * 24 for _ in range(7)]
    for r in _in(START, END):
        local = r[4].astimezone(CARACAS)
        expected[local.weekday()][local.hour] += 1
    assert grid == expected
    # The 02:30 UTC Tuesday homicide is a Monday 22:30 incident in Caracas.
    only = incidents.heatmap(world, get_territory(world, "VE-A-C1"), START, END, "homicidio")
    night = datetime(2026, 11, 17, 2, 30, tzinfo=T0.tzinfo).astimezone(CARACAS)
    assert night.weekday() == 0 and night.hour == 22
    assert only[0][22] >= 1


def test_day_vs_same_day_last_week(world):
    got = incidents.day_vs_last_week(world, None, T0)
    current, previous = [0] * 24, [0] * 24
    for r in RECORDS:
        # Slots are (start, start + 1 h]: a time on a boundary closes the slot before it.
        if T0 - 24 * H < r[4] <= T0:
            current[math.ceil((r[4] - (T0 - 24 * H)) / H) - 1] += 1
        if T0 - WEEK - 24 * H < r[4] <= T0 - WEEK:
            previous[math.ceil((r[4] - (T0 - WEEK - 24 * H)) / H) - 1] += 1
    assert got["current"] == current
    assert got["previous"] == previous
    assert got["current_total"] == sum(current) > 0
    assert got["previous_total"] == sum(previous) > 0
    assert got["hours"][0] == T0 - 24 * H


def test_quadrants_above_their_usual_level(world):
    got = incidents.above_usual(world, None, T0, k=2.0, min_incidents=3)
    expected = {}
    base_start = T0 - 9 * WEEK
    for quad in BASELINE:
        last = len([r for r in RECORDS if r[1] == quad and T0 - WEEK < r[4] <= T0])
        weeks = [
            len([r for r in RECORDS if r[1] == quad and 0 < (r[4] - base_start) / WEEK - w <= 1])
            for w in range(8)
        ]
        mean, sd = statistics.mean(weeks), statistics.pstdev(weeks)
        if last >= 3 and last - mean > 0 and last - mean > 2.0 * sd:
            expected[quad] = (last, mean, sd)
    assert set(expected) == {"Q-VE-A-1", "Q-VE-M-1"}
    assert {row["code"] for row in got} == set(expected)
    for row in got:
        last, mean, sd = expected[row["code"]]
        assert row["last_7d"] == last
        assert row["weekly_mean"] == pytest.approx(mean, abs=0.0051)
        assert row["weekly_sd"] == pytest.approx(sd, abs=0.005)
    scoped = incidents.above_usual(world, get_territory(world, "VE-M"), T0)
    assert [row["code"] for row in scoped] == ["Q-VE-M-1"]
    # Only homicides: too few anywhere to stand out.
    assert incidents.above_usual(world, None, T0, kind="homicidio") == []


def test_by_territory_includes_quiet_places(world):
    rows = {row["code"]: row for row in incidents.by_territory(world, None, START, END)}
    assert rows["VE-A"]["incidents"] == len(_in(START, END, "VE-A"))
    assert rows["VE-M"]["incidents"] == len(_in(START, END, "VE-M"))
    ref = get_territory(world, "VE-M-P1")
    circuits = {
        row["code"]: row["incidents"] for row in incidents.by_territory(world, ref, START, END)
    }
    assert circuits == {
        "VE-M-C1": len(_in(START, END, "VE-M-C1")),
        "VE-M-C2": len(_in(START, END, "VE-M-C2")),
    }
    points = incidents.by_territory(world, get_territory(world, "VE-M-C1"), START, END)
    assert [(p["code"], p["level"]) for p in points] == [("Q-VE-M-1", "cuadrante")]
    assert points[0]["incidents"] == len(_in(START, END, "VE-M-C1"))
    empty = incidents.by_territory(world, ref, T0 + 2 * H, T0 + 3 * H)
    assert [row["incidents"] for row in empty] == [0, 0]
