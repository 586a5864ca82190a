"""``GET /api/v1/summary`` and ``/api/v1/territories`` over HTTP: numbers vs records, scope."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.api.conftest import case, incident, project

T0 = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # 12:00 in Caracas
CIRCUITOS = ["VE-A-C1", "VE-A-C2", "VE-M-C1", "VE-M-C2"]
CONSEJOS = ["VE-A-CC1", "VE-A-CC2", "VE-M-CC1", "VE-M-CC2"]
CUADRANTES = ["Q-VE-A-1", "Q-VE-A-2", "Q-VE-M-1", "Q-VE-M-2"]


def iso(t: datetime) -> str:
    return t.isoformat()


def build(rng: random.Random) -> dict[str, list[dict]]:
    """Random but known records around T0 (whole hours, so every median is exact)."""
    statuses = ["aprobado", "financiado", "en_ejecucion", "paralizado", "culminado"]
    projects = [
        project(
            i,
            rng.choice(CIRCUITOS),
            status=rng.choice(statuses),
            approved_usd=rng.randint(1_000, 50_000) + rng.choice((0, 0.25, 0.5)),
            physical_progress=rng.randint(0, 100),
        )
        for i in range(12)
    ]
    transfers = [
        {
            "id": f"T{i}",
            "project_id": p["id"],
            "amount_usd": rng.randint(100, 5_000) + 0.5,
            "bank": "Banco Comunal",
            "transferred_at": iso(T0 + timedelta(hours=rng.randint(-24 * 40, 48))),
        }
        for i, p in enumerate(rng.choices(projects, k=20))
    ]
    day = date(2026, 11, 20)
    deliveries = []
    for i in range(24):
        planned = rng.randint(50, 300)
        deliveries.append(
            {
                "id": f"D{i}",
                "clap_code": f"CLAP-{rng.choice(['VE-A', 'VE-M'])}-{rng.choice([1, 2])}",
                "territory_code": rng.choice(CONSEJOS),
                "delivered_on": (day + timedelta(days=rng.choice((-1, 0, 0, 0, 1)))).isoformat(),
                "families_planned": planned,
                "families_served": rng.randint(0, planned),
                "bags": planned,
            }
        )
    cases = []
    for i in range(60):
        reported = T0 + timedelta(hours=rng.randint(-24 * 45, 6))
        status = rng.choice(
            ["recibido", "asignado", "en_atencion", "resuelto", "cerrado", "rechazado"]
        )
        extra = {"status": status, "category": rng.choice(["agua", "gas", "salud"])}
        if status in ("resuelto", "cerrado") or (status == "rechazado" and rng.random() < 0.5):
            extra["resolved_at"] = iso(reported + timedelta(hours=rng.randint(0, 24 * 20)))
        cases.append(
            case(
                i,
                rng.choice(CONSEJOS),
                reported_at=iso(reported),
                updated_at=iso(reported),
                **extra,
            )
        )
    incidents = [
        incident(
            i,
            rng.choice(CUADRANTES),
            type=rng.choice(["robo", "hurto", "riña"]),
            occurred_at=iso(T0 - timedelta(minutes=rng.randint(-600, 60 * 24 * 9))),
        )
        for i in range(50)
    ]
    defense = [
        {
            "id": f"DF{i}",
            "territory_code": rng.choice(["VE-A", "VE-A-M1", "VE-M-C1", "VE-M-CC2"]),
            "plan": "Escudo Bolivariano",
            "phase": "alistamiento",
            "readiness": rng.randint(0, 100),
            "updated_at": iso(T0),
        }
        for i in range(7)
    ]
    return {
        "projects": projects,
        "transfers": transfers,
        "clap_deliveries": deliveries,
        "cases": cases,
        "incidents": incidents,
        "defense": defense,
    }


STORED_PROJECT = project(
    "-STORED", "VE-A-C1", status="en_ejecucion", approved_usd=10_000, physical_progress=40
)


def _t(value: str) -> datetime:
    return datetime.fromisoformat(value)


def located(code: str) -> tuple[str, str | None]:
    """(estado, circuito) of any code used here: circuito, consejo, cuadrante or higher."""
    estado = code[2:6] if code.startswith("Q-") else code[:4]
    tail = code.rsplit("-", 1)[-1]
    if code.startswith("Q-"):
        return estado, f"{estado}-C{tail}"
    if tail.startswith("CC"):
        return estado, f"{estado}-C{tail[2:]}"
    if tail.startswith("C"):
        return estado, code
    return estado, None


def inside(code: str, territory: str | None) -> bool:
    if territory is None:
        return True
    estado, circuito = located(code)
    return territory in (estado, circuito)


def expected(records: dict[str, list[dict]], territory: str | None) -> dict:
    """The summary computed here, in Python, from the records."""
    projects = [STORED_PROJECT, *records["projects"]]
    place = {p["id"]: p["circuito_code"] for p in projects}
    mine = [p for p in projects if inside(p["circuito_code"], territory)]
    transfers = [
        t
        for t in records["transfers"]
        if inside(place[t["project_id"]], territory) and _t(t["transferred_at"]) <= T0
    ]
    today = [
        d
        for d in records["clap_deliveries"]
        if inside(d["territory_code"], territory) and d["delivered_on"] == "2026-11-20"
    ]
    planned = sum(d["families_planned"] for d in today)
    served = sum(d["families_served"] for d in today)
    cases = [c for c in records["cases"] if inside(c["territory_code"], territory)]
    open_cases = [
        c
        for c in cases
        if _t(c["reported_at"]) <= T0
        and c["status"] != "rechazado"
        and ("resolved_at" not in c or _t(c["resolved_at"]) > T0)
    ]
    resolved = [c for c in cases if "resolved_at" in c]
    last_30d = [
        (_t(c["resolved_at"]) - _t(c["reported_at"])).total_seconds() / 3600
        for c in resolved
        if T0 - timedelta(days=30) < _t(c["resolved_at"]) <= T0
    ]
    incidents = [i for i in records["incidents"] if inside(i["cuadrante_code"], territory)]
    day_ago = [i for i in incidents if T0 - timedelta(hours=24) < _t(i["occurred_at"]) <= T0]
    week = [i for i in incidents if T0 - timedelta(days=7) < _t(i["occurred_at"]) <= T0]
    defense = [d for d in records["defense"] if inside(d["territory_code"], territory)]
    by_cat: dict[str, int] = {}
    for c in open_cases:
        by_cat[c["category"]] = by_cat.get(c["category"], 0) + 1
    by_type: dict[str, int] = {}
    for i in day_ago:
        by_type[i["type"]] = by_type.get(i["type"], 0) + 1
    return {
        "projects": {
            "total": len(mine),
            "by_status": {
                s: sum(p["status"] == s for p in mine)
                for s in ("aprobado", "financiado", "en_ejecucion", "paralizado", "culminado")
            },
            "approved_usd": round(sum(p["approved_usd"] for p in mine), 2),
            "transferred_usd": round(sum(t["amount_usd"] for t in transfers), 2),
            "avg_progress": round(statistics.mean(p["physical_progress"] for p in mine), 1)
            if mine
            else None,
        },
        "clap": {
            "date": "2026-11-20",
            "families_planned": planned,
            "families_served": served,
            "coverage": round(served / planned, 4) if planned else None,
        },
        "cases": {
            "open": len(open_cases),
            "resolved_24h": sum(
                T0 - timedelta(hours=24) < _t(c["resolved_at"]) <= T0 for c in resolved
            ),
            "median_hours_to_resolve_30d": round(statistics.median(last_30d), 1)
            if last_30d
            else None,
            "open_by_category": dict(sorted(by_cat.items())),
        },
        "incidents": {
            "last_24h": len(day_ago),
            "last_7d": len(week),
            "by_type_24h": dict(sorted(by_type.items())),
        },
        "defense": {
            "units": len(defense),
            "avg_readiness": round(statistics.mean(d["readiness"] for d in defense), 1)
            if defense
            else None,
        },
    }


@pytest.fixture
def records(client, ingest_h) -> dict[str, list[dict]]:
    data = build(random.Random(20261120))
    for dataset, batch in data.items():
        r = client.post(f"/api/v1/ingest/{dataset}", json=batch, headers=ingest_h)
        assert r.status_code == 200, r.text
    return data


@pytest.mark.parametrize("territory", [None, "VE-A", "VE-M", "VE-M-C1", "VE-A-C2"])
def test_summary_matches_records_computed_independently(client, read_h, records, territory):
    params = {"as_of": T0.isoformat()}
    if territory:
        params["territory"] = territory
    r = client.get("/api/v1/summary", params=params, headers=read_h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["territory"] == territory
    assert datetime.fromisoformat(body["as_of"]) == T0
    want = expected(records, territory)
    assert want["cases"]["open"] and want["incidents"]["last_24h"]  # the sample covers the rules
    for area in ("projects", "clap", "cases", "incidents", "defense"):
        assert body[area] == want[area], area


def test_summary_as_of_accepts_an_unencoded_plus_and_refuses_naive(client, read_h):
    r = client.get("/api/v1/summary?as_of=2026-11-20T12:00:00+00:00", headers=read_h)
    assert r.status_code == 200
    assert r.json()["as_of"] == "2026-11-20T12:00:00+00:00"
    r = client.get("/api/v1/summary", params={"as_of": "2026-11-20T12:00:00"}, headers=read_h)
    assert r.status_code == 422
    assert "zona horaria" in r.json()["detail"]
    r = client.get("/api/v1/summary", params={"as_of": "ayer"}, headers=read_h)
    assert r.status_code == 422


def test_summary_defaults_to_national_now(client, read_h):
    body = client.get("/api/v1/summary", headers=read_h).json()
    assert body["territory"] is None
    assert abs(datetime.fromisoformat(body["as_of"]) - datetime.now(UTC)) < timedelta(minutes=5)


def test_unknown_territory_is_404(client, read_h):
    assert client.get("/api/v1/summary?territory=NOPE", headers=read_h).status_code == 404
    assert client.get("/api/v1/territories?parent=NOPE", headers=read_h).status_code == 404


def test_reading_needs_a_token_and_ingest_tokens_may_read(client, tokens):
    assert client.get("/api/v1/summary").status_code == 401
    assert (
        client.get("/api/v1/territories", headers={"Authorization": "Bearer x"}).status_code == 401
    )
    assert client.get("/api/v1/summary", headers=tokens.header("ingest")).status_code == 200


def test_territories_lists_children(client, read_h):
    r = client.get("/api/v1/territories", headers=read_h)
    assert r.status_code == 200
    assert [t["code"] for t in r.json()["territories"]] == ["VE-A", "VE-M"]
    r = client.get("/api/v1/territories", params={"parent": "VE-A-P1"}, headers=read_h)
    children = r.json()["territories"]
    assert [(t["code"], t["level"]) for t in children] == [
        ("VE-A-C1", "circuito"),
        ("VE-A-C2", "circuito"),
    ]
    assert children[0]["municipio_code"] == "VE-A-M1"


def test_scoped_read_token_sees_only_its_territory(client, tokens, records):
    scoped = tokens.header("read", "VE-A")
    national = tokens.header("read")
    params = {"as_of": T0.isoformat()}
    own = client.get("/api/v1/summary", params=params, headers=scoped)
    assert own.status_code == 200
    assert own.json()["territory"] == "VE-A"
    estado_a = client.get(
        "/api/v1/summary", params={**params, "territory": "VE-A"}, headers=national
    )
    assert own.json()["projects"] == estado_a.json()["projects"]
    assert own.json()["cases"] == expected(records, "VE-A")["cases"]
    inside = client.get(
        "/api/v1/summary", params={**params, "territory": "VE-A-C2"}, headers=scoped
    )
    assert inside.status_code == 200
    for other in ("VE-M", "VE-M-C1"):
        r = client.get("/api/v1/summary", params={"territory": other}, headers=scoped)
        assert r.status_code == 403
    listing = client.get("/api/v1/territories", headers=scoped).json()["territories"]
    assert [t["code"] for t in listing] == ["VE-A"]
    assert (
        client.get("/api/v1/territories?parent=VE-A", headers=scoped).json()["territories"][0][
            "code"
        ]
        == "VE-A-M1"
    )
    assert client.get("/api/v1/territories?parent=VE-M", headers=scoped).status_code == 403


def test_odd_codes_are_refused_not_a_server_error(client, read_h):
    for url in ("/api/v1/summary?territory=%00", "/api/v1/territories?parent=a%00b"):
        r = client.get(url, headers=read_h)
        assert r.status_code == 400, (url, r.text)
        assert "caracteres no permitidos" in r.json()["detail"]
