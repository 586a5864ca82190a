"""``/informe`` and ``/informe.pdf``: the summary's figures in the document, scope, roles, audit."""

from __future__ import annotations

import statistics

import pytest

from auth.principal import Principal
from core.numbers import fmt_number, fmt_percent
from data import audit
from data.queries.summary import summary
from data.scope import get_territory
from tests.informe.conftest import AS_OF, CALLER, RECORDS, T0, labelled, pdf_text

H24 = 24 * 3600


def _in(code: str, territory: str) -> bool:
    return territory.startswith(code)


def expected_figures(code: str) -> dict[str, float | int | None]:
    """The summary of ``code`` at T0, computed here from the records the world inserted."""
    projects = [p for p in RECORDS["projects"] if _in(code, p[1])]
    sent = [t for t in RECORDS["transfers"] if _in(code, t[2]) and t[4] <= T0]
    today = [d for d in RECORDS["deliveries"] if _in(code, d[2]) and d[3] == 0]
    cases = [c for c in RECORDS["cases"] if _in(code, c[1])]
    open_cases = [c for c in cases if c[2] <= T0 and (c[3] is None or c[3] > T0)]
    resolved = [c for c in cases if c[3] is not None and c[3] <= T0]
    took = [(c[3] - c[2]).total_seconds() / 3600 for c in resolved if (T0 - c[3]).days < 30]
    incidents = [i for i in RECORDS["incidents"] if _in(code, i[2]) and i[3] <= T0]
    units = [u for u in RECORDS["units"] if _in(code, u[1])]
    actions = [a for a in RECORDS["actions"] if _in(code, a[1])]
    planned = sum(d[4] for d in today)
    served = sum(d[5] for d in today)
    return {
        "projects": len(projects),
        "approved": sum(p[3] for p in projects),
        "transferred": sum(t[3] for t in sent),
        "progress": sum(p[4] for p in projects) / len(projects),
        "planned": planned,
        "served": served,
        "coverage": served / planned,
        "open": len(open_cases),
        "resolved_24h": sum(1 for c in resolved if (T0 - c[3]).total_seconds() < H24),
        "median_hours": statistics.median(took),
        "incidents_24h": sum(1 for i in incidents if (T0 - i[3]).total_seconds() < H24),
        "incidents_7d": sum(1 for i in incidents if (T0 - i[3]).days < 7),
        "units": len(units),
        "readiness": sum(u[2] for u in units) / len(units),
        "actions": len(actions),
        "overdue": sum(1 for a in actions if a[2] == "pendiente" and a[3] < T0.date()),
    }


def venezuelan(e: dict) -> list[tuple[str, str]]:
    """Each figure under its label, written the Venezuelan way."""
    return [
        ("Proyectos", fmt_number(e["projects"])),
        ("Aprobado", f"USD {fmt_number(e['approved'])}"),
        ("Transferido", f"USD {fmt_number(e['transferred'])}"),
        ("Avance físico medio", f"{fmt_number(e['progress'], 1)} %"),
        ("Familias planificadas hoy", fmt_number(e["planned"])),
        ("Familias atendidas hoy", fmt_number(e["served"])),
        ("Cobertura de hoy", fmt_percent(e["coverage"])),
        ("Casos abiertos", fmt_number(e["open"])),
        ("Resueltos en 24 h", fmt_number(e["resolved_24h"])),
        ("Mediana de resolución", f"{fmt_number(e['median_hours'], 1)} h"),
        ("Incidentes en 24 h", fmt_number(e["incidents_24h"])),
        ("Incidentes en 7 días", fmt_number(e["incidents_7d"])),
        ("Unidades", fmt_number(e["units"])),
        ("Alistamiento medio", f"{fmt_number(e['readiness'], 1)} %"),
        ("Acciones", fmt_number(e["actions"])),
        ("Vencidas", fmt_number(e["overdue"])),
    ]


def test_the_pdf_holds_the_summary_figures_of_the_territory(client, world, tmp_path):
    e = expected_figures("VE-A")
    # The world is what the test thinks it is: the summary (GET /api/v1/summary) agrees.
    s = summary(world, get_territory(world, "VE-A"), T0)
    assert (s["projects"]["total"], s["projects"]["transferred_usd"]) == (3, e["transferred"])
    assert (s["clap"]["families_served"], s["cases"]["open"]) == (e["served"], e["open"])
    assert s["cases"]["median_hours_to_resolve_30d"] == e["median_hours"]
    assert s["defense"]["avg_readiness"] == e["readiness"]

    response = client.get(f"/informe.pdf?territorio=VE-A&as_of={AS_OF}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert 'filename="informe_VE-A_2026-11-20.pdf"' in response.headers["content-disposition"]
    text = pdf_text(response.content, tmp_path)
    missing = [(label, value) for label, value in venezuelan(e) if not labelled(text, label, value)]
    assert not missing, f"figures not found under their labels: {missing}"
    assert "USD 1.284.567" in text and "87,5 %" in text  # the contract's own examples
    flat = " ".join(pdf_text(response.content, tmp_path, layout=False).split())
    assert "Venezuela › Estado VE-A" in flat
    assert "viernes 20 de noviembre de 2026, 12:00 (hora de Caracas)" in flat
    assert "admin-local" in flat
    # VE-M's records are never counted, its alerts never listed.
    assert f"USD {fmt_number(e['approved'] + 700_000)}" not in text
    assert "Alerta de prueba 3" not in flat


def test_the_screen_version_says_the_same(client, world):
    html = client.get(f"/informe?territorio=VE-A&as_of={AS_OF}").text
    for _label, value in venezuelan(expected_figures("VE-A")):
        assert value in html
    assert 'href="/informe.pdf?territorio=VE-A&amp;as_of=' in html
    # Attention lists, the Consulta's money in full and the alerts with who acknowledged them.
    assert "Proyecto P3" in html and "USD 25.000" in html  # stalled, with the money sent
    assert "maria.perez" in html and "jose.rivas" in html
    assert "Alerta de prueba 1" in html and "Alerta de prueba 2" in html
    assert "Alerta de prueba 3" not in html


@pytest.mark.parametrize("path", ["/informe", "/informe.pdf"])
def test_other_estados_and_other_roles_are_refused(client, world, path):
    CALLER["principal"] = Principal("ana", "analista", "VE-M")
    outside = client.get(f"{path}?territorio=VE-A")
    unknown = client.get(f"{path}?territorio=VE-NADA")
    assert outside.status_code == unknown.status_code == 403
    # The same answer whether the territory exists or not (only the code differs).
    assert outside.text.replace("VE-A", "X") == unknown.text.replace("VE-NADA", "X")
    assert "fuera de su ámbito" in outside.text
    mine = client.get(f"{path}?as_of={AS_OF}")
    assert mine.status_code == 200
    for role in ("pantalla", "operador"):
        CALLER["principal"] = Principal("x", role, None)
        refused = client.get(f"{path}?territorio=VE-A")
        assert refused.status_code == 403 and "no permite generar informes" in refused.text


def test_bad_input_is_explained_in_spanish(client, world):
    response = client.get("/informe.pdf?as_of=mañana")
    assert response.status_code == 400 and "ISO 8601" in response.text
    response = client.get("/informe?as_of=2999-01-01")
    assert response.status_code == 400 and "posterior a este momento" in response.text
    response = client.get("/informe?territorio=VE-NADA")
    assert response.status_code == 404 and "No existe el territorio" in response.text


def test_each_briefing_is_audited_and_refusals_are_not(client, world):
    CALLER["principal"] = Principal("ana", "analista", "VE-A")
    assert client.get(f"/informe?territorio=VE-A-C1&as_of={AS_OF}").status_code == 200
    assert client.get("/informe.pdf?territorio=VE-M").status_code == 403
    CALLER["principal"] = Principal("x", "operador", None)
    assert client.get("/informe.pdf?territorio=VE-A").status_code == 403
    world.expire_all()
    entries = audit.latest(world, action="exportar")
    assert [(e.actor, e.detail["conjunto"], e.detail["formato"]) for e in entries] == [
        ("ana", "informe", "html")
    ]
    assert entries[0].territory_code == "VE-A-C1"
    assert entries[0].detail["as_of"] == T0.isoformat()


# (U+0085 is whitespace: stripped, it asks for the whole scope, like an empty parameter.)
ODD = ["\x00", "VE-A\x00", "\x01\x02", "\x1b[31m", "\x7f", "x" * 5_000]
UNUSUAL = ["<script>alert(1)</script>", "' OR 1=1; --", "\u202eevil", "😀", "../..", "%"]


@pytest.mark.parametrize("path", ["/informe", "/informe.pdf"])
def test_odd_parameters_get_a_spanish_refusal(client, world, path):
    from urllib.parse import quote

    for param in ("territorio", "as_of"):
        for value in ODD:
            answer = client.get(f"{path}?{param}={quote(value)}")
            assert answer.status_code == 400, (param, repr(value)[:12])
            assert (
                "no es válido" in answer.text
                or "no se entiende" in answer.text
                or ("demasiado larga" in answer.text)
            )
        for value in UNUSUAL:
            answer = client.get(f"{path}?{param}={quote(value)}")
            assert 400 <= answer.status_code < 500, (param, value)
            assert "<script>alert" not in answer.text
