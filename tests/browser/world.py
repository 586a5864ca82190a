"""A small national dataset with known records for browser tests (and local screenshots).

The 25 estados at their capitals' coordinates, one circuito each, and deterministic facts
placed relative to ``now`` and well away from every window edge (24 h, 7 days, 30 days, the
Caracas day), so a test's ``summary()`` and the page agree whatever the clock says.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core.timeutil import caracas_date, caracas_day_bounds
from data.models import (
    Action,
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

ESTADOS = {
    "VE-A": ("Distrito Capital", 10.49, -66.88),
    "VE-B": ("Anzoátegui", 10.14, -64.69),
    "VE-C": ("Apure", 7.89, -67.47),
    "VE-D": ("Aragua", 10.25, -67.59),
    "VE-E": ("Barinas", 8.62, -70.23),
    "VE-F": ("Bolívar", 8.12, -63.55),
    "VE-G": ("Carabobo", 10.16, -68.00),
    "VE-H": ("Cojedes", 9.66, -68.59),
    "VE-I": ("Falcón", 11.41, -69.68),
    "VE-J": ("Guárico", 9.91, -67.35),
    "VE-K": ("Lara", 10.06, -69.36),
    "VE-L": ("Mérida", 8.58, -71.17),
    "VE-M": ("Miranda", 10.35, -67.04),
    "VE-N": ("Monagas", 9.75, -63.18),
    "VE-O": ("Nueva Esparta", 11.03, -63.86),
    "VE-P": ("Portuguesa", 9.04, -69.73),
    "VE-R": ("Sucre", 10.46, -64.18),
    "VE-S": ("Táchira", 7.77, -72.24),
    "VE-T": ("Trujillo", 9.37, -70.44),
    "VE-U": ("Yaracuy", 10.34, -68.74),
    "VE-V": ("Zulia", 10.64, -71.61),
    "VE-W": ("Dependencias Federales", 11.85, -66.75),
    "VE-X": ("La Guaira", 10.60, -66.93),
    "VE-Y": ("Delta Amacuro", 9.06, -62.05),
    "VE-Z": ("Amazonas", 5.66, -67.58),
}
ACTION_STATUSES = ("pendiente", "en_curso", "cumplida", "en_curso", "cancelada")
STATUSES = ("aprobado", "financiado", "en_ejecucion", "en_ejecucion", "paralizado", "culminado")
CASE_CATEGORIES = ("agua", "electricidad", "gas", "salud", "vialidad")
INCIDENT_TYPES = ("robo", "hurto", "lesiones", "riña", "accidente de tránsito")


def _territory(
    session: Session, code: str, level: str, parent: str | None, name: str, lat: float, lon: float
) -> str:
    parent_ref = get_territory(session, parent) if parent else None
    session.add(
        Territory(
            code=code,
            level=level,
            name=name,
            parent_code=parent,
            lat=lat,
            lon=lon,
            **child_path(parent_ref, level, code),
        )
    )
    session.flush()
    return code


def populate(session: Session, now: datetime, seed: int = 7) -> None:
    """Insert the dataset; ``now`` (aware UTC) anchors every relative time."""
    rng = random.Random(seed)
    today = caracas_date(now)
    day_start, _ = caracas_day_bounds(today)
    for index, (code, (name, lat, lon)) in enumerate(ESTADOS.items()):
        _territory(session, code, "estado", None, name, lat, lon)
        mun = _territory(session, f"{code}-M1", "municipio", code, f"Municipio {name}", lat, lon)
        par = _territory(session, f"{code}-P1", "parroquia", mun, f"Parroquia {name}", lat, lon)
        circ = _territory(session, f"{code}-C1", "circuito", par, f"Circuito {name}", lat, lon)
        cc = _territory(
            session, f"{code}-CC1", "consejo_comunal", circ, f"Consejo {name}", lat, lon
        )
        path = path_values(get_territory(session, circ))
        session.add(Cuadrante(code=f"Q-{code}", name=f"Cuadrante {name}", lat=lat, lon=lon, **path))
        session.add(
            ClapCommittee(
                code=f"CLAP-{code}", name=f"CLAP {name}", territory_code=cc, families=400, **path
            )
        )
        session.flush()
        quality = 0.55 + 0.45 * ((index * 7) % 25) / 24  # some estados clearly worse
        for d in range(30):
            planned = 200 + rng.randrange(300) + (250 if d in (0, 1) else 0)
            served = int(planned * min(1.0, quality + rng.uniform(-0.1, 0.1)))
            session.add(
                ClapDelivery(
                    id=f"D-{code}-{d}",
                    clap_code=f"CLAP-{code}",
                    territory_code=cc,
                    delivered_on=today - timedelta(days=d),
                    families_planned=planned,
                    families_served=served,
                    bags=served,
                    kg=served * 13.0,
                    **path,
                )
            )
        for n in range(6):
            status = STATUSES[(index + n) % len(STATUSES)]
            progress = {"culminado": 100.0, "aprobado": 0.0, "financiado": 5.0}.get(
                status, float(rng.randrange(10, 95))
            )
            pid = f"P-{code}-{n}"
            usd = 8_000 + rng.randrange(5_000) + 0.5
            session.add(
                Project(
                    id=pid,
                    consulta="2026-3",
                    title=f"Proyecto {n} de {name}",
                    category=CASE_CATEGORIES[n % 5],
                    transformation=1 + n % 7,
                    approved_usd=usd,
                    status=status,
                    physical_progress=progress,
                    # the fourth project of each estado has not moved in 45 days
                    updated_at=now - timedelta(days=45 if n == 3 else 2),
                    **path,
                )
            )
            session.flush()
            if status != "aprobado":
                session.add(
                    Transfer(
                        id=f"T-{pid}",
                        project_id=pid,
                        bank=f"Banco Comunal {name}",
                        amount_usd=round(usd * 0.6, 2),
                        transferred_at=now - timedelta(days=3 + n),
                        **path,
                    )
                )
        for n in range(4 + index % 9):
            reported = now - timedelta(hours=5 + 37 * n + index)
            resolved = reported + timedelta(hours=3 + 11 * (n % 4)) if n % 3 else None
            if resolved and resolved > now - timedelta(hours=1):
                resolved = None
            session.add(
                CitizenCase(
                    id=f"C-{code}-{n}",
                    territory_code=cc,
                    category=CASE_CATEGORIES[n % 5],
                    status="resuelto" if resolved else "recibido",
                    institution="Gobernación",
                    reported_at=reported,
                    updated_at=resolved or reported,
                    resolved_at=resolved,
                    **path,
                )
            )
        for n in range(2 + (index * 5) % 11):
            occurred = now - timedelta(hours=1 + 13 * n, minutes=17 * (index % 3))
            session.add(
                Incident(
                    id=f"I-{code}-{n}",
                    cuadrante_code=f"Q-{code}",
                    type=INCIDENT_TYPES[n % 5],
                    severity=1 + n % 5,
                    occurred_at=occurred,
                    **path,
                )
            )
        # ACA actions: due two to nine days away from today (never on the edge of "overdue")
        for n in range(3 + index % 4):
            due = today + timedelta(days=(2 + n * 3) * (-1 if (index + n) % 2 else 1))
            session.add(
                Action(
                    id=f"ACA-{code}-{n}",
                    territory_code=circ if n % 3 else mun,
                    title=f"Acción {n} de {name}",
                    transformation=1 + (index + n) % 7,
                    owner=f"Vocería {n} de {name}",
                    due_on=due,
                    status=ACTION_STATUSES[(index + n) % len(ACTION_STATUSES)],
                    updated_at=now - timedelta(days=1),
                    **(path if n % 3 else path_values(get_territory(session, mun))),
                )
            )
        session.add(
            DefenseUnit(
                id=f"DF-{code}",
                territory_code=mun,
                plan="Escudo Bolivariano",
                phase="alistamiento",
                readiness=float(40 + (index * 11) % 60),
                last_exercise_on=today - timedelta(days=20),
                committees_total=10,
                committees_complete=5 + index % 6,
                updated_at=day_start,
                **path_values(get_territory(session, mun)),
            )
        )
    session.commit()
