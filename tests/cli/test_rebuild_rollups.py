"""``manage.py rebuild-rollups`` repairs rollups that drifted from the cases."""

from __future__ import annotations

from sqlalchemy import select, update

from cli.database import rebuild_rollups
from data.models import CaseReportedDay
from tests import factories as f
from tests.factories import T0


def test_rebuild_rollups_restores_the_counts(engine, session, capsys):
    f.two_estados(session)
    f.case(session, "C1", "VE-A-CC1", "agua", "recibido", T0)
    f.case(session, "C2", "VE-A-CC1", "agua", "recibido", T0)
    session.commit()
    with engine.begin() as conn:  # a hand-made drift
        conn.execute(update(CaseReportedDay).values(n=99))
    assert rebuild_rollups() == 0
    with engine.connect() as conn:
        assert conn.execute(select(CaseReportedDay.n)).scalars().all() == [2]
    assert "a partir de 2 casos" in capsys.readouterr().out
