"""Open-case counts and the summary's edges, checked against a plain-Python definition.

``data.queries.open_cases`` splits "not resolved by as_of" into two index-friendly halves
and the summary combines aggregates into fewer scans; these tests pin the boundaries those
rewrites could move: a case resolved exactly at ``as_of``, reported exactly at ``as_of``,
rejected with and without ``resolved_at``, incidents exactly 24 h and 7 days old.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import inspect

from data.models import CitizenCase
from data.queries.open_cases import open_cases_by
from data.queries.panorama import territory_measures
from data.queries.summary import summary
from data.scope import get_territory
from tests import factories as f
from tests.factories import T0

H = timedelta(hours=1)


@dataclass(frozen=True)
class Case:
    cid: str
    consejo: str
    category: str
    status: str
    reported: datetime
    resolved: datetime | None = None


CASES = [
    Case("open-null", "VE-A-CC1", "agua", "recibido", T0 - 5 * H),
    Case("reported-at-as-of", "VE-A-CC1", "agua", "recibido", T0),
    Case("reported-after", "VE-A-CC1", "agua", "recibido", T0 + H),
    Case("resolved-at-as-of", "VE-A-CC1", "gas", "resuelto", T0 - 10 * H, T0),
    Case("resolved-just-after", "VE-A-CC2", "gas", "resuelto", T0 - 10 * H, T0 + timedelta(0, 1)),
    Case("resolved-before", "VE-A-CC2", "gas", "cerrado", T0 - 30 * H, T0 - 2 * H),
    Case("rejected-null", "VE-M-CC1", "agua", "rechazado", T0 - 3 * H),
    Case("rejected-resolved-before", "VE-M-CC1", "agua", "rechazado", T0 - 3 * H, T0 - H),
    Case("rejected-resolved-after", "VE-M-CC1", "agua", "rechazado", T0 - 3 * H, T0 + H),
    Case("resolved-after-reported-after", "VE-M-CC2", "luz", "resuelto", T0 + H, T0 + 2 * H),
    Case("old-open", "VE-M-CC2", "luz", "en_atencion", T0 - timedelta(days=200)),
    Case("resolved-30d-edge", "VE-M-CC2", "luz", "cerrado", T0 - 800 * H, T0 - timedelta(30)),
]


def is_open(case: Case, as_of: datetime) -> bool:
    """The definition of an open case, written the obvious way."""
    return (
        case.reported <= as_of
        and case.status != "rechazado"
        and (case.resolved is None or case.resolved > as_of)
    )


def estado_of(consejo: str) -> str:
    return consejo[:4]


@pytest.fixture
def world(session):
    f.two_estados(session)
    for c in CASES:
        f.case(session, c.cid, c.consejo, c.category, c.status, c.reported, c.resolved)
    session.commit()


MOMENTS = [T0 - 3 * H, T0 - H, T0, T0 + timedelta(0, 1), T0 + H, T0 + 2 * H, T0 + 30 * H]


@pytest.mark.parametrize("as_of", MOMENTS)
def test_open_by_category_and_estado_match_the_definition(session, world, as_of):
    expected_by_category = Counter(c.category for c in CASES if is_open(c, as_of))
    expected_by_estado = Counter(estado_of(c.consejo) for c in CASES if is_open(c, as_of))
    assert open_cases_by(session, None, as_of, CitizenCase.category) == dict(expected_by_category)
    assert open_cases_by(session, None, as_of, CitizenCase.estado_code) == dict(expected_by_estado)
    s = summary(session, None, as_of)["cases"]
    assert s["open"] == sum(expected_by_category.values())
    assert s["open_by_category"] == dict(sorted(expected_by_category.items()))
    measures = {r["code"]: r["cases_open"] for r in territory_measures(session, None, as_of)}
    assert measures == {"VE-A": expected_by_estado["VE-A"], "VE-M": expected_by_estado["VE-M"]}


def test_boundaries_at_t0(session, world):
    """Resolved exactly at as_of is closed; reported exactly at as_of is open; rejected never."""
    open_ids = {c.cid for c in CASES if is_open(c, T0)}
    assert open_ids == {
        "open-null",
        "reported-at-as-of",
        "resolved-just-after",
        "old-open",
    }
    s = summary(session, None, T0)["cases"]
    assert s["open"] == 4
    assert s["open_by_category"] == {"agua": 2, "gas": 1, "luz": 1}


def test_scoped_open_counts(session, world):
    for code in ("VE-A", "VE-M-C2", "VE-A-CC1"):
        ref = get_territory(session, code)
        expected = Counter(
            c.category for c in CASES if is_open(c, T0) and code in _path(session, c.consejo)
        )
        assert open_cases_by(session, ref, T0, CitizenCase.category) == dict(expected)
        assert summary(session, ref, T0)["cases"]["open"] == sum(expected.values())


def _path(session, consejo: str) -> set[str]:
    t = get_territory(session, consejo)
    return {t.code, t.estado_code, t.municipio_code, t.parroquia_code, t.circuito_code}


def test_resolved_24h_and_median_edges(session, world):
    """Resolved exactly at as_of counts; exactly 24 h / 30 days before does not."""
    window_24h = [c for c in CASES if c.resolved and T0 - 24 * H < c.resolved <= T0]
    window_30d = [c for c in CASES if c.resolved and T0 - timedelta(30) < c.resolved <= T0]
    hours = [(c.resolved - c.reported).total_seconds() / 3600 for c in window_30d]
    s = summary(session, None, T0)["cases"]
    assert {c.cid for c in window_30d} == {
        "resolved-at-as-of",
        "resolved-before",
        "rejected-resolved-before",
    }
    assert s["resolved_24h"] == len(window_24h) == 3
    assert s["median_hours_to_resolve_30d"] == round(statistics.median(hours), 1) == 10.0


def test_incident_windows_and_types(session):
    """One scan for 24 h and 7 days: a type seen only in the week is not listed for 24 h;
    exactly 24 h / 7 days old is outside; exactly at as_of is inside."""
    f.two_estados(session)
    at = {
        "I-now": ("robo", T0),
        "I-23h": ("hurto", T0 - 23 * H),
        "I-24h": ("hurto", T0 - 24 * H),
        "I-3d": ("vandalismo", T0 - timedelta(days=3)),
        "I-7d": ("robo", T0 - timedelta(days=7)),
        "I-future": ("robo", T0 + H),
    }
    for iid, (kind, when) in at.items():
        f.incident(session, iid, "Q-VE-A-1", "VE-A-C1", kind, when)
    session.commit()
    s = summary(session, None, T0)["incidents"]
    assert s == {"last_24h": 2, "last_7d": 4, "by_type_24h": {"hurto": 1, "robo": 1}}


def test_project_counts_by_status_in_one_scan(session):
    f.two_estados(session)
    rows = [
        ("P1", "VE-A-C1", "en_ejecucion", 1_000, 20),
        ("P2", "VE-A-C1", "en_ejecucion", 2_000, 30),
        ("P3", "VE-A-C2", "paralizado", 500.25, 5),
        ("P4", "VE-M-C1", "culminado", 4_000, 100),
    ]
    for pid, circuito, status, usd, progress in rows:
        f.project(session, pid, circuito, status, usd, progress)
    session.commit()
    s = summary(session, get_territory(session, "VE-A"), T0)["projects"]
    assert s["total"] == 3
    assert s["by_status"] == {
        "aprobado": 0,
        "financiado": 0,
        "en_ejecucion": 2,
        "paralizado": 1,
        "culminado": 0,
    }
    assert s["approved_usd"] == 3_500.25
    assert s["avg_progress"] == round((20 + 30 + 5) / 3, 1)


def test_migrated_schema_has_the_open_case_index(engine):
    """The partial index the open counts rely on exists after migrating, with its predicate."""
    indexes = {ix["name"]: ix for ix in inspect(engine).get_indexes("citizen_case")}
    assert indexes["ix_case_open"]["column_names"][-2:] == ["category", "reported_at"]
    assert {
        "ix_case_resolved_reported",
        "ix_case_estado_resolved_reported",
        "ix_case_parroquia_reported",
    } <= set(indexes)
    assert "ix_case_resolved" not in indexes
