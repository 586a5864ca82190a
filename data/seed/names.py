"""Word lists for the generated (fictitious) demo entities and the domain's categories."""

from __future__ import annotations

# People and symbols communities commonly name their organisations after.
HEROES = (
    "Alí Primera",
    "Guaicaipuro",
    "Negro Primero",
    "Manuela Sáenz",
    "Ezequiel Zamora",
    "José Leonardo Chirino",
    "Josefa Camejo",
    "Luisa Cáceres",
    "Hipólita",
    "Apacuana",
    "Tiuna",
    "Urquía",
    "Cacique Mara",
    "Paramaconi",
    "Fabricio Ojeda",
    "Argimiro Gabaldón",
    "Cecilio Acosta",
    "Simón Rodríguez",
    "Juana Ramírez",
    "Pedro Camejo",
    "Hugo Chávez",
    "Antonio José de Sucre",
    "Francisco de Miranda",
    "Rafael Urdaneta",
    "José Félix Ribas",
    "Kléber Ramírez",
    "Aquiles Nazoa",
    "Andrés Eloy Blanco",
    "Teresa Heredia",
    "Yaracuy",
    "Tamanaco",
    "Chaima",
    "Camino de los Indios",
    "Cumbe Libre",
    "Bolívar Vive",
)
PLACES = (
    "La Ceiba",
    "El Samán",
    "Los Mangos",
    "San José",
    "Santa Rosa",
    "El Progreso",
    "La Esperanza",
    "Bella Vista",
    "Las Flores",
    "El Cují",
    "Los Cerritos",
    "La Unión",
    "El Carmen",
    "Brisas del Río",
    "Los Jabillos",
    "La Pradera",
    "El Trapiche",
    "Las Palmas",
    "San Isidro",
    "La Candelaria",
    "El Paraíso",
    "Los Guayabos",
    "Villa Rosa",
    "El Manguito",
    "Cañaveral",
    "Las Acacias",
    "El Tamarindo",
    "La Vega",
    "Caña de Azúcar",
    "Los Araguaneyes",
    "Nueva Tacagua",
    "Pueblo Nuevo",
    "Las Mercedes",
    "Los Sauces",
    "El Calvario",
    "Corazón de Jesús",
    "La Montañita",
    "Altos de la Loma",
    "Valle Verde",
    "Puerto Rico",
)
SECTOR_KINDS = ("Barrio", "Sector", "Urbanización", "Caserío", "Calle", "Vereda", "Comunidad")
COMUNA_KINDS = ("Comuna", "Comuna Socialista", "Comuna Productiva", "Comuna Agroecológica")
BANK_KINDS = ("Banco de la Comuna", "Banco Comunal", "UAFC")

# Project categories with their 2024 counts (domain.md) as weights, their usual 7T and
# a typical cost factor.
PROJECT_CATEGORIES: dict[str, tuple[int, int, float]] = {
    "agua": (2259, 2, 1.0),
    "vialidad": (1319, 2, 1.2),
    "vivienda": (1239, 2, 1.3),
    "electricidad": (1153, 2, 1.1),
    "educación": (873, 4, 0.9),
    "salud": (798, 4, 1.0),
    "deporte": (520, 4, 0.8),
    "agrícola": (480, 1, 0.9),
    "transporte": (330, 2, 1.2),
    "cultura": (300, 4, 0.7),
    "ambiente": (260, 6, 0.7),
    "gas": (250, 2, 0.9),
    "telecomunicaciones": (210, 6, 1.0),
    "estabilización de taludes": (160, 2, 1.4),
    "seguridad": (150, 3, 0.9),
    "turismo": (90, 1, 0.8),
}
PROJECT_TITLES: dict[str, str] = {
    "agua": "Rehabilitación del sistema de agua potable en {place}",
    "vialidad": "Asfaltado y drenajes de la vialidad de {place}",
    "vivienda": "Sustitución de ranchos por viviendas en {place}",
    "electricidad": "Alumbrado público y transformadores en {place}",
    "educación": "Rehabilitación de la escuela de {place}",
    "salud": "Dotación del consultorio popular de {place}",
    "deporte": "Cancha de usos múltiples de {place}",
    "agrícola": "Sistema de riego y siembra comunal en {place}",
    "transporte": "Unidades de transporte comunal para {place}",
    "cultura": "Casa de la cultura de {place}",
    "ambiente": "Recuperación de la quebrada de {place}",
    "gas": "Red de gas doméstico de {place}",
    "telecomunicaciones": "Conectividad e internet comunal en {place}",
    "estabilización de taludes": "Muro de contención y estabilización de taludes en {place}",
    "seguridad": "Módulo del cuadrante de paz de {place}",
    "turismo": "Ruta turística comunal de {place}",
}

# 1x10 categories: weight, median hours to resolve, institution (None = by estado).
CASE_CATEGORIES: dict[str, tuple[float, float, str | None]] = {
    "agua": (22, 60, None),
    "electricidad": (18, 30, "Corpoelec"),
    "gas": (10, 40, "PDVSA Gas Comunal"),
    "vialidad": (8, 200, "Gobernación"),
    "salud": (7, 48, "Ministerio del Poder Popular para la Salud"),
    "ayuda médica": (6, 20, "Ministerio del Poder Popular para la Salud"),
    "alimentación": (6, 36, "Ministerio del Poder Popular para la Alimentación"),
    "telecomunicaciones": (6, 72, "CANTV"),
    "educación": (4, 96, "Ministerio del Poder Popular para la Educación"),
    "vivienda": (5, 300, "Gran Misión Vivienda Venezuela"),
    "seguridad": (3, 12, "Cuadrantes de Paz"),
    "defensa": (1, 24, "FANB"),
    "alteración del orden": (2, 8, "Policía Nacional Bolivariana"),
    "otros": (2, 120, "Alcaldía"),
}
WATER_UTILITY: dict[str, str] = {
    "VE-A": "Hidrocapital",
    "VE-M": "Hidrocapital",
    "VE-X": "Hidrocapital",
    "VE-D": "Hidrocentro",
    "VE-G": "Hidrocentro",
    "VE-H": "Hidrocentro",
    "VE-V": "Hidrolago",
    "VE-I": "Hidrofalcón",
    "VE-K": "Hidrolara",
    "VE-L": "Hidroandes",
    "VE-T": "Hidroandes",
    "VE-E": "Hidroandes",
    "VE-S": "Hidrosuroeste",
    "VE-O": "Hidrocaribe",
    "VE-B": "Hidrocaribe",
    "VE-R": "Hidrocaribe",
    "VE-J": "Hidropáez",
    "VE-C": "Hidropáez",
}

# Incident types: weight, usual severity, hour pattern ("general" or "transito").
INCIDENT_TYPES: dict[str, tuple[float, int, str]] = {
    "hurto": (22, 2, "general"),
    "robo": (18, 3, "general"),
    "accidente de tránsito": (14, 3, "transito"),
    "riña": (10, 2, "general"),
    "lesiones": (8, 3, "general"),
    "violencia de género": (7, 4, "general"),
    "drogas": (6, 3, "general"),
    "alteración del orden": (5, 2, "general"),
    "otro": (4.5, 1, "general"),
    "extorsión": (3, 4, "general"),
    "homicidio": (2, 5, "general"),
    "secuestro": (0.5, 5, "general"),
}
# Relative weight of each hour of the day (Caracas time).
HOURS = {
    "cases": (1, 1, 1, 1, 1, 2, 4, 7, 10, 11, 11, 10, 8, 9, 10, 10, 9, 8, 6, 5, 4, 3, 2, 1),
    "general": (6, 5, 4, 3, 2, 2, 3, 4, 5, 5, 6, 6, 6, 6, 6, 7, 8, 9, 11, 12, 12, 11, 9, 7),
    "transito": (3, 2, 2, 2, 3, 6, 10, 12, 8, 5, 5, 6, 7, 6, 6, 7, 10, 12, 10, 7, 5, 4, 4, 3),
}

DEFENSE_PHASES = ("organización", "alistamiento", "despliegue", "consolidación")

# ACA actions: title templates per transformation (7T), ``{place}`` a sector of the territory.
ACTION_TITLES: dict[int, tuple[str, ...]] = {
    1: (
        "Instalar la unidad de producción comunal de {place}",
        "Registrar a los productores de {place} en el plan de siembra",
        "Abrir la feria comunal de {place}",
    ),
    2: (
        "Censar las viviendas en riesgo de {place}",
        "Reparar las tuberías de aducción de {place}",
        "Sustituir luminarias en las calles de {place}",
        "Recuperar el drenaje de la vialidad de {place}",
    ),
    3: (
        "Conformar el comité de defensa integral de {place}",
        "Actualizar el mapa de riesgo del cuadrante de {place}",
        "Ejercicio de protección civil en {place}",
    ),
    4: (
        "Jornada de atención médica integral en {place}",
        "Dotar de insumos el consultorio popular de {place}",
        "Rehabilitar los baños de la escuela de {place}",
        "Censo de adultos mayores y personas con discapacidad de {place}",
    ),
    5: (
        "Asamblea de rendición de cuentas en {place}",
        "Elegir a los voceros del comité de contraloría de {place}",
        "Diagnóstico participativo de nudos críticos de {place}",
    ),
    6: (
        "Jornada de siembra de árboles en {place}",
        "Punto de conexión comunal a internet en {place}",
        "Plan de recolección y reciclaje de desechos de {place}",
    ),
    7: (
        "Encuentro de intercambio con comunas hermanas en {place}",
        "Festival cultural por la paz en {place}",
    ),
}
ACTION_OWNERS = (
    "Vocería de {name}",
    "Comité de Salud de {name}",
    "Comité de Contraloría Social de {name}",
    "Unidad Administrativa y Financiera de {name}",
    "Sala de Autogobierno de {name}",
)
ACTION_RESOURCES = (
    "USD {usd} del Consejo Federal de Gobierno",
    "Brigada de {n} voceros",
    "Maquinaria y materiales de la alcaldía",
    "Insumos del ministerio del área",
    "Autogestión comunal",
)
