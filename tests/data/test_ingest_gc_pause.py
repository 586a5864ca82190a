"""The cyclic garbage collector is paused only while a large batch is stored, and always
resumed afterwards (also when the batch is refused, and when batches overlap)."""

from __future__ import annotations

import gc
import json

import pytest

from data import ingest as ingest_module
from data.ingest import IngestValidationError, ingest_json
from data.ingest.gcpause import PAUSE_ABOVE_BYTES, collector_paused


@pytest.fixture
def collector_on():
    gc.enable()
    yield
    gc.enable()


def test_overlapping_batches_resume_the_collector_when_the_last_ends(collector_on):
    first, second = collector_paused(True), collector_paused(True)
    first.__enter__()
    assert not gc.isenabled()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the second batch is still running
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_small_batch_does_not_pause_and_a_collector_turned_off_stays_off(collector_on):
    with collector_paused(False):
        assert gc.isenabled()
    gc.disable()
    with collector_paused(True):
        assert not gc.isenabled()
    assert not gc.isenabled()


def _body(n: int) -> bytes:
    return json.dumps(
        [
            {
                "id": f"I{i}",
                "cuadrante_code": "Q-NOWHERE",
                "type": "robo",
                "severity": 3,
                "occurred_at": "2026-11-20T12:00:00+00:00",
            }
            for i in range(n)
        ]
    ).encode()


def test_a_large_batch_runs_paused_and_a_refused_one_resumes_it(
    sqlite_engine, collector_on, monkeypatch
):
    seen = []
    store = ingest_module._store

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return store(*args, **kwargs)

    monkeypatch.setattr(ingest_module, "_store", spy)
    body = _body(2_000)
    assert len(body) > PAUSE_ABOVE_BYTES
    with pytest.raises(IngestValidationError):  # unknown cuadrante: nothing stored
        ingest_json(sqlite_engine, "incidents", body)
    with pytest.raises(IngestValidationError):
        ingest_json(sqlite_engine, "incidents", _body(3))
    assert seen == [False, True]
    assert gc.isenabled()
