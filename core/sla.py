"""Service-level targets of the 1x10 cases: hours to resolve, per category.

The defaults follow how urgent each category is; ``SALA_SLA_HORAS`` overrides some or all of
them (``"agua=72,electricidad=48"``) without a code change. Categories not listed get
``otros``'s target.
"""

from __future__ import annotations

DEFAULT_SLA_HOURS: dict[str, float] = {
    "agua": 72,
    "electricidad": 48,
    "gas": 72,
    "salud": 48,
    "ayuda médica": 24,
    "alimentación": 72,
    "vialidad": 360,
    "telecomunicaciones": 120,
    "educación": 168,
    "vivienda": 720,
    "seguridad": 24,
    "defensa": 48,
    "alteración del orden": 12,
    "otros": 168,
}
FALLBACK = "otros"


class BadSlaSetting(ValueError):
    """``SALA_SLA_HORAS`` is not a list of ``categoría=horas`` pairs."""


def parse_sla(raw: str | None) -> dict[str, float]:
    """The defaults overridden by ``raw`` (``"agua=72,electricidad=48"``); errors in Spanish."""
    targets = dict(DEFAULT_SLA_HOURS)
    for item in (raw or "").split(","):
        if not item.strip():
            continue
        name, sep, hours = item.partition("=")
        try:
            value = float(hours.strip())
        except ValueError:
            value = -1.0
        if not sep or not name.strip() or value <= 0:
            raise BadSlaSetting(
                f"SALA_SLA_HORAS: {item.strip()!r} no es válido; "
                "use categoría=horas separados por comas, p. ej. agua=72,electricidad=48"
            )
        targets[name.strip().lower()] = value
    return targets


def target_for(targets: dict[str, float], category: str) -> float:
    return targets.get(category, targets.get(FALLBACK, DEFAULT_SLA_HOURS[FALLBACK]))
