"""incident rollups for /paz on national data: per cuadrante and week, per day and estado

``incident_week`` holds one row per ISO week, estado and cuadrante with a count per weekday;
``incident_day`` the incidents per Caracas day, estado, type and severity; ``incident_hour``
the country's per Caracas day, type and hour (see ``data.incident_rollup``). All are kept
current on every write: the nine weeks "sobre lo habitual" compares are read from the first
(~50,000 rows instead of ~180,000 incidents), the KPIs, types, severities and national map
from the second, the national heat map from the third. On PostgreSQL the cuadrante time
index of ``incident`` gains the severity, so the busiest cuadrantes' severity mix is read
from the index alone. Filled here from the
existing incidents.

Revision ID: 0012_paz_incident_week
Revises: 0011_project_transfers
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_paz_incident_week"
down_revision = "0011_project_transfers"
branch_labels = None
depends_on = None

DAYS = [f"d{i}" for i in range(7)]


def upgrade() -> None:
    op.create_table(
        "incident_week",
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("estado_code", sa.String(length=40), nullable=False),
        sa.Column("cuadrante_code", sa.String(length=40), nullable=False),
        *(sa.Column(d, sa.Integer(), nullable=False) for d in DAYS),
        sa.PrimaryKeyConstraint("week", "estado_code", "cuadrante_code"),
    )
    op.create_index("ix_incident_week_estado", "incident_week", ["estado_code", "week"])
    op.create_table(
        "incident_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("estado_code", sa.String(length=40), nullable=False),
        sa.Column("type", sa.String(length=60), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "estado_code", "type", "severity"),
    )
    op.create_index("ix_incident_day_estado", "incident_day", ["estado_code", "day"])
    op.create_table(
        "incident_hour",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("type", sa.String(length=60), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "type", "hour"),
    )
    if op.get_bind().dialect.name == "postgresql":
        # room on each page for the "n = n + 1" updates of new incidents (HOT updates)
        for table in ("incident_week", "incident_day", "incident_hour"):
            op.execute(f"ALTER TABLE {table} SET (fillfactor = 70)")
        # the busiest cuadrantes' severity mix from the index alone
        op.drop_index("ix_incident_cuadrante_time", table_name="incident")
        op.create_index(
            "ix_incident_cuadrante_time",
            "incident",
            ["cuadrante_code", "occurred_at"],
            postgresql_include=["severity"],
        )
    # the same code that keeps them current (one INSERT … SELECT each)
    from data.incident_rollup import rebuild

    rebuild(op.get_bind(), blocks=False)  # incident_block comes with 0014


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_incident_cuadrante_time", table_name="incident")
        op.create_index("ix_incident_cuadrante_time", "incident", ["cuadrante_code", "occurred_at"])
    op.drop_table("incident_hour")
    op.drop_index("ix_incident_day_estado", table_name="incident_day")
    op.drop_table("incident_day")
    op.drop_index("ix_incident_week_estado", table_name="incident_week")
    op.drop_table("incident_week")
