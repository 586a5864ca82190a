"""``GET /exportar/excel/{dataset}.csv``: the same rows as the standard CSV, written for a
spreadsheet in Spanish locale (``;``, decimal comma, dd/mm/aaaa, human names)."""

from __future__ import annotations

import csv
import io

from core.timeutil import caracas_date, utcnow
from tests.api.test_export import CALLER, client, world  # noqa: F401 (fixtures)
from tests.api.test_export import _csv as _standard


def _spanish(response) -> list[dict[str, str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def test_spanish_csv_has_the_same_rows_for_a_spanish_spreadsheet(client, world):  # noqa: F811
    query = "?territorio=VE-A&rango=30d"
    standard = _standard(client.get(f"/exportar/clap.csv{query}"))
    response = client.get(f"/exportar/excel/clap.csv{query}")
    assert response.status_code == 200
    assert response.content.startswith("\ufeff".encode())  # Excel reads the accents
    stem = f"clap_VE-A_30d_{caracas_date(utcnow()).isoformat()}"
    assert f'filename="{stem}-excel.csv"' in response.headers["content-disposition"]
    header = response.content.decode("utf-8-sig").splitlines()[0]
    assert header.split(";")[0] == "Lote" and "," not in header
    spanish = _spanish(response)
    assert sorted(r["Lote"] for r in spanish) == sorted(r["Lote"] for r in standard)
    by_id = {r["Lote"]: r for r in standard}
    for row in spanish:
        plain = by_id[row["Lote"]]
        # decimal comma: 90.0 → "90,0"; no thousands mark
        assert "." not in row["Cobertura %"] and "," in row["Cobertura %"]
        assert abs(float(row["Cobertura %"].replace(",", ".")) - float(plain["Cobertura %"])) < 0.05
        assert "." not in row["Familias planificadas"]
        assert row["Familias planificadas"] == plain["Familias planificadas"]
        # ISO 2026-12-02 → 02/12/2026
        y, m, d = plain["Fecha"].split("-")
        assert row["Fecha"] == f"{d}/{m}/{y}"


def test_spanish_csv_names_statuses_and_keeps_big_numbers_whole(client, world):  # noqa: F811
    standard = {r["Código"]: r for r in _standard(client.get("/exportar/proyectos.csv"))}
    spanish = {r["Código"]: r for r in _spanish(client.get("/exportar/excel/proyectos.csv"))}
    assert set(spanish) == set(standard) == {"P1", "P2"}
    assert standard["P1"]["Estatus"] == "en_ejecucion"
    assert spanish["P1"]["Estatus"] == "En ejecución"
    assert spanish["P2"]["Estatus"] == "Culminado"
    # 10000.0 USD → "10000,00": a number to the spreadsheet, never "10.000,00" text
    assert float(standard["P1"]["Aprobado USD"]) == 10_000
    assert spanish["P1"]["Aprobado USD"] == "10000,00"


def test_spanish_csv_obeys_scope_and_role(client, world):  # noqa: F811
    from auth.principal import Principal

    CALLER["principal"] = Principal("ana", "analista", "VE-M")
    assert client.get("/exportar/excel/clap.csv?territorio=VE-A").status_code == 403
    CALLER["principal"] = Principal("x", "pantalla", None)
    assert client.get("/exportar/excel/clap.csv").status_code == 403
    CALLER["principal"] = None
    assert client.get("/exportar/excel/nada.csv").status_code == 404


def test_spanish_priorities_export(client, world):  # noqa: F811
    response = client.get("/exportar/excel/prioridades.csv")
    assert response.status_code == 200
    assert "-excel.csv" in response.headers["content-disposition"]
    header = response.content.decode("utf-8-sig").splitlines()[0]
    assert ";" in header and header.count(",") == 0
