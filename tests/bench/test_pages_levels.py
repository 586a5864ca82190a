"""``bench.pages`` times a real circuito at its third level, not a parroquia without one."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bench.pages import levels
from data.models import Territory
from data.seed import seed_database


def test_the_third_level_is_a_circuito_of_the_estado(sqlite_engine: Engine) -> None:
    seed_database(sqlite_engine, scale="test", until=date(2026, 11, 20), progress=False)
    with Session(sqlite_engine) as session:
        with_circuitos = set(
            session.scalars(select(Territory.estado_code).where(Territory.level == "circuito"))
        )
        for estado in sorted(with_circuitos):
            labels = levels(session, estado)
            (_, national), (_, chosen), (label, circuito) = labels
            assert national is None and chosen is not None and chosen.code == estado
            assert circuito is not None and circuito.level == "circuito", label
            assert circuito.estado_code == estado and label == f"circuito {circuito.code}"
