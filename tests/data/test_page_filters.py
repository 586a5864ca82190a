"""The filter bar's data: cascade options and breadcrumb inside the caller's scope, and the
version-keyed page cache (both backends)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.orm import Session

from core.filters import Filters
from data import versions
from data.queries.cache import VersionCache
from data.queries.filters import CHILD_LEVEL, breadcrumb, cascade, scoped
from data.scope import NATIONAL, OutOfScope, UnknownTerritory, scope_for
from tests import factories as f
from tests.factories import T0


@pytest.fixture
def world(session):
    f.two_estados(session)
    session.commit()
    return session


def _by_level(levels):
    return {lv["level"]: lv for lv in levels}


def test_national_cascade_lists_children_of_each_chosen_level(world):
    top = _by_level(cascade(world, NATIONAL, None))
    assert [o["value"] for o in top["estado"]["options"]] == ["VE-A", "VE-M"]
    assert top["municipio"]["options"] == [] and top["municipio"]["disabled"]
    deep = _by_level(cascade(world, NATIONAL, "VE-A-P1"))
    assert [deep[lv]["value"] for lv in ("estado", "municipio", "parroquia", "circuito")] == [
        "VE-A",
        "VE-A-M1",
        "VE-A-P1",
        None,
    ]
    assert [o["value"] for o in deep["circuito"]["options"]] == ["VE-A-C1", "VE-A-C2"]
    assert not deep["circuito"]["disabled"]


def test_scoped_cascade_is_fixed_at_and_above_the_root(world):
    scope = scope_for(world, "VE-M-M1")
    levels = _by_level(cascade(world, scope, None))
    assert levels["estado"]["options"] == [{"label": "Estado VE-M", "value": "VE-M"}]
    assert levels["estado"]["disabled"] and levels["municipio"]["disabled"]
    assert levels["municipio"]["value"] == "VE-M-M1"
    assert [o["value"] for o in levels["parroquia"]["options"]] == ["VE-M-P1"]
    with pytest.raises(OutOfScope):
        cascade(world, scope, "VE-A")
    with pytest.raises(UnknownTerritory):
        cascade(world, scope, "VE-NADA")


def test_breadcrumb_starts_at_the_callers_root(world):
    assert [s["code"] for s in breadcrumb(world, NATIONAL, "VE-A-C2")] == [
        None,
        "VE-A",
        "VE-A-M1",
        "VE-A-P1",
        "VE-A-C2",
    ]
    assert breadcrumb(world, NATIONAL, None) == [{"code": None, "name": "Venezuela", "level": None}]
    scoped_steps = breadcrumb(world, scope_for(world, "VE-M-M1"), "VE-M-C1")
    assert [s["code"] for s in scoped_steps] == ["VE-M-M1", "VE-M-P1", "VE-M-C1"]


def test_view_knows_the_child_level(world):
    assert scoped(world, NATIONAL, Filters(), T0).child_level == "estado"
    assert scoped(world, NATIONAL, Filters(territorio="VE-A-C1"), T0).child_level is None
    assert CHILD_LEVEL["parroquia"] == "circuito"


def test_cache_reuses_until_a_dataset_version_moves(world):
    cache = VersionCache()
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    first = cache.get_or_compute(world, "k", ["clap_deliveries"], T0, compute)
    again = cache.get_or_compute(world, "k", ["clap_deliveries"], T0, compute)
    assert (first, again, len(calls)) == (1, 1, 1)
    versions.bump(world, ["cases"])  # another dataset: still cached
    world.commit()
    assert cache.get_or_compute(world, "k", ["clap_deliveries"], T0, compute) == 1
    versions.bump(world, ["clap_deliveries"])
    world.commit()
    assert cache.get_or_compute(world, "k", ["clap_deliveries"], T0, compute) == 2
    assert cache.get_or_compute(world, "other", ["clap_deliveries"], T0, compute) == 3


def test_cache_computes_a_key_once_for_concurrent_callers(engine):
    """Screens refreshing the same scope at once share one computation (single flight)."""
    cache = VersionCache()
    calls = []
    calls_lock = threading.Lock()
    start = threading.Barrier(8)

    def compute():
        with calls_lock:
            calls.append(1)
        time.sleep(0.3)  # a slow refresh: the other screens ask while it runs
        return "resultado"

    def screen(_):
        with Session(engine) as session:
            start.wait(timeout=10)
            return cache.get_or_compute(session, "muro", ["cases"], T0, compute)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(screen, range(8)))
    assert results == ["resultado"] * 8
    assert len(calls) == 1


def test_cache_recomputes_after_a_failed_computation(session):
    cache = VersionCache()

    def boom():
        raise RuntimeError("consulta fallida")

    with pytest.raises(RuntimeError):
        cache.get_or_compute(session, "k", ["cases"], T0, boom)
    assert cache.get_or_compute(session, "k", ["cases"], T0, lambda: 7) == 7
