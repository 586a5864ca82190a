"""Batch rules: one record per key, idempotent re-sends, no non-finite numbers anywhere."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import DataVersion, Territory
from tests.api.conftest import case, count
from tests.api.test_ingest_api import VALID

URL = "/api/v1/ingest/"


@pytest.mark.parametrize("dataset", list(VALID))
def test_two_records_with_the_same_key_refuse_the_batch_naming_both(
    client, engine, ingest_h, dataset
):
    model, records = VALID[dataset]
    first = records[0]
    key = "code" if "code" in first and dataset in ("territories", "cuadrantes") else "id"
    twin = dict(first)
    batch = [first, *records[1:], twin]
    last = len(batch) - 1
    before = count(engine, model)
    r = client.post(URL + dataset, json=batch, headers=ingest_h)
    assert r.status_code == 422, r.text
    errors = [e for e in r.json()["errors"] if e["field"] == key]
    assert sorted(e["index"] for e in errors) == [0, last]
    assert all(f"registros 0 y {last}" in e["message"] for e in errors)
    assert count(engine, model) == before


@pytest.mark.parametrize("dataset", list(VALID))
def test_resending_an_identical_batch_changes_nothing_and_publishes_nothing(
    client, engine, ingest_h, bus, dataset
):
    _model, records = VALID[dataset]
    first = client.post(URL + dataset, json=records, headers=ingest_h)
    assert first.status_code == 200, first.text
    with Session(engine) as s:
        version = s.get(DataVersion, dataset).version
    start = bus.last_id()
    again = client.post(URL + dataset, json=records, headers=ingest_h).json()
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, len(records))
    with Session(engine) as s:
        assert s.get(DataVersion, dataset).version == version
    assert list(bus.read(start, timeout_s=0.05)) == []


NON_FINITE = ("NaN", "Infinity", "-Infinity", "1e309", "-1e309")


@pytest.mark.parametrize("token", NON_FINITE)
@pytest.mark.parametrize(
    "dataset, template",
    [
        (
            "incidents",
            '[{"id":"I1","cuadrante_code":"Q-VE-A-1","type":"robo","severity":2,'
            '"occurred_at":"2026-11-20T10:00:00Z","lat":%s}]',
        ),
        (
            "clap_deliveries",
            '[{"id":"D1","clap_code":"CLAP-VE-A-1","territory_code":"VE-A-CC1",'
            '"delivered_on":"2026-11-20","families_planned":1,"families_served":1,"bags":1,"kg":%s}]',
        ),
        (
            "territories",
            '[{"code":"VE-A-X","level":"comuna","name":"X","parent_code":"VE-A-C1",'
            '"geometry":{"type":"Point","coordinates":[%s,10.5]}}]',
        ),
        (
            "territories",
            '[{"code":"VE-A-X","level":"comuna","name":"X","parent_code":"VE-A-C1",'
            '"geometry":{"type":"Feature","properties":{"deep":[[{"v":%s}]]}}}]',
        ),
    ],
)
def test_non_finite_numbers_anywhere_are_422_and_store_nothing(
    client, engine, ingest_h, dataset, template, token
):
    before = count(engine, Territory)
    body = (template % token).encode()
    r = client.post(
        URL + dataset, content=body, headers={**ingest_h, "Content-Type": "application/json"}
    )
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["index"] == 0
    assert count(engine, Territory) == before
    with Session(engine) as s:
        assert s.scalar(select(Territory.code).where(Territory.code == "VE-A-X")) is None


def test_non_finite_geometry_from_a_csv_is_refused(engine, world):
    from data.ingest import IngestValidationError, ingest

    row = {
        "code": "VE-A-X",
        "level": "comuna",
        "name": "X",
        "parent_code": "VE-A-C1",
        "geometry": '{"type":"Point","coordinates":[NaN,10.5]}',
    }
    with pytest.raises(IngestValidationError) as refused:
        ingest(engine, "territories", [row])
    assert refused.value.errors[0]["field"] == "geometry"


def test_a_case_sent_twice_across_batches_is_fine(client, engine, ingest_h):
    """The one-record-per-key rule is per batch: later batches may update the record."""
    assert client.post(URL + "cases", json=[case(1)], headers=ingest_h).status_code == 200
    later = case(1, status="asignado", updated_at="2026-11-21T08:00:00Z")
    r = client.post(URL + "cases", json=[later], headers=ingest_h).json()
    assert (r["updated"], r["unchanged"]) == (1, 0)


def test_python_records_are_validated_whole_and_a_bad_one_is_named_by_its_index(engine, world):
    """CSV rows and simulator records are validated as one list; when one is bad, each
    error still names its record's index in Spanish and nothing of the batch is stored."""
    from data.ingest import IngestValidationError, ingest
    from data.models import CitizenCase

    rows = [case(i) for i in range(20)]
    rows[7] = {**rows[7], "updated_at": "2026-11-20T08:00:00"}  # no time zone
    rows[12] = {k: v for k, v in rows[12].items() if k != "category"}
    with pytest.raises(IngestValidationError) as refused:
        ingest(engine, "cases", rows)
    assert [(e["index"], e["field"]) for e in refused.value.errors] == [
        (7, "updated_at"),
        (12, "category"),
    ]
    assert refused.value.errors[0]["message"].startswith("la hora debe indicar su zona horaria")
    assert refused.value.errors[1]["message"] == "campo obligatorio"
    assert count(engine, CitizenCase) == 0


def test_python_records_keep_their_lax_types_and_their_order(engine, world):
    """The whole-list validation is as lax as one record at a time (CSV cells are text)."""
    from data.ingest import ingest
    from data.ingest.schemas import parse_records

    rows = [
        {
            "id": f"I{i}",
            "cuadrante_code": "Q-VE-A-1",
            "type": "robo",
            "severity": str(1 + i % 5),
            "occurred_at": "2026-11-20T10:00:00Z",
        }
        for i in range(3)
    ]
    parsed, errors = parse_records("incidents", rows, first_index=40)
    assert errors == []
    assert [(index, rec.id, rec.severity) for index, rec in parsed] == [
        (40, "I0", 1),
        (41, "I1", 2),
        (42, "I2", 3),
    ]
    assert ingest(engine, "incidents", rows).inserted == 3
