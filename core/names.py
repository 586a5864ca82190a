"""Human Spanish names of the Sala's internal values: one place for every screen and export.

Statuses, categories, phases, levels and estados are stored as short codes (``en_ejecucion``,
``consejo_comunal``, ``VE-V``); the screens say "En ejecución", "Consejo comunal", "Zulia".
The query modules name their filters and tables from here, so a value reads the same on every
page, chart, table and Spanish CSV. :func:`human` names any value, even one not listed, so an
unexpected code never reaches the screen in its raw form.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: The 25 estados by ISO 3166-2:VE code.
ESTADOS: dict[str, str] = {
    "VE-A": "Distrito Capital",
    "VE-B": "Anzoátegui",
    "VE-C": "Apure",
    "VE-D": "Aragua",
    "VE-E": "Barinas",
    "VE-F": "Bolívar",
    "VE-G": "Carabobo",
    "VE-H": "Cojedes",
    "VE-I": "Falcón",
    "VE-J": "Guárico",
    "VE-K": "Lara",
    "VE-L": "Mérida",
    "VE-M": "Miranda",
    "VE-N": "Monagas",
    "VE-O": "Nueva Esparta",
    "VE-P": "Portuguesa",
    "VE-R": "Sucre",
    "VE-S": "Táchira",
    "VE-T": "Trujillo",
    "VE-U": "Yaracuy",
    "VE-V": "Zulia",
    "VE-W": "Dependencias Federales",
    "VE-X": "La Guaira",
    "VE-Y": "Delta Amacuro",
    "VE-Z": "Amazonas",
}

#: Territory levels.
LEVELS: dict[str, str] = {
    "nacional": "Nacional",
    "estado": "Estado",
    "municipio": "Municipio",
    "parroquia": "Parroquia",
    "circuito": "Circuito comunal",
    "comuna": "Comuna",
    "consejo_comunal": "Consejo comunal",
}

#: 1x10 cases: statuses and categories.
CASE_STATUS: dict[str, str] = {
    "recibido": "Recibido",
    "asignado": "Asignado",
    "en_atencion": "En atención",
    "resuelto": "Resuelto",
    "cerrado": "Cerrado",
    "rechazado": "Rechazado",
}
CASE_CATEGORY: dict[str, str] = {
    "agua": "Agua",
    "electricidad": "Electricidad",
    "gas": "Gas",
    "salud": "Salud",
    "ayuda médica": "Ayuda médica",
    "alimentación": "Alimentación",
    "vialidad": "Vialidad",
    "telecomunicaciones": "Telecomunicaciones",
    "educación": "Educación",
    "vivienda": "Vivienda",
    "seguridad": "Seguridad",
    "defensa": "Defensa",
    "alteración del orden": "Alteración del orden",
    "otros": "Otros",
}

#: Consulta projects: statuses and categories.
PROJECT_STATUS: dict[str, str] = {
    "aprobado": "Aprobado",
    "financiado": "Financiado",
    "en_ejecucion": "En ejecución",
    "paralizado": "Paralizado",
    "culminado": "Culminado",
}
PROJECT_CATEGORY: dict[str, str] = {
    "agua": "Agua",
    "vialidad": "Vialidad",
    "vivienda": "Vivienda",
    "electricidad": "Electricidad",
    "educación": "Educación",
    "salud": "Salud",
    "deporte": "Deporte",
    "agrícola": "Agrícola",
    "ambiente": "Ambiente",
    "transporte": "Transporte",
    "cultura": "Cultura",
    "gas": "Gas",
    "estabilización de taludes": "Estabilización de taludes",
    "telecomunicaciones": "Telecomunicaciones",
    "seguridad": "Seguridad",
    "turismo": "Turismo",
}

#: ACA actions: statuses.
ACTION_STATUS: dict[str, str] = {
    "pendiente": "Pendiente",
    "en_curso": "En curso",
    "cumplida": "Cumplida",
    "cancelada": "Cancelada",
}

#: Security incidents: types.
INCIDENT_TYPE: dict[str, str] = {
    "homicidio": "Homicidio",
    "robo": "Robo",
    "hurto": "Hurto",
    "lesiones": "Lesiones",
    "secuestro": "Secuestro",
    "extorsión": "Extorsión",
    "drogas": "Drogas",
    "violencia de género": "Violencia de género",
    "accidente de tránsito": "Accidente de tránsito",
    "riña": "Riña",
    "alteración del orden": "Alteración del orden",
    "otro": "Otro",
}

#: Defense units: readiness phases.
DEFENSE_PHASE: dict[str, str] = {
    "organización": "Organización",
    "alistamiento": "Alistamiento",
    "despliegue": "Despliegue",
    "consolidación": "Consolidación",
}

#: Institution types (who a case is assigned to, who runs a unit).
INSTITUTION_TYPE: dict[str, str] = {
    "consejo_comunal": "Consejo comunal",
    "comuna": "Comuna",
    "ministerio": "Ministerio",
    "gobernacion": "Gobernación",
    "gobernación": "Gobernación",
    "alcaldia": "Alcaldía",
    "alcaldía": "Alcaldía",
    "empresa_publica": "Empresa pública",
    "banco_comunal": "Banco comunal",
}

#: Yes/no columns.
YES_NO: dict[Any, str] = {True: "Sí", False: "No", "sí": "Sí", "no": "No"}


def human(value: Any, names: Mapping[Any, str] | None = None) -> str:
    """The screen name of ``value``: from ``names`` when listed there, else the value with its
    underscores as spaces and a capital first letter (``en_revision`` → "En revision"), never
    the raw code. ``None`` is "—"."""
    if value is None or value == "":
        return "—"
    if names is not None:
        found = names.get(value)
        if found is not None:
            return found
    text = str(value).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def estado_name(code: str | None) -> str:
    """``VE-V`` → "Zulia"; an unknown code is shown as it is (it is not a secret)."""
    if not code:
        return "—"
    return ESTADOS.get(code, code)


def place_name(name: str, level: str | None, estado: str | None) -> str:
    """A territory's name as lists show it: an estado alone, anything below with its estado
    (``place_name("Sucre", "municipio", "VE-V")`` → "Sucre (Zulia)")."""
    if level in (None, "nacional", "estado"):
        return name
    return territory_label(name, estado)


def territory_label(name: str, estado: str | None = None) -> str:
    """A territory below the estado with its estado, since names repeat across estados
    ("Sucre (Zulia)", "Sucre (Sucre)"). ``estado`` is a name or an ISO code; an estado itself
    is named without one (pass no ``estado``)."""
    if not estado:
        return name
    return f"{name} ({ESTADOS.get(estado, estado)})"
