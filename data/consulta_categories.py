"""The one table that joins what people report (1x10 case categories) to what a Consulta can
fund (project categories), used by the Consulta advice (``data.queries.consulta``).

The two vocabularies differ: the 1x10 speaks of *problems* (``ayuda médica``, ``alteración del
orden``…), the Consulta of *works* (``deporte``, ``estabilización de taludes``…). The advice
ranks **project categories**, because that is what the next Consulta chooses; each 1x10
category points to the one project category whose works answer it. Rules:

- A case category maps to at most one project category, so a case is counted once; a project
  category may gather several case categories (``salud`` answers ``salud`` and ``ayuda
  médica``).
- Only works that plainly answer the problem count. ``vialidad`` cases are roads and are
  answered by ``vialidad`` works, not by ``transporte`` (buses) nor by ``estabilización de
  taludes`` (which may protect a road, or not): a loose match would make a circuito look
  served when it is not.
- ``otros`` cases map to nothing: there is no work to propose for them. They stay visible on
  ``/casos``; the advice leaves them out and says so.
- Project categories that no case category points to (``deporte``, ``cultura``, ``ambiente``,
  ``transporte``, ``turismo``, ``estabilización de taludes``) still appear in a circuito's
  list when it has projects of them, with no 1x10 demand: the 1x10 does not measure those
  needs, and the reason text says so instead of inventing one.
- Each project category carries its usual transformation (7T), the one the seed and the field
  systems give it most often; the 7T distribution of *needs* uses it (a case has no 7T of
  its own), while funded projects use their own ``transformation``.

A real deployment that adds a category on either side edits this table only.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Need:
    """A project category and the 1x10 case categories whose cases it answers."""

    category: str  # the project category (the Consulta's word), the key of the ranking
    label: str  # how the screen names it
    transformation: int  # its usual 7T (1..7)
    case_categories: tuple[str, ...]  # 1x10 categories it answers (may be empty)


NEEDS: dict[str, Need] = {
    need.category: need
    for need in (
        Need("agua", "Agua", 2, ("agua",)),
        Need("electricidad", "Electricidad", 2, ("electricidad",)),
        Need("gas", "Gas", 2, ("gas",)),
        Need("vialidad", "Vialidad", 2, ("vialidad",)),
        Need("vivienda", "Vivienda", 2, ("vivienda",)),
        # medical aid cases are answered by the consultorio popular's equipment and staff
        Need("salud", "Salud", 4, ("salud", "ayuda médica")),
        Need("educación", "Educación", 4, ("educación",)),
        Need("telecomunicaciones", "Telecomunicaciones", 6, ("telecomunicaciones",)),
        # the Consulta does not distribute food (the CLAP do): what it funds against hunger
        # is communal production, the agrícola projects
        Need("agrícola", "Agrícola", 1, ("alimentación",)),
        # security, defence and public-order cases are all answered by the cuadrante de
        # paz's works (module, lighting of the quadrant): the projects called seguridad
        Need("seguridad", "Seguridad", 3, ("seguridad", "defensa", "alteración del orden")),
        Need("deporte", "Deporte", 4, ()),
        Need("cultura", "Cultura", 4, ()),
        Need("transporte", "Transporte", 2, ()),
        Need("ambiente", "Ambiente", 6, ()),
        Need("estabilización de taludes", "Estabilización de taludes", 2, ()),
        Need("turismo", "Turismo", 1, ()),
    )
}
# 1x10 categories no work answers: left out of the advice (see the module docstring).
UNMAPPED_CASE_CATEGORIES: tuple[str, ...] = ("otros",)

CASE_TO_PROJECT: dict[str, str] = {
    case: need.category for need in NEEDS.values() for case in need.case_categories
}
if len(CASE_TO_PROJECT) != sum(len(n.case_categories) for n in NEEDS.values()):
    raise AssertionError("a 1x10 category maps to two project categories")


def label_of(category: str) -> str:
    """The screen name of a project category (an unknown one, as sent, capitalised)."""
    need = NEEDS.get(category)
    return need.label if need else category[:1].upper() + category[1:]


def transformation_of(category: str) -> int | None:
    """The usual 7T of a project category (None when the table does not know it)."""
    need = NEEDS.get(category)
    return need.transformation if need else None
