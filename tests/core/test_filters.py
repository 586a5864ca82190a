"""The filter model: URL round trip, Spanish errors for bad input, and the time bounds."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.filters import DEFAULT_RANGE, RANGES, Filters, parse_filters
from core.timeutil import UTC

CATS = {"agua": "Agua", "vialidad": "Vialidad", "educación": "Educación"}
NOON_CARACAS = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)


def test_defaults_make_an_empty_query():
    assert Filters().to_query() == ""
    assert parse_filters("", CATS).filters == Filters()


def test_round_trip_examples():
    query = "?territorio=VE-A-01&rango=7d&categoria=agua"
    parsed = parse_filters(query, CATS)
    assert parsed.errors == ()
    assert parsed.filters == Filters(territorio="VE-A-01", rango="7d", categoria="agua")
    assert parsed.filters.to_query() == query
    custom = Filters(rango="personalizado", desde=date(2026, 1, 1), hasta=date(2026, 1, 31))
    assert parse_filters(custom.to_query(), CATS).filters == custom


@given(
    territorio=st.one_of(
        st.none(), st.from_regex(r"VE-[A-Z](-[A-Z0-9]{1,6}){0,3}", fullmatch=True)
    ),
    rango=st.sampled_from([r for r in RANGES if r != "personalizado"]),
    categoria=st.one_of(st.none(), st.sampled_from(sorted(CATS))),
)
def test_round_trip_property(territorio, rango, categoria):
    filters = Filters(territorio=territorio, rango=rango, categoria=categoria)
    parsed = parse_filters(filters.to_query(), CATS)
    assert parsed.errors == ()
    assert parsed.filters == filters


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("rango=99d", "Rango de tiempo desconocido"),
        ("categoria=petroleo", "Categoría desconocida"),
        ("rango=personalizado&desde=2026-01-01", "necesita fechas"),
        ("rango=personalizado&desde=2026-13-01&hasta=2026-01-02", "necesita fechas"),
        ("rango=personalizado&desde=2020-01-01&hasta=2026-01-02", "tres años"),
    ],
)
def test_bad_values_fall_back_with_a_spanish_message(query, message):
    parsed = parse_filters(query, CATS)
    assert any(message in e for e in parsed.errors)
    assert parsed.filters.rango in RANGES and parsed.filters.categoria is None
    if "rango" in query:
        assert parsed.filters.rango == DEFAULT_RANGE


def test_swapped_custom_dates_are_fixed():
    parsed = parse_filters("rango=personalizado&desde=2026-02-10&hasta=2026-02-01", CATS)
    assert parsed.filters.desde == date(2026, 2, 1) and parsed.filters.hasta == date(2026, 2, 10)
    assert parsed.errors


def test_day_and_time_bounds():
    today = date(2026, 11, 23)
    assert Filters(rango="24h").day_bounds(NOON_CARACAS) == (today, today)
    assert Filters(rango="7d").day_bounds(NOON_CARACAS) == (today - timedelta(6), today)
    assert Filters(rango="mes").day_bounds(NOON_CARACAS) == (date(2026, 11, 1), today)
    assert Filters(rango="7d").previous_day_bounds(NOON_CARACAS) == (
        today - timedelta(13),
        today - timedelta(7),
    )
    assert Filters(rango="mes").previous_day_bounds(NOON_CARACAS) == (
        date(2026, 10, 1),
        date(2026, 10, 23),
    )
    start, end = Filters(rango="24h").time_bounds(NOON_CARACAS)
    assert (start, end) == (NOON_CARACAS - timedelta(hours=24), NOON_CARACAS)
    start, end = Filters(rango="mes").time_bounds(NOON_CARACAS)
    assert start == datetime(2026, 11, 1, 4, 0, tzinfo=UTC) and end == NOON_CARACAS
    assert Filters(rango="7d").previous_time_bounds(NOON_CARACAS) == (
        NOON_CARACAS - timedelta(days=14),
        NOON_CARACAS - timedelta(days=7),
    )


def test_file_stem_names_the_filters():
    stem = Filters(territorio="VE-A", rango="7d", categoria="educación").file_stem(
        "proyectos", NOON_CARACAS
    )
    assert stem == "proyectos_VE-A_7d_educacion_2026-11-23"
    assert Filters().file_stem("clap", NOON_CARACAS) == "clap_VE_30d_2026-11-23"
