"""``manage.py import``: same validation as the API, every bad row by line, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cli import importer as importer_module
from cli import main
from data.bus import get_bus
from data.models import CitizenCase, Incident, Territory
from tests import factories as f

HEADER = "id,cuadrante_code,type,severity,occurred_at,lat,lon\n"


@pytest.fixture
def world(engine, monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    with Session(engine) as s:
        f.two_estados(s)
        s.commit()


def _count(engine, model) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(model)))


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "datos.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_import_stores_every_row_and_prints_counts(engine, world, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(importer_module, "CHUNK", 7)  # several chunks, one transaction
    rows = [
        f"I{i},Q-VE-A-{1 + i % 2},robo,{1 + i % 5},2026-11-20T10:{i % 60:02d}:00-04:00,,"
        for i in range(40)
    ]
    path = _write(tmp_path, HEADER + "\n".join(rows) + "\n")
    start = get_bus().last_id()
    assert main(["import", "--dataset", "incidents", str(path)]) == 0
    out = capsys.readouterr().out
    assert "recibidos 40, insertados 40, actualizados 0, sin cambios 0" in out
    assert "validando" in out and "guardando" in out
    assert _count(engine, Incident) == 40
    events = get_bus().read(start, timeout_s=0.05)
    assert len(events) == 1 and events[0][1]["inserted"] == 40  # one event for the file
    assert main(["import", "--dataset", "incidents", str(path)]) == 0
    assert "insertados 0, actualizados 0, sin cambios 40" in capsys.readouterr().out


def test_bad_rows_are_reported_by_line_and_nothing_is_stored(
    engine, world, tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(importer_module, "CHUNK", 3)
    lines = [
        "I1,Q-VE-A-1,robo,3,2026-11-20T10:00:00Z,,",  # line 2: good
        "I2,Q-VE-A-1,robo,9,2026-11-20T10:00:00Z,,",  # line 3: severity
        '"I3",Q-VE-A-1,"robo',  # lines 4-5: a quoted cell spanning two lines, naive time
        'armado",2,2026-11-20T10:00:00,,',
        "",  # line 6: blank, skipped
        "I4,Q-NOPE,robo,2,2026-11-20T10:00:00Z,,",  # line 7: unknown cuadrante
        "I5,Q-VE-A-2,hurto,2,2026-11-20T10:00:00Z,,,sobra",  # line 8: extra cell
        "I6,Q-VE-A-2,hurto,2,2026-11-20T10:00:00Z,,",  # line 9: good
    ]
    path = _write(tmp_path, HEADER + "\n".join(lines) + "\n")
    assert main(["import", "--dataset", "incidents", str(path)]) == 2
    out = capsys.readouterr().out
    assert "línea 3, campo severity: debe ser menor o igual que 5" in out
    assert "línea 4, campo occurred_at: la hora debe indicar su zona horaria" in out
    assert "línea 7, campo cuadrante_code: cuadrante desconocido 'Q-NOPE'" in out
    assert "línea 8, campo columnas_sobrantes" in out
    assert "línea 2," not in out and "línea 9," not in out
    assert "4 fila(s) con errores" in out and "no se guardó nada" in out
    assert _count(engine, Incident) == 0


def test_empty_cells_are_absent_optional_fields_and_references_go_forward(
    engine, world, tmp_path, capsys
):
    text = (
        "code,level,name,parent_code,lat,lon,geometry\n"
        "VE-Z,estado,Amazonas,,5.66,-67.58,\n"
        'VE-Z-M1,municipio,Atures,VE-Z,,,"{""type"": ""Point"", ""coordinates"": [-67.6, 5.7]}"\n'
    )
    path = _write(tmp_path, text)
    assert main(["import", "--dataset", "territories", str(path)]) == 0
    with Session(engine) as s:
        municipio = s.get(Territory, "VE-Z-M1")
        assert municipio.lat is None
        assert municipio.geometry == {"type": "Point", "coordinates": [-67.6, 5.7]}
        assert municipio.estado_code == "VE-Z"


def test_header_problems_stop_before_reading_rows(engine, world, tmp_path, capsys):
    path = _write(tmp_path, "id,territory_code,color\nC1,VE-A-CC1,rojo\n")
    assert main(["import", "--dataset", "cases", str(path)]) == 2
    out = capsys.readouterr().out
    assert "línea 1" in out and "color" in out and "faltan columnas obligatorias" in out
    assert _count(engine, CitizenCase) == 0


def test_missing_file_and_empty_file(engine, world, tmp_path, capsys):
    assert main(["import", "--dataset", "cases", str(tmp_path / "no.csv")]) == 2
    assert "No existe" in capsys.readouterr().out
    path = _write(tmp_path, "")
    assert main(["import", "--dataset", "cases", str(path)]) == 2
    assert "vacío" in capsys.readouterr().out
