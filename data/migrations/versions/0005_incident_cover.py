"""covering time indexes for /paz on national data

The national and per-estado incident time indexes now carry the columns /paz groups by
(type, severity, cuadrante, estado, municipio) on PostgreSQL, so its counts, heat map and
"above usual" baseline read the index alone instead of visiting ~100k heap rows. SQLite has
no INCLUDE and keeps the plain indexes.

Revision ID: 0005_incident_cover
Revises: 0004_case_rollups
"""

from __future__ import annotations

from alembic import op

revision = "0005_incident_cover"
down_revision = "0004_case_rollups"
branch_labels = None
depends_on = None

COVER = ["type", "severity", "cuadrante_code", "estado_code", "municipio_code"]
INDEXES = {"ix_incident_time": ["occurred_at"], "ix_incident_estado_time": ["estado_code", "occurred_at"]}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, columns in INDEXES.items():
        op.drop_index(name, table_name="incident")
        op.create_index(name, "incident", columns, postgresql_include=COVER)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, columns in INDEXES.items():
        op.drop_index(name, table_name="incident")
        op.create_index(name, "incident", columns)
