"""core.names: every internal value reaches the screen as a human Spanish name."""

from __future__ import annotations

from datetime import UTC, date, datetime

from core import names
from data.queries import aca, cases, incidents, projects
from data.queries.datasets import Column, spanish_value, territory_display

RAW = ("en_ejecucion", "en_atencion", "consejo_comunal", "en_curso")


def test_listed_values_have_their_names():
    assert names.human("en_ejecucion", names.PROJECT_STATUS) == "En ejecución"
    assert names.human("en_atencion", names.CASE_STATUS) == "En atención"
    assert names.human("consejo_comunal", names.LEVELS) == "Consejo comunal"
    assert names.human("consejo_comunal", names.INSTITUTION_TYPE) == "Consejo comunal"
    assert names.human("ayuda médica", names.CASE_CATEGORY) == "Ayuda médica"


def test_an_unlisted_code_is_still_never_shown_raw():
    assert names.human("en_revision_final") == "En revision final"
    assert names.human("en_ejecucion", {}) == "En ejecución".replace("ó", "o")
    assert names.human(None) == "—" and names.human("") == "—"


def test_no_listed_name_is_an_internal_value():
    tables = (
        names.CASE_STATUS,
        names.PROJECT_STATUS,
        names.ACTION_STATUS,
        names.LEVELS,
        names.DEFENSE_PHASE,
        names.INSTITUTION_TYPE,
        names.CASE_CATEGORY,
        names.PROJECT_CATEGORY,
        names.INCIDENT_TYPE,
    )
    for table in tables:
        for label in table.values():
            assert "_" not in label and label[:1].isupper(), label


def test_query_modules_name_from_the_one_module():
    assert cases.STATUS_LABELS is names.CASE_STATUS
    assert cases.CATEGORIES is names.CASE_CATEGORY
    assert projects.STATUS_LABELS is names.PROJECT_STATUS
    assert aca.STATUS_LABELS is names.ACTION_STATUS
    assert incidents.CATEGORIES is names.INCIDENT_TYPE


def test_estados_and_repeated_territory_names():
    assert len(names.ESTADOS) == 25
    assert names.estado_name("VE-V") == "Zulia"
    assert names.territory_label("Sucre", "VE-V") == "Sucre (Zulia)"
    assert names.territory_label("Sucre", "Zulia") == "Sucre (Zulia)"
    assert names.territory_label("Zulia") == "Zulia"
    places = {"VE-V-20": ("Sucre", "VE-V"), "VE-R-01": ("Sucre", "VE-R")}
    assert territory_display("VE-V", places) == "Zulia"
    assert territory_display("VE-V-20", places) == "Sucre (Zulia)"
    assert territory_display("VE-R-01", places) == "Sucre (Sucre)"
    assert territory_display(None, places) == "—"


def test_every_coded_table_column_has_names():
    """A dataset column holding statuses, categories or phases shows names on screen."""
    coded = {
        ("casos", "status"),
        ("casos", "category"),
        ("proyectos", "status"),
        ("proyectos", "category"),
        ("proyectos", "transformation"),
        ("incidentes", "type"),
    }
    from data.queries.catalog import DATASETS

    for name, key in coded:
        if name in DATASETS:
            col = DATASETS[name].column(key)
            assert col is not None and col.labels, (name, key)
    for dataset in DATASETS.values():
        for col in dataset.columns:
            if col.key.endswith("estado_code") or col.key.endswith("municipio_code"):
                assert col.kind == "territory" and "código" not in col.title, (dataset.name, col)


def test_spanish_values_for_a_spreadsheet():
    assert spanish_value(1234.5, Column("x", "X", "decimal")) == "1234,5"
    assert spanish_value(1234567, Column("x", "X", "number")) == "1234567"
    assert spanish_value(10_000, Column("x", "X", "usd")) == "10000,00"
    assert spanish_value(0.25) == "0,25"
    assert spanish_value(3) == "3"
    assert spanish_value(None) == ""
    # 15:04 UTC is 11:04 in Caracas
    assert spanish_value(datetime(2026, 11, 23, 15, 4, tzinfo=UTC)) == "23/11/2026 11:04"
    assert spanish_value(date(2026, 1, 5)) == "05/01/2026"
    status = Column("status", "Estatus", labels=names.PROJECT_STATUS)
    assert spanish_value("en_ejecucion", status) == "En ejecución"
    assert all(spanish_value(v, Column("s", "S", labels=names.CASE_STATUS)) not in RAW for v in RAW)
