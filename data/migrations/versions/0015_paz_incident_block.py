"""incident_block: /paz incidents per cuadrante in blocks of nine weeks, a count per day

"Sobre lo habitual" compares each cuadrante's last 7 days with the 8 weeks before: nine
7-day windows, 63 whole Caracas days plus the partial days at their ends. Read from
``incident_week`` that is ten rows per cuadrante (~50,000 nationally, most of the page's
time); ``incident_block`` holds the same counts per estado, cuadrante and block of nine ISO
weeks (``data.models.BLOCK_DAYS`` day columns), so the 63 days are at most two rows per
cuadrante. Kept current on every write with the other incident rollups
(``data.incident_rollup``); filled here from ``incident_week``.

Revision ID: 0015_paz_incident_block
Revises: 0014_cb4_resolution_hours
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_paz_incident_block"
down_revision = "0014_cb4_resolution_hours"
branch_labels = None
depends_on = None

BLOCK_DAYS = 63  # data.models.BLOCK_DAYS when this was written


def upgrade() -> None:
    op.create_table(
        "incident_block",
        sa.Column("block", sa.Date(), nullable=False),
        sa.Column("estado_code", sa.String(length=40), nullable=False),
        sa.Column("cuadrante_code", sa.String(length=40), nullable=False),
        *(sa.Column(f"d{i}", sa.Integer(), nullable=False) for i in range(BLOCK_DAYS)),
        sa.PrimaryKeyConstraint("block", "estado_code", "cuadrante_code"),
    )
    op.create_index("ix_incident_block_estado", "incident_block", ["estado_code", "block"])
    if op.get_bind().dialect.name == "postgresql":
        # room on each page for the "d = d + 1" updates of new incidents (HOT updates)
        op.execute("ALTER TABLE incident_block SET (fillfactor = 70)")
    from data.incident_rollup import rebuild_blocks

    rebuild_blocks(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_incident_block_estado", table_name="incident_block")
    op.drop_table("incident_block")
