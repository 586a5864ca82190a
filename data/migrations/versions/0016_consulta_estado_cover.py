"""/consulta per estado: the per-estado case index also covers the circuito, status and
resolution

The Consulta advice of an estado groups its last 60 days of cases by municipio and circuito
and needs each case's status and resolution time. With only the municipio and category
covered, PostgreSQL preferred walking the national ``reported_at`` index through every case
of the country in the window (~400,000 heap visits, ~300 ms for Zulia); with these columns
the per-estado index answers it index-only (~56,000 entries, ~40 ms). SQLite has no INCLUDE
and keeps the plain index.

Revision ID: 0016_consulta_estado_cover
Revises: 0015_paz_incident_block
"""

from __future__ import annotations

from alembic import op

revision = "0016_consulta_estado_cover"
down_revision = "0015_paz_incident_block"
branch_labels = None
depends_on = None

NAME, TABLE, KEYS = "ix_case_estado_reported", "citizen_case", ["estado_code", "reported_at"]
BEFORE = ["municipio_code", "category"]  # 0010_covering_indexes
AFTER = [*BEFORE, "parroquia_code", "circuito_code", "status", "resolved_at"]


def _cover(columns: list[str]) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(NAME, table_name=TABLE)
    op.create_index(NAME, TABLE, KEYS, postgresql_include=columns)


def upgrade() -> None:
    _cover(AFTER)


def downgrade() -> None:
    _cover(BEFORE)
