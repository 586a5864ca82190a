"""actions: the Agendas Concretas de Acción (ACA) of each territory

One row per action (ingest dataset ``actions``): territory, title, transformation (7T), owner,
due date, status, optional project and resources, and the territorial path columns every
fact table carries.

Revision ID: 0008_actions
Revises: 0005_incident_cover
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import data.types

revision = "0008_actions"
down_revision = "0007_alerts"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_action_estado_status": ["estado_code", "status"],
    "ix_action_municipio": ["municipio_code"],
    "ix_action_circuito": ["circuito_code"],
    "ix_action_territory": ["territory_code"],
    "ix_action_project": ["project_id"],
}


def upgrade() -> None:
    op.create_table(
        "action",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("territory_code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("transformation", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=True),
        sa.Column("resources", sa.String(length=500), nullable=True),
        sa.Column("updated_at", data.types.UTCDateTime(), nullable=False),
        sa.Column("estado_code", sa.String(length=40), nullable=True),
        sa.Column("municipio_code", sa.String(length=40), nullable=True),
        sa.Column("parroquia_code", sa.String(length=40), nullable=True),
        sa.Column("circuito_code", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["territory_code"], ["territory.code"]),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    for name, columns in INDEXES.items():
        op.create_index(name, "action", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="action")
    op.drop_table("action")
