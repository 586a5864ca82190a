"""The covering indexes of the pages' national and per-estado aggregates: the migrations
create them as the models declare them (a fresh seed rebuilds them from the models), so the
counts stay index-only scans whichever way the database was built."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from data.models import Base

COVERED = (
    "ix_clap_delivery_date",
    "ix_clap_delivery_estado_date",
    "ix_case_estado_reported",
    "ix_case_reported",  # the raw edges of a /casos range (0013_cbx_case_speed)
    "ix_case_resolved_reported",
)


def _declared(name: str) -> tuple[list[str], list[str]]:
    for table in Base.metadata.tables.values():
        for index in table.indexes:
            if index.name == name:
                include = index.dialect_options["postgresql"]["include"] or []
                return [c.name for c in index.columns], [str(c) for c in include]
    raise AssertionError(f"{name} no está en los modelos")


def _migrated(engine: Engine, name: str) -> tuple[list[str], list[str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT a.attname, i.indnkeyatts, k.n FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid "
                "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) "
                "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
                "WHERE c.relname = :name ORDER BY k.n"
            ),
            {"name": name},
        ).all()
    assert rows, f"{name} no existe en la base migrada"
    keys = rows[0][1]
    return [r[0] for r in rows[:keys]], [r[0] for r in rows[keys:]]


@pytest.mark.parametrize("name", COVERED)
def test_the_migrated_index_covers_what_the_model_declares(engine: Engine, name: str) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("INCLUDE solo existe en PostgreSQL")
    keys, include = _declared(name)
    assert include, "el modelo declara las columnas cubiertas"
    assert _migrated(engine, name) == (keys, include)


def test_the_open_cases_per_category_index_is_migrated_as_declared(engine: Engine) -> None:
    """``ix_case_open_category`` (0013_cbx_case_speed): the same keys and the same rows (the
    open, not rejected cases) whichever way the database was built."""
    if engine.dialect.name != "postgresql":
        pytest.skip("se comprueba en PostgreSQL")
    keys, _ = _declared("ix_case_open_category")
    assert _migrated(engine, "ix_case_open_category") == (keys, [])
    with engine.connect() as conn:
        definition = conn.scalar(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_case_open_category'")
        )
    assert "WHERE ((resolved_at IS NULL) AND ((status)::text <> 'rechazado'::text))" in definition
