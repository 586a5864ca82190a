"""``manage.py rebuild-rollups`` repairs rollups that drifted from the cases."""

from __future__ import annotations

from sqlalchemy import select, update

from cli.database import rebuild_rollups
from data.models import CaseReportedDay, IncidentDay, IncidentHour, IncidentWeek
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


def test_rebuild_rollups_restores_the_incident_counts(engine, session, capsys):
    f.two_estados(session)
    f.incident(session, "I1", "Q-VE-A-1", "VE-A-C1", "robo", T0)
    f.incident(session, "I2", "Q-VE-A-1", "VE-A-C1", "robo", T0)
    session.commit()
    with engine.begin() as conn:  # a hand-made drift
        conn.execute(update(IncidentDay).values(n=99))
        conn.execute(update(IncidentHour).values(n=99))
        conn.execute(update(IncidentWeek).values(d0=7, d1=7, d2=7, d3=7, d4=7, d5=7, d6=7))
    assert rebuild_rollups() == 0
    with engine.connect() as conn:
        assert conn.execute(select(IncidentDay.n)).scalars().all() == [2]
        assert conn.execute(select(IncidentHour.n)).scalars().all() == [2]
        (week,) = conn.execute(select(IncidentWeek)).all()
    assert sum(week[3:]) == 2 and week[3 + T0.weekday()] == 2  # T0 is 12:00 in Caracas
    assert "a partir de 2 incidentes" in capsys.readouterr().out
