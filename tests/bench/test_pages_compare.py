"""``bench.pages --antes`` reads back the rows each checkout printed, whatever their width."""

from __future__ import annotations

from bench.pages import _browser_line, _without_compare, format_row, parse_rows


def test_printed_rows_read_back() -> None:
    rows = [
        ("casos", "nacional", "callback principal (sin caché)", 181.25, 412.5),
        (
            "proyectos",
            "circuito VE-V-0001-01-01",
            "tabla transferencias (conteo + 100 filas)",
            3,
            4,
        ),
        ("paz", "estado VE-V", "time_percentiles institution", 12.0, 30.0),
    ]
    text = "backend=postgresql runs=15\npágina     nivel\n" + "\n".join(map(format_row, rows))
    parsed = parse_rows(text)
    assert [r[:3] for r in parsed] == [r[:3] for r in rows]
    assert [r[3:] for r in parsed] == [(181.2, 412.5), (3.0, 4.0), (12.0, 30.0)]


def test_first_render_rows_read_back() -> None:
    """The first renders in Chromium are compared too (the target of the empty cache)."""
    rows = [
        ("casos", "nacional", "caché vacía", 1320.0, 1990.0),
        ("clap", "circuito VE-V-0001-01-01", "scripts en caché", 640.0, 2100.0),
    ]
    text = "primer render completo en Chromium\n" + "\n".join(map(_browser_line, rows))
    assert parse_rows(text) == rows


def test_subprocess_options_drop_the_comparison() -> None:
    argv = ["--runs", "5", "--antes", "/tmp/x", "--pares=3", "--page", "clap"]
    assert _without_compare(argv) == ["--runs", "5", "--page", "clap"]
