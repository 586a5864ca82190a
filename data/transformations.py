"""The seven transformations (7T) of the Plan de la Patria, by which projects and ACA actions
are classified: one place for their names, so every screen says "T4 · Social", never "T4".

Names as the domain brief restates the plan (``/work/shared/domain.md``): económica; ciudades
humanas e independencia plena; seguridad, defensa e integridad territorial; social; política;
ecosocialismo, ciencia y tecnología; geopolítica de paz.
"""

from __future__ import annotations

NAMES: dict[int, str] = {
    1: "Económica",
    2: "Ciudades humanas e independencia plena",
    3: "Seguridad, defensa e integridad territorial",
    4: "Social",
    5: "Política",
    6: "Ecosocialismo, ciencia y tecnología",
    7: "Geopolítica de paz",
}
NUMBERS = tuple(NAMES)


def label(number: int) -> str:
    """``T4 · Social``; an unknown number is still named (``T9``), never dropped."""
    name = NAMES.get(number)
    return f"T{number} · {name}" if name else f"T{number}"


LABELS: dict[int, str] = {n: label(n) for n in NUMBERS}
