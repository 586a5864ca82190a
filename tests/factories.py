"""Small, explicit builders of records for tests (no randomness: every number is known)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from core.timeutil import UTC
from data.models import (
    Action,
    CaseEvent,
    CitizenCase,
    ClapCommittee,
    ClapDelivery,
    Cuadrante,
    DefenseUnit,
    Incident,
    Project,
    Territory,
    Transfer,
)
from data.scope import child_path, get_territory, path_values

T0 = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # 12:00 in Caracas


def territory(session: Session, code: str, level: str, parent: str | None, name: str = "") -> str:
    parent_ref = get_territory(session, parent) if parent else None
    session.add(
        Territory(
            code=code,
            level=level,
            name=name or code,
            parent_code=parent,
            lat=10.0,
            lon=-66.0,
            **child_path(parent_ref, level, code),
        )
    )
    session.flush()
    return code


def two_estados(session: Session) -> dict[str, str]:
    """VE-A and VE-M, each with one municipio, parroquia, two circuitos and a consejo."""
    codes: dict[str, str] = {}
    for estado in ("VE-A", "VE-M"):
        territory(session, estado, "estado", None, f"Estado {estado}")
        mun = territory(session, f"{estado}-M1", "municipio", estado)
        par = territory(session, f"{estado}-P1", "parroquia", mun)
        for n in (1, 2):
            circ = territory(session, f"{estado}-C{n}", "circuito", par)
            codes[f"{estado}-C{n}"] = circ
            territory(session, f"{estado}-CC{n}", "consejo_comunal", circ)
            session.add(
                Cuadrante(
                    code=f"Q-{estado}-{n}",
                    name=f"Cuadrante {n}",
                    **path_values(get_territory(session, circ)),
                )
            )
            session.add(
                ClapCommittee(
                    code=f"CLAP-{estado}-{n}",
                    name=f"CLAP {n}",
                    territory_code=f"{estado}-CC{n}",
                    families=200,
                    **path_values(get_territory(session, circ)),
                )
            )
    session.flush()
    return codes


def project(
    session: Session,
    pid: str,
    circuito: str,
    status: str,
    usd: float,
    progress: float,
    **extra: object,
) -> None:
    """A project of round 2026-3 in category agua (``extra`` sets any other column)."""
    values = {
        "consulta": "2026-3",
        "title": f"Proyecto {pid}",
        "category": "agua",
        "transformation": 1,
        "updated_at": T0,
        **extra,
    }
    session.add(
        Project(
            id=pid,
            approved_usd=usd,
            status=status,
            physical_progress=progress,
            **values,
            **path_values(get_territory(session, circuito)),
        )
    )


def transfer(session: Session, tid: str, pid: str, circuito: str, usd: float, at: datetime) -> None:
    session.add(
        Transfer(
            id=tid,
            project_id=pid,
            bank="Banco Comunal",
            amount_usd=usd,
            transferred_at=at,
            **path_values(get_territory(session, circuito)),
        )
    )


def delivery(
    session: Session, did: str, clap: str, consejo: str, day: date, planned: int, served: int
) -> None:
    session.add(
        ClapDelivery(
            id=did,
            clap_code=clap,
            territory_code=consejo,
            delivered_on=day,
            families_planned=planned,
            families_served=served,
            bags=served,
            kg=served * 13.0,
            **path_values(get_territory(session, consejo)),
        )
    )


def case(
    session: Session,
    cid: str,
    consejo: str,
    category: str,
    status: str,
    reported: datetime,
    resolved: datetime | None = None,
    institution: str = "Hidrocapital",
) -> None:
    session.add(
        CitizenCase(
            id=cid,
            territory_code=consejo,
            category=category,
            status=status,
            institution=institution,
            reported_at=reported,
            updated_at=resolved or reported,
            resolved_at=resolved,
            **path_values(get_territory(session, consejo)),
        )
    )


def incident(
    session: Session,
    iid: str,
    cuadrante: str,
    circuito: str,
    kind: str,
    at: datetime,
    severity: int = 2,
) -> None:
    session.add(
        Incident(
            id=iid,
            cuadrante_code=cuadrante,
            type=kind,
            severity=severity,
            occurred_at=at,
            **path_values(get_territory(session, circuito)),
        )
    )


def defense(
    session: Session,
    did: str,
    territory_code: str,
    readiness: float,
    plan: str = "Escudo Bolivariano",
    phase: str = "alistamiento",
    last_exercise_on: date | None = (T0 - timedelta(days=10)).date(),
    committees: tuple[int, int] = (7, 10),
) -> None:
    """A defense unit; ``committees`` is (complete, total)."""
    session.add(
        DefenseUnit(
            id=did,
            territory_code=territory_code,
            plan=plan,
            phase=phase,
            readiness=readiness,
            last_exercise_on=last_exercise_on,
            committees_total=committees[1],
            committees_complete=committees[0],
            updated_at=T0,
            **path_values(get_territory(session, territory_code)),
        )
    )


def case_event(session: Session, cid: str, status: str, at: datetime) -> None:
    """A history row; the first ``asignado`` also sets the case's ``assigned_at``, as the
    ingest writer does."""
    session.add(CaseEvent(case_id=cid, status=status, at=at))
    if status == "asignado":
        session.flush()
        stored = session.get(CitizenCase, cid)
        if stored is not None and (stored.assigned_at is None or at < stored.assigned_at):
            stored.assigned_at = at


def action(
    session: Session,
    aid: str,
    territory_code: str,
    status: str,
    due_on: date,
    transformation: int = 4,
    owner: str = "Vocería de salud",
    project_id: str | None = None,
) -> None:
    """An ACA action of ``territory_code``."""
    session.add(
        Action(
            id=aid,
            territory_code=territory_code,
            title=f"Acción {aid}",
            transformation=transformation,
            owner=owner,
            due_on=due_on,
            status=status,
            project_id=project_id,
            updated_at=T0,
            **path_values(get_territory(session, territory_code)),
        )
    )
