"""The generated territory below the parroquias: circuitos, comunas, consejos, cuadrantes, CLAP.

All of it is fictitious demo data (``is_demo=True``), placed near its real parroquia. Each
estado also gets a "quality" factor: a few estados are clearly worse than the rest, which
the facts then show (lower CLAP coverage, slower cases, more stalled projects).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from data import reference
from data.seed import names
from data.seed.scales import Scale

# Rough population in millions: how the circuitos are shared between estados.
POPULATION: dict[str, float] = {
    "VE-V": 4.3,
    "VE-M": 3.1,
    "VE-G": 2.4,
    "VE-A": 2.1,
    "VE-K": 2.0,
    "VE-D": 1.8,
    "VE-B": 1.6,
    "VE-F": 1.6,
    "VE-S": 1.2,
    "VE-R": 1.0,
    "VE-I": 1.0,
    "VE-P": 1.0,
    "VE-N": 0.95,
    "VE-L": 0.9,
    "VE-E": 0.85,
    "VE-J": 0.8,
    "VE-T": 0.75,
    "VE-U": 0.65,
    "VE-C": 0.55,
    "VE-O": 0.5,
    "VE-X": 0.36,
    "VE-H": 0.35,
    "VE-Y": 0.18,
    "VE-Z": 0.16,
}
WORSE_ESTADOS = 4


@dataclass
class Circuito:
    """A generated circuito comunal and everything hanging from it."""

    code: str
    name: str
    estado: str
    municipio: str
    parroquia: str
    lat: float
    lon: float
    quality: float
    comuna: str | None = None
    bank: str = ""
    cuadrante: str = ""
    consejos: list[str] = field(default_factory=list)
    claps: list[tuple[str, str, int]] = field(default_factory=list)  # code, consejo, families

    @property
    def path(self) -> tuple[str, str, str, str]:
        return (self.estado, self.municipio, self.parroquia, self.code)


@dataclass
class World:
    """What the fact generators need to know about the territory."""

    territory_rows: list[tuple] = field(default_factory=list)
    cuadrante_rows: list[tuple] = field(default_factory=list)
    clap_rows: list[tuple] = field(default_factory=list)
    circuitos: list[Circuito] = field(default_factory=list)
    quality: dict[str, float] = field(default_factory=dict)  # estado and municipio codes
    municipios: list[tuple[str, str]] = field(default_factory=list)  # code, estado


TERRITORY_COLUMNS = (
    "code", "level", "name", "parent_code", "lat", "lon", "is_demo",
    "estado_code", "municipio_code", "parroquia_code", "circuito_code",
)  # fmt: skip
CUADRANTE_COLUMNS = (
    "code", "name", "lat", "lon", "estado_code", "municipio_code", "parroquia_code",
    "circuito_code",
)  # fmt: skip
CLAP_COLUMNS = (
    "code", "name", "territory_code", "families", "estado_code", "municipio_code",
    "parroquia_code", "circuito_code",
)  # fmt: skip


def _allocate(total: int, weights: list[float], minimum: int) -> list[int]:
    """Share ``total`` by ``weights`` (largest remainder), each getting at least ``minimum``."""
    base = [minimum] * len(weights)
    rest = total - minimum * len(weights)
    if rest <= 0:
        return base
    wsum = sum(weights)
    exact = [rest * w / wsum for w in weights]
    shares = [int(x) for x in exact]
    left = rest - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: exact[i] - shares[i], reverse=True)
    for i in order[:left]:
        shares[i] += 1
    return [b + s for b, s in zip(base, shares, strict=True)]


def _circuitos_per_parroquia(rng: random.Random, n: int, parroquias: list) -> list[int]:
    weights = [rng.uniform(0.3, 1.7) for _ in parroquias]
    if n >= len(parroquias):
        return _allocate(n, weights, 1)
    # Fewer circuitos than parroquias: pick n parroquias, weighted, without replacement.
    keys = sorted(range(len(parroquias)), key=lambda i: rng.random() ** (1 / weights[i]))
    chosen = set(keys[-n:])
    return [1 if i in chosen else 0 for i in range(len(parroquias))]


def build_world(scale: Scale, seed: int) -> World:
    """Reference territories plus the generated ones, as rows ready to load."""
    rng = random.Random(f"{seed}:world")
    world = World()
    estados = reference.estados()
    with_municipios = [e for e in estados if e.children]
    worse = set(rng.sample([e.code for e in with_municipios], WORSE_ESTADOS))
    for estado in estados:
        q = rng.uniform(0.5, 0.62) if estado.code in worse else rng.uniform(0.8, 1.0)
        world.quality[estado.code] = q
    per_estado = _allocate(
        scale.circuitos, [POPULATION[e.code] for e in with_municipios], scale.min_per_estado
    )

    for place in reference.all_places():
        world.territory_rows.append(_territory_row(place))
    for estado, n_circuitos in zip(with_municipios, per_estado, strict=True):
        parroquias = [(m, p) for m in estado.children for p in m.children]
        for municipio in estado.children:
            world.municipios.append((municipio.code, estado.code))
            world.quality[municipio.code] = min(
                1.0, world.quality[estado.code] * rng.uniform(0.9, 1.08)
            )
        shares = _circuitos_per_parroquia(rng, n_circuitos, [p for _, p in parroquias])
        for (municipio, parroquia), count in zip(parroquias, shares, strict=True):
            for i in range(1, count + 1):
                _add_circuito(world, rng, scale, estado.code, municipio, parroquia, i)
    return world


def _territory_row(place: reference.Place) -> tuple:
    path = {"estado": None, "municipio": None, "parroquia": None}
    if place.level == "estado":
        path["estado"] = place.code
    elif place.level == "municipio":
        path.update(estado=place.parent_code, municipio=place.code)
    else:
        assert place.parent_code is not None
        path.update(estado=place.parent_code[:4], municipio=place.parent_code, parroquia=place.code)
    return (
        place.code, place.level, place.name, place.parent_code, place.lat, place.lon, False,
        path["estado"], path["municipio"], path["parroquia"], None,
    )  # fmt: skip


def _add_circuito(
    world: World,
    rng: random.Random,
    scale: Scale,
    estado: str,
    municipio: reference.Place,
    parroquia: reference.Place,
    index: int,
) -> None:
    code = f"{parroquia.code}-C{index:02d}"
    hero = rng.choice(names.HEROES)
    lat, lon = reference.point_near(estado, parroquia.lat, parroquia.lon, 3.0, code)
    quality = min(1.0, world.quality[municipio.code] * rng.uniform(0.92, 1.05))
    circ = Circuito(
        code, f"Circuito Comunal {hero}", estado, municipio.code, parroquia.code, lat, lon, quality
    )
    e, m, p = estado, municipio.code, parroquia.code
    world.territory_rows.append((code, "circuito", circ.name, p, lat, lon, True, e, m, p, code))
    if rng.random() < 0.72:
        circ.comuna = f"{code}-K"
        label = rng.choice((rng.choice(names.HEROES), rng.choice(names.PLACES)))
        comuna_name = f"{rng.choice(names.COMUNA_KINDS)} {label}"
        c_lat, c_lon = reference.point_near(estado, lat, lon, 1.0, circ.comuna)
        world.territory_rows.append(
            (circ.comuna, "comuna", comuna_name, code, c_lat, c_lon, True, e, m, p, code)
        )
        circ.bank = f"{rng.choice(names.BANK_KINDS[:2])} {label}"
    else:
        circ.bank = f"UAFC {circ.name}"
    for j in range(1, rng.randint(*scale.consejos) + 1):
        cc = f"{code}-CC{j:02d}"
        place = rng.choice(names.PLACES)
        cc_name = f"Consejo Comunal {rng.choice(names.SECTOR_KINDS)} {place}"
        cc_lat, cc_lon = reference.point_near(estado, lat, lon, 1.5, cc)
        world.territory_rows.append(
            (cc, "consejo_comunal", cc_name, code, cc_lat, cc_lon, True, e, m, p, code)
        )
        circ.consejos.append(cc)
        clap = f"CLAP-{cc}"
        families = rng.randint(120, 320)
        circ.claps.append((clap, cc, families))
        world.clap_rows.append((clap, f"CLAP {place}", cc, families, e, m, p, code))
    circ.cuadrante = f"CP-{code}"
    world.cuadrante_rows.append(
        (circ.cuadrante, f"Cuadrante de Paz {hero}", lat, lon, e, m, p, code)
    )
    world.circuitos.append(circ)
