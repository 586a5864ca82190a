"""The ``actions`` dataset (ACA) through the public write paths — ``POST
/api/v1/ingest/actions``, ``data.ingest.ingest`` and ``manage.py import`` — with the rules of
every dataset (atomic, idempotent, late data ignored, scope), and ``summary.aca`` over HTTP
against counts computed here."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cli import main
from data.ingest import IngestValidationError, RecordsOutOfScope, ingest
from data.models import ACTION_STATUSES, Action, DataVersion
from data.scope import scope_for
from tests import factories as f
from tests.api.conftest import count

URL = "/api/v1/ingest/actions"
T0 = datetime.fromisoformat("2026-11-20T16:00:00+00:00")  # 12:00 in Caracas


def action(i: int | str, territory: str = "VE-A-C1", **extra) -> dict:
    return {
        "id": f"ACA{i}",
        "territory_code": territory,
        "title": f"Jornada de salud {i}",
        "transformation": 4,
        "owner": "Comité de Salud",
        "due_on": "2026-11-30",
        "status": "pendiente",
        "updated_at": "2026-11-20T08:00:00-04:00",
        **extra,
    }


def test_actions_are_stored_with_their_path_and_version(client, engine, ingest_h):
    batch = [
        action(1),
        action(2, "VE-M-CC2", project_id=None, resources="USD 4.500 del CFG"),
        action(3, "VE-A", project_id="P-STORED", status="en_curso", transformation=2),
    ]
    r = client.post(URL, json=batch, headers=ingest_h)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "dataset": "actions",
        "received": 3,
        "inserted": 3,
        "updated": 0,
        "unchanged": 0,
    }
    with Session(engine) as s:
        rows = {a.id: a for a in s.scalars(select(Action))}
        assert s.get(DataVersion, "actions").version == 1
    assert (rows["ACA2"].estado_code, rows["ACA2"].circuito_code) == ("VE-M", "VE-M-C2")
    assert rows["ACA2"].resources == "USD 4.500 del CFG"
    assert (rows["ACA3"].estado_code, rows["ACA3"].municipio_code) == ("VE-A", None)
    assert rows["ACA3"].project_id == "P-STORED"
    assert rows["ACA1"].due_on == date(2026, 11, 30)


def test_same_batch_twice_is_unchanged_and_a_change_is_an_update(client, engine, ingest_h):
    batch = [action(i) for i in range(4)]
    assert client.post(URL, json=batch, headers=ingest_h).json()["inserted"] == 4
    again = client.post(URL, json=batch, headers=ingest_h).json()
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 4)
    with Session(engine) as s:
        assert s.get(DataVersion, "actions").version == 1  # a no-op bumps nothing
    done = action(0, status="cumplida", updated_at="2026-11-21T09:00:00-04:00")
    r = client.post(URL, json=[done], headers=ingest_h).json()
    assert (r["updated"], r["unchanged"]) == (1, 0)
    with Session(engine) as s:
        assert s.get(Action, "ACA0").status == "cumplida"


def test_late_data_never_overwrites_newer(client, engine, ingest_h):
    newer = action(1, status="cumplida", updated_at="2026-11-20T12:00:00Z")
    older = action(1, status="pendiente", updated_at="2026-11-19T12:00:00Z")
    assert client.post(URL, json=[newer], headers=ingest_h).status_code == 200
    r = client.post(URL, json=[older], headers=ingest_h).json()
    assert (r["updated"], r["unchanged"]) == (0, 1)
    with Session(engine) as s:
        assert s.get(Action, "ACA1").status == "cumplida"


@pytest.mark.parametrize(
    ("record", "field"),
    [
        (action(9, territory="NOPE"), "territory_code"),
        (action(9, project_id="NOPE"), "project_id"),
        (action(9, transformation=8), "transformation"),
        (action(9, transformation=0), "transformation"),
        (action(9, status="hecha"), "status"),
        (action(9, due_on="2026-11-30T10:00:00Z"), "due_on"),
        (action(9, updated_at="2026-11-20T08:00:00"), "updated_at"),
        (action(9, owner=""), "owner"),
        (action(9, color="rojo"), "color"),
        ({k: v for k, v in action(9).items() if k != "title"}, "title"),
    ],
)
def test_a_bad_record_refuses_the_whole_batch(client, engine, ingest_h, record, field):
    batch = [action(i) for i in range(5)] + [record]
    r = client.post(URL, json=batch, headers=ingest_h)
    assert r.status_code == 422, r.text
    assert [(e["index"], e["field"]) for e in r.json()["errors"]] == [(5, field)]
    assert count(engine, Action) == 0


def test_scope_of_the_territory_and_of_the_project(client, engine, tokens):
    headers = tokens.header("ingest", "VE-A")
    assert (
        client.post(URL, json=[action(1), action(2, "VE-A-M1")], headers=headers).status_code == 200
    )
    r = client.post(URL, json=[action(3), action(4, "VE-M-C1")], headers=headers)
    assert r.status_code == 403
    assert [(e["index"], e["field"]) for e in r.json()["errors"]] == [(1, "territory_code")]
    with Session(engine) as s:
        f.project(s, "P-M", "VE-M-C1", "financiado", 10_000, 0)
        s.commit()
    r = client.post(URL, json=[action(5, project_id="P-M")], headers=headers)
    assert r.status_code == 403
    assert r.json()["errors"][0]["field"] == "project_id"
    assert count(engine, Action) == 2
    assert client.post(URL, json=[action(6)], headers=tokens.header("read")).status_code == 403


def test_the_python_write_path_follows_the_same_rules(engine, world):
    result = ingest(engine, "actions", [action(1), action(2, "VE-M-C2")])
    assert (result.inserted, result.unchanged) == (2, 0)
    assert ingest(engine, "actions", [action(1)]).unchanged == 1
    with pytest.raises(IngestValidationError) as bad:
        ingest(engine, "actions", [action(3), action(4, transformation=9)])
    assert [e["index"] for e in bad.value.errors] == [1]
    with Session(engine) as s:
        scope = scope_for(s, "VE-M")
    with pytest.raises(RecordsOutOfScope):
        ingest(engine, "actions", [action(5, "VE-A-C1")], scope)
    assert count(engine, Action) == 2


def test_csv_import_all_or_nothing(engine, world, tmp_path, capsys):
    header = "id,territory_code,title,transformation,owner,due_on,status,project_id,resources,updated_at\n"
    rows = [
        f"CSV{i},VE-A-C{1 + i % 2},Asamblea {i},5,Vocería,2026-12-0{1 + i % 9},en_curso,,,"
        "2026-11-20T08:00:00-04:00"
        for i in range(12)
    ]
    path = tmp_path / "acciones.csv"
    path.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    assert main(["import", "--dataset", "actions", str(path)]) == 0
    assert "recibidos 12, insertados 12" in capsys.readouterr().out
    assert count(engine, Action) == 12
    bad = tmp_path / "malas.csv"
    bad.write_text(
        header + rows[0].replace("CSV0", "CSV99") + "\n" + rows[1].replace(",5,", ",8,") + "\n"
    )
    assert main(["import", "--dataset", "actions", str(bad)]) != 0
    assert "línea 3, campo transformation" in capsys.readouterr().out
    assert count(engine, Action) == 12


# -- summary.aca over HTTP ----------------------------------------------------------------

PLACES = {  # where an action may hang and what it lies inside
    "VE-A": {"VE-A"},
    "VE-A-M1": {"VE-A", "VE-A-M1"},
    "VE-A-C1": {"VE-A", "VE-A-M1", "VE-A-C1"},
    "VE-A-CC2": {"VE-A", "VE-A-M1", "VE-A-C2", "VE-A-CC2"},
    "VE-M-C1": {"VE-M", "VE-M-M1", "VE-M-C1"},
    "VE-M-CC2": {"VE-M", "VE-M-M1", "VE-M-C2", "VE-M-CC2"},
}


@pytest.mark.parametrize("territory", [None, "VE-A", "VE-M", "VE-A-C1", "VE-M-C2"])
def test_summary_aca_matches_records_computed_independently(client, ingest_h, read_h, territory):
    rng = random.Random(2026)
    today = date(2026, 11, 20)
    batch = [
        action(
            i,
            rng.choice(sorted(PLACES)),
            status=rng.choice(ACTION_STATUSES),
            due_on=(today + timedelta(days=rng.randint(-9, 9))).isoformat(),
            transformation=rng.randint(1, 7),
        )
        for i in range(80)
    ]
    assert client.post(URL, json=batch, headers=ingest_h).status_code == 200
    mine = [a for a in batch if territory is None or territory in PLACES[a["territory_code"]]]
    expected = {
        "total": len(mine),
        "by_status": {s: sum(a["status"] == s for a in mine) for s in ACTION_STATUSES},
        "overdue": sum(
            a["status"] in ("pendiente", "en_curso") and date.fromisoformat(a["due_on"]) < today
            for a in mine
        ),
    }
    assert expected["overdue"] and expected["total"] > expected["overdue"]
    params = {"as_of": T0.isoformat(), **({"territory": territory} if territory else {})}
    body = client.get("/api/v1/summary", params=params, headers=read_h).json()
    assert body["aca"] == expected
