"""money sent per project kept on the project row, for /proyectos on national data

``project.transfers_usd`` holds the sum of all the project's transfers, kept current on
every write (``data.project_money``), so the money × progress grid of ``/proyectos`` reads
the projects alone instead of summing every transfer on each refresh. Filled here from the
existing transfers.

Revision ID: 0011_project_transfers
Revises: 0010_covering_indexes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_project_transfers"
down_revision = "0010_covering_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("project") as batch_op:
        batch_op.add_column(
            sa.Column(
                "transfers_usd",
                sa.Numeric(precision=16, scale=2),
                nullable=False,
                server_default="0",
            )
        )
    op.execute(
        "UPDATE project SET transfers_usd = COALESCE((SELECT SUM(transfer.amount_usd) "
        "FROM transfer WHERE transfer.project_id = project.id), 0)"
    )


def downgrade() -> None:
    with op.batch_alter_table("project") as batch_op:
        batch_op.drop_column("transfers_usd")
