"""Property-based tests of the validation: random input never makes a 500 nor a half write."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.ingest import DATASETS
from data.models import DataVersion, Incident
from tests.api.conftest import case, incident, project

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)

BASES = {
    "incidents": incident(1),
    "cases": case(1),
    "projects": project(1),
    "clap_deliveries": {
        "id": "D1",
        "clap_code": "CLAP-VE-A-1",
        "territory_code": "VE-A-CC1",
        "delivered_on": "2026-11-20",
        "families_planned": 10,
        "families_served": 9,
        "bags": 9,
    },
}


def _state(engine) -> tuple[int, int]:
    """(incidents stored, sum of all data versions): any write moves one of them."""
    with Session(engine) as s:
        versions = s.scalar(select(func.coalesce(func.sum(DataVersion.version), 0)))
        return int(s.scalar(select(func.count()).select_from(Incident))), int(versions)


@SETTINGS
@given(
    dataset=st.sampled_from(DATASETS),
    body=st.lists(json_values, min_size=0, max_size=4) | json_values,
)
def test_random_bodies_never_500_and_never_write(client, engine, ingest_h, dataset, body):
    before = _state(engine)
    r = client.post(f"/api/v1/ingest/{dataset}", content=json.dumps(body), headers=ingest_h)
    assert r.status_code in (200, 422), r.text
    if r.status_code == 422:
        assert _state(engine) == before
        for error in r.json()["errors"]:
            assert isinstance(error["message"], str) and error["message"]


@SETTINGS
@given(
    dataset=st.sampled_from(sorted(BASES)),
    field=st.sampled_from(
        sorted({k for base in BASES.values() for k in base} | {"extra", "resolved_at", "lat"})
    ),
    value=json_values,
    position=st.integers(min_value=0, max_value=5),
)
def test_one_mutated_field_in_a_batch(client, engine, ingest_h, dataset, field, value, position):
    """A batch of good records with one field replaced: stored whole, or refused naming it."""
    good = [dict(BASES[dataset], id=f"X{i}") for i in range(6)]
    good[position] = {**good[position], field: value}
    before = _state(engine)
    r = client.post(f"/api/v1/ingest/{dataset}", content=json.dumps(good), headers=ingest_h)
    assert r.status_code in (200, 422), r.text
    if r.status_code == 422:
        assert _state(engine) == before
        assert {e["index"] for e in r.json()["errors"]} == {position}
    else:
        assert r.json()["received"] == 6


aware_times = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
).map(lambda t: t.astimezone(timezone(timedelta(hours=-4))))


@SETTINGS
@given(
    rows=st.lists(
        st.tuples(
            st.text(alphabet="abcdefXYZ0123456789-", min_size=1, max_size=12),
            st.sampled_from(["Q-VE-A-1", "Q-VE-A-2", "Q-VE-M-1", "Q-VE-M-2"]),
            st.integers(min_value=1, max_value=5),
            aware_times,
            st.none() | st.floats(min_value=-90, max_value=90),
        ),
        min_size=1,
        max_size=30,
        unique_by=lambda row: row[0],  # one record per id in a batch (a batch rule)
    )
)
def test_valid_batches_are_stored_and_idempotent(client, engine, ingest_h, rows):
    batch = [
        incident(f"H-{rid}", q, severity=sev, occurred_at=t.isoformat(), lat=lat)
        for rid, q, sev, t, lat in rows
    ]
    first = client.post("/api/v1/ingest/incidents", json=batch, headers=ingest_h)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["inserted"] + body["updated"] + body["unchanged"] == len(batch)
    again = client.post("/api/v1/ingest/incidents", json=batch, headers=ingest_h).json()
    # replaying the batch changes nothing
    last = {r["id"]: r for r in batch}
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, len(batch))
    with Session(engine) as s:
        for rid, record in last.items():
            stored = s.get(Incident, rid)
            assert stored.severity == record["severity"]
            assert stored.occurred_at == datetime.fromisoformat(record["occurred_at"])
