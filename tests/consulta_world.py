"""A small world where the Consulta advice has obvious answers (queries, API and export tests).

On top of ``factories.two_estados`` (VE-A and VE-M, circuitos C1 and C2 each), at
``factories.T0``:

- **VE-A-C1**: heavy water demand (12 cases in 60 days, 6 still open, 4 of them past the 72 h
  target, 8 in the recent half) and no water project; two completed electricity projects for
  two electricity cases (6.000 USD transferred by T0, 4.000 an hour later); three
  ``ayuda médica`` cases (a salud need). Noise that must not
  count: a water case 70 days old, a rejected water case, an ``otros`` case.
- **VE-A-C2**: satisfied water demand (two completed water projects; 11 cases, all resolved,
  10 of them in the earlier half) against electricity with 6 cases, 2 open, no project; a
  vialidad chain: V1 (2026-1, running) is continued by V2 (2026-3, paralysed) and V3 (2026-2,
  running).
- **VE-M-C1**: two open water cases; its only project is from 2025-1, older than the last four
  rounds (2026-3, 2026-2, 2026-1, 2025-4). **VE-M-C2**: nothing at all.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from tests import factories as f
from tests.factories import T0

ROUNDS = ["2026-3", "2026-2", "2026-1", "2025-4"]


def cases(
    session: Session, prefix: str, consejo: str, category: str, ages: list[float], open_: int
) -> None:
    """One case per age (days before T0); the first ``open_`` still open, the rest resolved
    an hour after being reported."""
    for i, age in enumerate(ages):
        reported = T0 - timedelta(days=age)
        if i < open_:
            f.case(session, f"{prefix}-{i}", consejo, category, "recibido", reported)
        else:
            resolved = reported + timedelta(hours=1)
            f.case(session, f"{prefix}-{i}", consejo, category, "resuelto", reported, resolved)


def build(session: Session) -> None:
    f.two_estados(session)
    # VE-A-C1: unanswered water demand
    cases(session, "A1-agua", "VE-A-CC1", "agua", [1, 2, 4, 5, 6, 10, 20, 25, 35, 40, 45, 50], 6)
    cases(session, "A1-old", "VE-A-CC1", "agua", [70], 1)
    f.case(session, "A1-rej", "VE-A-CC1", "agua", "rechazado", T0 - timedelta(days=3))
    cases(session, "A1-otros", "VE-A-CC1", "otros", [3], 1)
    cases(session, "A1-luz", "VE-A-CC1", "electricidad", [3, 40], 0)
    cases(session, "A1-med", "VE-A-CC1", "ayuda médica", [2, 8, 33], 1)
    for n, consulta in enumerate(("2026-3", "2026-2"), start=1):
        f.project(
            session, f"P-A1-E{n}", "VE-A-C1", "culminado", 10_000, 100,
            category="electricidad", consulta=consulta, transformation=2,
        )  # fmt: skip
    f.transfer(session, "T-A1-E1", "P-A1-E1", "VE-A-C1", 6_000, T0 - timedelta(days=10))
    f.transfer(session, "T-A1-LATE", "P-A1-E1", "VE-A-C1", 4_000, T0 + timedelta(hours=1))
    # VE-A-C2: water satisfied (completed, cases fell), electricity unanswered
    cases(session, "A2-agua", "VE-A-CC2", "agua", [3, 31, 33, 35, 37, 39, 41, 43, 45, 50, 55], 0)
    cases(session, "A2-luz", "VE-A-CC2", "electricidad", [1.5, 5, 12, 35, 40, 44], 2)
    for n, consulta in enumerate(("2026-1", "2025-4"), start=1):
        f.project(
            session, f"P-A2-W{n}", "VE-A-C2", "culminado", 12_000, 100,
            category="agua", consulta=consulta, transformation=2,
        )  # fmt: skip
    long_ago = T0 - timedelta(days=60)
    f.project(
        session, "P-A2-V1", "VE-A-C2", "en_ejecucion", 8_000, 50, category="vialidad",
        consulta="2026-1", transformation=2, progress_changed_at=T0 - timedelta(days=3),
    )  # fmt: skip
    f.project(
        session, "P-A2-V2", "VE-A-C2", "paralizado", 8_000, 20, category="vialidad",
        consulta="2026-3", transformation=2, continuidad_of="P-A2-V1",
        progress_changed_at=long_ago, updated_at=long_ago,
    )  # fmt: skip
    f.project(
        session, "P-A2-V3", "VE-A-C2", "en_ejecucion", 8_000, 30, category="vialidad",
        consulta="2026-2", transformation=5, continuidad_of="P-A2-V1",
        progress_changed_at=T0 - timedelta(days=2),
    )  # fmt: skip
    # VE-M-C1: open water cases, a project only in an old round
    cases(session, "M1-agua", "VE-M-CC1", "agua", [1, 2], 2)
    f.project(
        session, "P-M1-OLD", "VE-M-C1", "culminado", 9_000, 100,
        category="agua", consulta="2025-1", transformation=2,
    )  # fmt: skip
    session.commit()
