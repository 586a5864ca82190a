"""incidents per cuadrante and Caracas week, for /paz's "sobre lo habitual" on national data

``incident_week`` holds one row per ISO week, estado and cuadrante with a count per weekday
(see ``data.incident_rollup``), kept current on every write; the nine weeks "sobre lo
habitual" compares are read from it (~50,000 rows) instead of ~180,000 incidents. Filled
here from the existing incidents.

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
    if op.get_bind().dialect.name == "postgresql":
        # room on each page for the "d = d + 1" updates of new incidents (HOT updates)
        op.execute("ALTER TABLE incident_week SET (fillfactor = 70)")
    # the same code that keeps it current (one INSERT … SELECT)
    from data.incident_rollup import rebuild

    rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_incident_week_estado", table_name="incident_week")
    op.drop_table("incident_week")
