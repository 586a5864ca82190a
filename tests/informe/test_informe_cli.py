"""``manage.py informe``: a valid PDF of the territory, clear errors, an audit entry."""

from __future__ import annotations

from cli import main
from core.numbers import fmt_number
from data import audit
from tests.informe.conftest import pdf_text


def test_the_command_writes_the_pdf(world, tmp_path, capsys):
    out = tmp_path / "zona.pdf"
    rc = main(
        ["informe", "--territorio", "VE-A", "--as-of", "2026-11-20T12:00", "--salida", str(out)]
    )
    printed = capsys.readouterr().out
    assert rc == 0, printed
    assert out.read_bytes().startswith(b"%PDF")
    assert "paso 4/4" in printed and str(out) in printed
    text = pdf_text(out.read_bytes(), tmp_path)
    assert "Estado VE-A" in text and f"USD {fmt_number(1_284_567)}" in text
    world.expire_all()
    [entry] = audit.latest(world, action="exportar")
    assert entry.actor.startswith("cli") and entry.detail["formato"] == "pdf"
    assert entry.territory_code == "VE-A"


def test_the_command_says_what_to_do_next(world, tmp_path, capsys):
    assert main(["informe", "--territorio", "VE-NADA", "--salida", str(tmp_path / "a.pdf")]) == 2
    assert "No existe el territorio «VE-NADA»" in capsys.readouterr().out
    missing = tmp_path / "no" / "existe.pdf"
    assert main(["informe", "--territorio", "VE-A", "--salida", str(missing)]) == 2
    assert "no existe: créela" in capsys.readouterr().out
    assert main(["informe", "--territorio", "VE-A", "--salida", str(tmp_path / "a.txt")]) == 2
    assert "no termina en .pdf" in capsys.readouterr().out
    assert (
        main(
            [
                "informe",
                "--territorio",
                "VE-A",
                "--as-of",
                "ayer",
                "--salida",
                str(tmp_path / "b.pdf"),
            ]
        )
        == 2
    )
    assert "ISO 8601" in capsys.readouterr().out
    assert not list(tmp_path.glob("*.pdf"))
